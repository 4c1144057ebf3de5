package dev.kchat.moderation;

import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Stranger spam: a new account (younger than A when it sends) sending into more than S distinct
 * conversations it did not create, within W.
 *
 * <p>What it catches is the account that joins many groups (invite links, public channels) or
 * answers many chats opened by others, right after signing up. Conversations the account created
 * itself do not count: their members were chosen by it, and mass creation is bounded by ingress's
 * rate limits and seen by {@link RateBurst} and {@link Flood}. Once an account is older than A its
 * messages are not counted and its state is dropped.
 *
 * <p>A verdict is given at the message that makes the count exceed S, then at most once per W per
 * sender. Late events count at the sender's latest time seen (see {@link RateBurst}). State: at
 * most S + 1 conversations per new sender. Not thread-safe.
 *
 * <p>The platform has no account registry: the Flink job ({@code StrangerSpamFunction}) takes the
 * time it first saw the user act on {@code chat.conversation.log} as the account's creation, and
 * learns conversation creators from {@code ConversationCreated}; it keeps the window in keyed state
 * and calls {@link #onMessage(DistinctWindow, ChatMessage, Instant, boolean)}.
 */
public final class StrangerSpam {

    private final Duration newAccountAge;
    private final int maxConversations;
    private final Duration window;
    private final Severity severity;
    private final Map<String, SenderState> senders = new HashMap<>();

    private static final class SenderState {
        final DistinctWindow conversations = new DistinctWindow();
        Instant latest;
    }

    /**
     * @param newAccountAge    A: accounts younger than this are new; positive
     * @param maxConversations S: more distinct conversations than this is spam; {@code >= 1}
     * @param window           W: a positive duration
     * @param severity         the verdicts' severity
     */
    public StrangerSpam(Duration newAccountAge, int maxConversations, Duration window, Severity severity) {
        if (newAccountAge.isNegative() || newAccountAge.isZero()) {
            throw new IllegalArgumentException("newAccountAge must be positive, was " + newAccountAge);
        }
        if (maxConversations < 1) {
            throw new IllegalArgumentException("maxConversations must be >= 1, was " + maxConversations);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, was " + window);
        }
        this.newAccountAge = newAccountAge;
        this.maxConversations = maxConversations;
        this.window = window;
        this.severity = Objects.requireNonNull(severity, "severity");
    }

    /** The detector with the configured A, S, W and severity. */
    public static StrangerSpam from(ModerationConfig config) {
        return new StrangerSpam(config.strangerAccountAge(), config.strangerMaxConversations(),
                config.strangerWindow(), config.strangerSeverity());
    }

    /**
     * Counts one chat message.
     *
     * @param message               the message
     * @param senderCreatedAt       when the sender's account was created
     * @param conversationCreatorId who created the conversation
     * @return a {@link Verdicts#STRANGER_SPAM} verdict if this message takes a new account past S
     *         conversations it did not create within W, and it had none within the last window
     */
    public Optional<Verdict> onMessage(ChatMessage message, Instant senderCreatedAt, String conversationCreatorId) {
        String sender = message.senderId();
        if (!isNew(senderCreatedAt, message.at())) {
            // Age only grows: nothing this sender does from now on is counted.
            senders.remove(sender);
            return Optional.empty();
        }
        if (sender.equals(conversationCreatorId)) {
            return Optional.empty();
        }
        SenderState state = senders.computeIfAbsent(sender, k -> new SenderState());
        Instant t = state.latest == null || message.at().isAfter(state.latest) ? message.at() : state.latest;
        state.latest = t;
        return count(state.conversations, message, senderCreatedAt, t);
    }

    /**
     * Counts one chat message against its sender's window, which it updates in place: the Flink
     * job's form of {@link #onMessage(ChatMessage, Instant, String)}, with the window in keyed state
     * keyed by sender, and whether the conversation is someone else's decided upstream (keyed by
     * conversation). Late events count at the latest time this window has seen.
     *
     * @param conversations         the sender's window
     * @param senderCreatedAt       when the sender's account counts from (the job: when it first
     *                              saw the sender act)
     * @param intoOthersConversation whether the sender did not create the conversation
     * @return a verdict as {@link #onMessage(ChatMessage, Instant, String)} gives it; none, and the
     *         window untouched, for a sender that is not new or a conversation of its own
     */
    public Optional<Verdict> onMessage(DistinctWindow conversations, ChatMessage message, Instant senderCreatedAt,
            boolean intoOthersConversation) {
        if (!intoOthersConversation || !isNew(senderCreatedAt, message.at())) {
            return Optional.empty();
        }
        long latest = conversations.latest();
        Instant t = latest == Long.MIN_VALUE || message.at().toEpochMilli() > latest ? message.at() : Instant.ofEpochMilli(latest);
        return count(conversations, message, senderCreatedAt, t);
    }

    /** Whether an account created at {@code createdAt} is new (younger than A) at {@code at}. */
    public boolean isNew(Instant createdAt, Instant at) {
        return Duration.between(createdAt, at).compareTo(newAccountAge) < 0;
    }

    /**
     * When a sender's window can be forgotten: every conversation in it has left the window, and so
     * has its last verdict.
     *
     * @return epoch ms from which {@code conversations} is useless
     */
    public long expiresAt(DistinctWindow conversations) {
        return conversations.latest() + window.toMillis();
    }

    private Optional<Verdict> count(DistinctWindow conversations, ChatMessage message, Instant senderCreatedAt, Instant t) {
        long at = t.toEpochMilli();
        int distinct = conversations.add(message.conversationId(), at, window.toMillis(), maxConversations);
        if (!conversations.shouldReport(distinct, at, window.toMillis(), maxConversations)) {
            return Optional.empty();
        }
        Duration age = Duration.between(senderCreatedAt, message.at());
        String evidence = "account " + age.toMinutes() + " min old (new below " + newAccountAge.toMinutes() + " min) sent into "
                + distinct + " conversations it did not create within "
                + (at - conversations.oldest()) + " ms (limit " + maxConversations
                + " per " + window.toMillis() + " ms)";
        return Optional.of(Verdicts.verdict(Verdicts.STRANGER_SPAM, severity, message.senderId(), message.ref(), t, evidence));
    }

    /**
     * Forgets senders with no conversation left in the window at {@code now}.
     *
     * @return how many senders were forgotten
     */
    public int expire(Instant now) {
        int before = senders.size();
        senders.values().removeIf(s -> s.conversations.expire(now.toEpochMilli(), window.toMillis()) && Duration.between(s.latest, now).compareTo(window) >= 0);
        return before - senders.size();
    }

    /** Senders with state, for tests and metrics. */
    public int trackedSenders() {
        return senders.size();
    }
}
