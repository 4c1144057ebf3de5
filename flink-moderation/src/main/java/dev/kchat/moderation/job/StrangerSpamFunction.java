package dev.kchat.moderation.job;

import dev.kchat.events.moderation.Verdict;
import dev.kchat.moderation.DistinctWindow;
import dev.kchat.moderation.ModerationConfig;
import dev.kchat.moderation.StrangerSpam;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * Stranger spam per user (keyed by actor id): {@link StrangerSpam} over the activity that
 * {@link ConversationCreators} marked, after it.
 *
 * <p>Account age: the platform has no user registry (users are JWT subjects), so an account counts
 * from the earliest event time of anything the job has seen it do on {@code chat.conversation.log}
 * (creating a conversation, joining, posting, reacting). That first-seen time is one long per user,
 * kept while the user is active and dropped {@code moderation.stranger.state.ttl} (90 days) after
 * their last action (state TTL, processing time). Its limits, in docs/moderation.md: an account
 * back after a longer absence looks new again; at a start without the log's history (offsets
 * {@code latest}) every account looks new for the account age; events of one user in different
 * conversations are not ordered between partitions, so a user's first action may be counted after
 * a later one (the age then starts later: it errs towards new).
 *
 * <p>Counting: messages of a new account into conversations it did not create, as the library's
 * {@link DistinctWindow} of at most S + 1 conversations, cleared by an event-time timer a window
 * after the latest (as {@link FloodFunction}). First-seen times are kept while the detector is
 * switched off, so switching it on knows the ages.
 */
public final class StrangerSpamFunction extends KeyedDetector<Activity, DistinctWindow> {

    private static final long serialVersionUID = 1L;

    /** Keyed state: the conversations of others a new account posted into, last seen times. */
    public static final ValueStateDescriptor<DistinctWindow> STATE = new ValueStateDescriptor<>("stranger-spam", DistinctWindow.class);
    /** Keyed state: the pending cleanup timer. */
    public static final ValueStateDescriptor<Long> TIMER = timerOf(STATE);
    /** Keyed state: the earliest event time the user was seen acting, epoch ms, with a TTL. */
    public static final String FIRST_SEEN = "stranger-first-seen";

    private final Duration ttl;
    private transient ValueState<Long> firstSeen;

    public StrangerSpamFunction(ModerationConfig config) {
        super(config, STATE);
        this.ttl = config.strangerStateTtl();
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
        firstSeen = getRuntimeContext().getState(Detectors.withTtl(new ValueStateDescriptor<>(FIRST_SEEN, Types.LONG), ttl));
    }

    @Override
    DistinctWindow count(RuleBook rules, Activity activity, DistinctWindow held, Consumer<Verdict> verdicts) throws Exception {
        Long seen = firstSeen.value();
        if (seen == null || activity.at() < seen) {
            seen = activity.at();
            firstSeen.update(seen);
        }
        StrangerSpam spam = rules.strangerSpam();
        Instant since = Instant.ofEpochMilli(seen);
        if (spam == null || activity.kind() != Activity.Kind.POSTED || !activity.intoOthersConversation()
                || !spam.isNew(since, Instant.ofEpochMilli(activity.at()))) {
            return null;
        }
        DistinctWindow conversations = held == null ? new DistinctWindow() : held;
        spam.onMessage(conversations, activity.chatMessage(), since, true).ifPresent(verdicts);
        return conversations;
    }

    @Override
    Long expiresAt(RuleBook rules, DistinctWindow conversations) {
        return rules.strangerSpam() == null ? null : rules.strangerSpam().expiresAt(conversations);
    }
}
