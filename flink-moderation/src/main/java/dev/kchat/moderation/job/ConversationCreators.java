package dev.kchat.moderation.job;

import dev.kchat.moderation.ModerationConfig;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Who created each conversation (keyed by conversation id), the first step of stranger spam: a
 * {@code ConversationCreated} records its actor as the creator, and every {@code MessagePosted} goes
 * on marked {@link Activity#intoOthersConversation} unless its sender is the creator. A direct
 * chat ({@code dm:a:b}) is created by whoever opened it, so the other party's messages in it are
 * into someone else's conversation. All activity passes through, in the log's order per
 * conversation, for {@link StrangerSpamFunction} to date accounts by.
 *
 * <p>State: the creator's id per conversation, with a state TTL of
 * {@code moderation.stranger.state.ttl} refreshed by every message read against it, so an idle
 * conversation is forgotten. A message into a conversation whose creator is unknown (forgotten,
 * or created before the job's history) counts as into someone else's: every conversation a new
 * account created was created within the account age, which the TTL exceeds, so it is still
 * known unless the job never saw its creation.
 */
public final class ConversationCreators extends KeyedProcessFunction<String, Activity, Activity> {

    private static final long serialVersionUID = 1L;

    /** Keyed state: the conversation's creator (a user id), with a TTL. */
    public static final String CREATOR = "conversation-creator";

    private final Duration ttl;
    private transient ValueState<String> creator;

    public ConversationCreators(ModerationConfig config) {
        this.ttl = config.strangerStateTtl();
    }

    @Override
    public void open(OpenContext openContext) {
        creator = getRuntimeContext().getState(Detectors.withTtl(new ValueStateDescriptor<>(CREATOR, Types.STRING), ttl));
    }

    @Override
    public void processElement(Activity activity, Context ctx, Collector<Activity> out) throws Exception {
        switch (activity.kind()) {
            case CREATED -> {
                creator.update(activity.actorId());
                out.collect(activity);
            }
            case POSTED -> {
                String created = creator.value();
                out.collect(activity.intoOthersConversation(created == null || !created.equals(activity.actorId())));
            }
            case OTHER -> out.collect(activity);
        }
    }
}
