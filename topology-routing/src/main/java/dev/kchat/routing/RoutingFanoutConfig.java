package dev.kchat.routing;

import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.List;

/**
 * Settings of routing's fan-out stage ({@link ConversationFanout}, its push candidates and the receipts, {@link FanoutStage}).
 * The keys keep the names they had when topology-fanout read them ({@code fanout.*}, until issue 12's
 * step 5 moved the stage to routing), so existing configurations, ingress (which reads
 * {@code fanout.receipts.per.recipient.max} by the same key) and a bench's {@code --set} keep their
 * meaning.
 *
 * @param broadcastThreshold      conversations with more members than this (and every channel) are
 *                                read-diffused through {@code chat.broadcast}
 * @param receiptsPerRecipientMax groups with at most this many members (and every direct chat) tell an
 *                                author who got and read their messages, one status per reader; larger ones send counts
 * @param receiptsStatusInterval  at most one count status per (conversation, author) per this wall-clock interval
 * @param receiptsWindow          the last this many seqs of each conversation keep their message's author for statuses
 * @param pushCandidatesMaxMembers read-diffused groups of at most this many members send each member but the
 *                                sender a {@code PushCandidate} per message (and per removal of one), so
 *                                the push decider can notify them; larger ones send none (mentions only)
 */
public record RoutingFanoutConfig(
        int broadcastThreshold,
        int receiptsPerRecipientMax,
        Duration receiptsStatusInterval,
        int receiptsWindow,
        int pushCandidatesMaxMembers) {

    public static final String BROADCAST_THRESHOLD = "fanout.broadcast.threshold";
    public static final String RECEIPTS_PER_RECIPIENT_MAX = "fanout.receipts.per.recipient.max";
    public static final String RECEIPTS_STATUS_INTERVAL = "fanout.receipts.status.interval";
    public static final String RECEIPTS_WINDOW = "fanout.receipts.window";
    public static final String PUSH_CANDIDATES_MAX_MEMBERS = "fanout.push.candidates.max.members";

    /**
     * Groups of more than 50 are read-diffused (500 until issue 12's twelfth session). Measured on the
     * group-chat benchmark, groups of 100 at 50 msg/s: write diffusion p99 above a second at 0.51-0.55
     * core-ms per delivery, read diffusion with push candidates p99 157 ms at 0.34 (docs/benchmarks.md).
     * What a member of a read-diffused group gets instead of inbox entries: broadcasts, catch-up by the
     * conversation's seq from history, pushes and badges through push candidates, mentions and their
     * own membership changes in the inbox; authors get delivered counts from reads only.
     */
    public static final int DEFAULT_BROADCAST_THRESHOLD = 50;
    /**
     * Per-recipient statuses in 1:1 conversations only (direct chats, and groups of two), as production
     * messengers do: groups get counts, and who read a message is asked for on demand
     * ({@code GET /v1/conversations/{id}/messages/{seq}/receipts}).
     */
    public static final int DEFAULT_RECEIPTS_PER_RECIPIENT_MAX = 2;
    public static final Duration DEFAULT_RECEIPTS_STATUS_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_RECEIPTS_WINDOW = 1_000;
    /**
     * The broadcast threshold's old default: groups that had inboxes (and so pushes) before the
     * threshold was lowered to 50 keep their pushes; above it, as in Discord's large servers, members
     * are notified of mentions only.
     */
    public static final int DEFAULT_PUSH_CANDIDATES_MAX_MEMBERS = 500;

    /** Documented settings: key, default, meaning; part of routing's {@code --help}. */
    static final List<String[]> DOCUMENTED = List.of(
            new String[] {BROADCAST_THRESHOLD, String.valueOf(DEFAULT_BROADCAST_THRESHOLD),
                    "above this many members (and for channels) events go to chat.broadcast instead of inboxes"},
            new String[] {RECEIPTS_PER_RECIPIENT_MAX, String.valueOf(DEFAULT_RECEIPTS_PER_RECIPIENT_MAX),
                    "up to this many members (always in direct chats) authors get a status per reader; above it, counts (2: 1:1 only)"},
            new String[] {RECEIPTS_STATUS_INTERVAL, "5s",
                    "at most one count status per conversation and author per interval (wall clock)"},
            new String[] {RECEIPTS_WINDOW, String.valueOf(DEFAULT_RECEIPTS_WINDOW),
                    "last seqs per conversation whose message authors are kept for statuses (older: not updated)"},
            new String[] {PUSH_CANDIDATES_MAX_MEMBERS, String.valueOf(DEFAULT_PUSH_CANDIDATES_MAX_MEMBERS),
                    "read-diffused groups up to this many members send push.candidates (push for every message); above it, mentions only"});

    /** @throws Settings.ConfigException naming the first key out of range */
    public RoutingFanoutConfig {
        if (broadcastThreshold < 2) {
            throw new Settings.ConfigException(BROADCAST_THRESHOLD, "must be >= 2 so direct chats use inboxes, was " + broadcastThreshold);
        }
        if (receiptsPerRecipientMax < 1) {
            throw new Settings.ConfigException(RECEIPTS_PER_RECIPIENT_MAX, "must be >= 1, was " + receiptsPerRecipientMax);
        }
        if (receiptsStatusInterval == null || receiptsStatusInterval.toMillis() < 1) {
            throw new Settings.ConfigException(RECEIPTS_STATUS_INTERVAL, "must be at least 1ms, was " + receiptsStatusInterval);
        }
        if (receiptsWindow < 1) {
            throw new Settings.ConfigException(RECEIPTS_WINDOW, "must be >= 1, was " + receiptsWindow);
        }
        if (pushCandidatesMaxMembers < 0) {
            throw new Settings.ConfigException(PUSH_CANDIDATES_MAX_MEMBERS, "must be >= 0 (0: none), was " + pushCandidatesMaxMembers);
        }
    }

    /** Reads the settings, applying the documented defaults. */
    public static RoutingFanoutConfig from(Settings settings) {
        return new RoutingFanoutConfig(
                settings.integer(BROADCAST_THRESHOLD, DEFAULT_BROADCAST_THRESHOLD),
                settings.integer(RECEIPTS_PER_RECIPIENT_MAX, DEFAULT_RECEIPTS_PER_RECIPIENT_MAX),
                settings.duration(RECEIPTS_STATUS_INTERVAL, DEFAULT_RECEIPTS_STATUS_INTERVAL),
                settings.integer(RECEIPTS_WINDOW, DEFAULT_RECEIPTS_WINDOW),
                settings.integer(PUSH_CANDIDATES_MAX_MEMBERS, DEFAULT_PUSH_CANDIDATES_MAX_MEMBERS));
    }
}
