package dev.kchat.routing;

import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.List;

/**
 * Settings of routing's optional fan-out stage ({@link ConversationFanout} and the receipts,
 * issue 12's plan step 4): off by default, and then the topology is exactly the one without it.
 * The fan-out keys are read under the names topology-fanout reads them by ({@code fanout.*}), so
 * ingress (which reads {@code fanout.receipts.per.recipient.max} by the same key) and a bench's
 * {@code --set} mean one thing for both apps.
 *
 * <p>Until the plan's step 5 (fanout stops fanning out) the stage is for tests: with it on, and
 * fanout as it is, every conversation entry reaches an inbox twice (fanout's own and routing's,
 * numbered by fanout's sequencer from {@code chat.inbox.unsequenced}).
 *
 * @param enabled                 {@code routing.fanout.enabled}: whether routing fans out and keeps the receipts
 * @param broadcastThreshold      conversations with more members than this (and every channel) are
 *                                read-diffused through {@code chat.broadcast}
 * @param receiptsPerRecipientMax groups with at most this many members (and every direct chat) tell an
 *                                author who got and read their messages, one status per reader; larger ones send counts
 * @param receiptsStatusInterval  at most one count status per (conversation, author) per this wall-clock interval
 * @param receiptsWindow          the last this many seqs of each conversation keep their message's author for statuses
 */
public record RoutingFanoutConfig(
        boolean enabled,
        int broadcastThreshold,
        int receiptsPerRecipientMax,
        Duration receiptsStatusInterval,
        int receiptsWindow) {

    public static final String ENABLED = "routing.fanout.enabled";
    public static final String BROADCAST_THRESHOLD = "fanout.broadcast.threshold";
    public static final String RECEIPTS_PER_RECIPIENT_MAX = "fanout.receipts.per.recipient.max";
    public static final String RECEIPTS_STATUS_INTERVAL = "fanout.receipts.status.interval";
    public static final String RECEIPTS_WINDOW = "fanout.receipts.window";

    public static final int DEFAULT_BROADCAST_THRESHOLD = 500;
    /** Per-recipient statuses in 1:1 conversations only (direct chats, and groups of two); groups get counts. */
    public static final int DEFAULT_RECEIPTS_PER_RECIPIENT_MAX = 2;
    public static final Duration DEFAULT_RECEIPTS_STATUS_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_RECEIPTS_WINDOW = 1_000;

    /** Documented settings: key, default, meaning; part of routing's {@code --help}. */
    static final List<String[]> DOCUMENTED = List.of(
            new String[] {ENABLED, "false",
                    "fan out conversations and keep the receipts in routing (issue 12 step 4; tests only until fanout stops doing it)"},
            new String[] {BROADCAST_THRESHOLD, String.valueOf(DEFAULT_BROADCAST_THRESHOLD),
                    "with the fan-out: above this many members (and for channels) events go to chat.broadcast"},
            new String[] {RECEIPTS_PER_RECIPIENT_MAX, String.valueOf(DEFAULT_RECEIPTS_PER_RECIPIENT_MAX),
                    "with the fan-out: up to this many members a status per reader, above it counts"},
            new String[] {RECEIPTS_STATUS_INTERVAL, "5s", "with the fan-out: at most one count status per conversation and author per interval"},
            new String[] {RECEIPTS_WINDOW, String.valueOf(DEFAULT_RECEIPTS_WINDOW),
                    "with the fan-out: last seqs per conversation whose message authors are kept for statuses"});

    public RoutingFanoutConfig {
        check(broadcastThreshold, receiptsPerRecipientMax, receiptsStatusInterval, receiptsWindow);
    }

    /**
     * Checks the four {@code fanout.*} settings, for this record and for topology-fanout's
     * {@code FanoutConfig}, which reads the same keys until issue 12's step 5.
     *
     * @throws Settings.ConfigException naming the first key out of range
     */
    public static void check(int broadcastThreshold, int receiptsPerRecipientMax, Duration receiptsStatusInterval, int receiptsWindow) {
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
    }

    /** Reads the settings, applying the documented defaults. */
    public static RoutingFanoutConfig from(Settings settings) {
        return new RoutingFanoutConfig(
                settings.bool(ENABLED, false),
                settings.integer(BROADCAST_THRESHOLD, DEFAULT_BROADCAST_THRESHOLD),
                settings.integer(RECEIPTS_PER_RECIPIENT_MAX, DEFAULT_RECEIPTS_PER_RECIPIENT_MAX),
                settings.duration(RECEIPTS_STATUS_INTERVAL, DEFAULT_RECEIPTS_STATUS_INTERVAL),
                settings.integer(RECEIPTS_WINDOW, DEFAULT_RECEIPTS_WINDOW));
    }
}
