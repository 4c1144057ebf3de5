package dev.kchat.fanout;

import dev.kchat.routing.RoutingFanoutConfig;
import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the fan-out topology. Every key can be set as {@code -Dkey=value}, as the environment
 * variable {@code KCHAT_KEY} (dots as underscores) or in the properties file named by
 * {@code KCHAT_CONFIG}; {@link #help()} lists them with their defaults.
 *
 * @param app                 what every Kafka Streams app has, under {@code fanout.*}: application
 *                            id, guarantee (gap-free inboxes need exactly-once), threads, admin
 *                            server, start timeout (how long {@link FanoutApp#start} waits for
 *                            RUNNING), {@code fanout.streams.*}
 * @param broadcastThreshold  conversations with more members than this (and every channel) are
 *                            read-diffused through {@code chat.broadcast}
 * @param receiptsPerRecipientMax  groups with at most this many members (and every direct chat) tell
 *                            an author who got and read their messages, one status per reader;
 *                            larger ones send counts. Default 2: 1:1 conversations only (direct
 *                            chats and groups of two); an operator may raise it
 * @param receiptsStatusInterval  at most one count status per (conversation, author) per this
 *                            wall-clock interval
 * @param receiptsWindow      the last this many seqs of each conversation keep their message's
 *                            author for statuses; older messages' statuses are no longer updated
 */
public record FanoutConfig(
        StreamsAppSettings app,
        int broadcastThreshold,
        int receiptsPerRecipientMax,
        Duration receiptsStatusInterval,
        int receiptsWindow) {

    /** Keys of the settings every Streams app has, under {@code fanout.}: see {@link StreamsAppSettings}. */
    public static final StreamsAppSettings.Keys KEYS = StreamsAppSettings.Keys.of("fanout");
    public static final String BROADCAST_THRESHOLD = "fanout.broadcast.threshold";
    public static final String RECEIPTS_PER_RECIPIENT_MAX = "fanout.receipts.per.recipient.max";
    public static final String RECEIPTS_STATUS_INTERVAL = "fanout.receipts.status.interval";
    public static final String RECEIPTS_WINDOW = "fanout.receipts.window";

    public static final String DEFAULT_APPLICATION_ID = "kchat-fanout";
    public static final int DEFAULT_ADMIN_PORT = 9402;
    public static final int DEFAULT_BROADCAST_THRESHOLD = 500;
    /**
     * Per-recipient statuses in 1:1 conversations only (direct chats, and groups of two), as production
     * messengers do: groups get counts, and who read a message is asked for on demand
     * ({@code GET /v1/conversations/{id}/messages/{seq}/receipts}).
     */
    public static final int DEFAULT_RECEIPTS_PER_RECIPIENT_MAX = 2;
    public static final Duration DEFAULT_RECEIPTS_STATUS_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_RECEIPTS_WINDOW = 1_000;

    /** Documented settings: key, default, meaning. Printed by {@code --help}. */
    static final List<String[]> DOCUMENTED = StreamsAppSettings.documented(KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT, List.of(
            new String[] {BROADCAST_THRESHOLD, String.valueOf(DEFAULT_BROADCAST_THRESHOLD),
                    "above this many members (and for channels) events go to chat.broadcast instead of inboxes"},
            new String[] {RECEIPTS_PER_RECIPIENT_MAX, String.valueOf(DEFAULT_RECEIPTS_PER_RECIPIENT_MAX),
                    "up to this many members (always in direct chats) authors get a status per reader; above it, counts (2: 1:1 only)"},
            new String[] {RECEIPTS_STATUS_INTERVAL, "5s",
                    "at most one count status per conversation and author per interval (wall clock)"},
            new String[] {RECEIPTS_WINDOW, String.valueOf(DEFAULT_RECEIPTS_WINDOW),
                    "last seqs per conversation whose message authors are kept for statuses (older: not updated)"}));

    public FanoutConfig {
        Objects.requireNonNull(app, "app");
        // The same keys and bounds as routing's fan-out stage (issue 12, until step 5 moves them there).
        RoutingFanoutConfig.check(broadcastThreshold, receiptsPerRecipientMax, receiptsStatusInterval, receiptsWindow);
    }

    /** Reads the settings, applying the documented defaults. */
    public static FanoutConfig from(Settings settings) {
        return new FanoutConfig(
                StreamsAppSettings.from(settings, KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT),
                settings.integer(BROADCAST_THRESHOLD, DEFAULT_BROADCAST_THRESHOLD),
                settings.integer(RECEIPTS_PER_RECIPIENT_MAX, DEFAULT_RECEIPTS_PER_RECIPIENT_MAX),
                settings.duration(RECEIPTS_STATUS_INTERVAL, DEFAULT_RECEIPTS_STATUS_INTERVAL),
                settings.integer(RECEIPTS_WINDOW, DEFAULT_RECEIPTS_WINDOW));
    }

    /** The {@code --help} text: every setting with its environment variable and default. */
    public static String help() {
        return StreamsAppSettings.help("""
                kchat topology-fanout: chat.conversation.log -> chat.inbox (per user) or chat.broadcast (large groups, channels);
                chat.receipts -> read positions and message statuses in chat.inbox.

                Usage: java dev.kchat.fanout.FanoutApp [--help]

                """, DOCUMENTED, 34, 40);
    }
}
