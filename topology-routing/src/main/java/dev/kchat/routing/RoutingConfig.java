package dev.kchat.routing;

import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the routing topology. Every key can be set as {@code -Dkey=value}, as the environment
 * variable {@code KCHAT_KEY} (dots as underscores) or in the properties file named by
 * {@code KCHAT_CONFIG}; {@link #help()} lists them with their defaults.
 *
 * @param app                 what every Kafka Streams app has, under {@code routing.*}: application
 *                            id, guarantee, threads, admin server, start timeout (how long
 *                            {@link RoutingApp#start} waits for RUNNING), {@code routing.streams.*}
 * @param dedupeWindow        how long a sent client_msg_id is remembered
 * @param editWindow          how long after posting the author may edit a message
 * @param recallWindow        how long after posting the author may recall a message
 * @param messageRetention    how long a message's author and time are kept for edit, recall,
 *                            delete and reactions; older targets are {@code target_not_found}
 * @param cleanupInterval     wall-clock period of the punctuator that prunes the bounded stores (each run
 *                            walks a share of them: {@link ExpirySweep})
 * @param fanout              the fan-out stage's {@code fanout.*} settings: see {@link RoutingFanoutConfig}
 */
public record RoutingConfig(
        StreamsAppSettings app,
        Duration dedupeWindow,
        Duration editWindow,
        Duration recallWindow,
        Duration messageRetention,
        Duration cleanupInterval,
        RoutingFanoutConfig fanout) {

    /** Keys of the settings every Streams app has, under {@code routing.}: see {@link StreamsAppSettings}. */
    public static final StreamsAppSettings.Keys KEYS = StreamsAppSettings.Keys.of("routing");
    public static final String DEDUPE_WINDOW = "routing.dedupe.window";
    public static final String EDIT_WINDOW = "routing.edit.window";
    public static final String RECALL_WINDOW = "routing.recall.window";
    public static final String MESSAGE_RETENTION = "routing.message.retention";
    public static final String CLEANUP_INTERVAL = "routing.cleanup.interval";

    public static final String DEFAULT_APPLICATION_ID = "kchat-routing";
    public static final int DEFAULT_ADMIN_PORT = 9401;
    public static final Duration DEFAULT_DEDUPE_WINDOW = Duration.ofHours(24);
    public static final Duration DEFAULT_EDIT_WINDOW = Duration.ofMinutes(15);
    public static final Duration DEFAULT_RECALL_WINDOW = Duration.ofMinutes(2);
    public static final Duration DEFAULT_MESSAGE_RETENTION = Duration.ofDays(30);
    public static final Duration DEFAULT_CLEANUP_INTERVAL = Duration.ofSeconds(1);

    /** Documented settings: key, default, meaning. Printed by {@code --help}. */
    static final List<String[]> DOCUMENTED = StreamsAppSettings.documented(KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT, rows());

    private static List<String[]> rows() {
        List<String[]> rows = new ArrayList<>(List.of(
                new String[] {DEDUPE_WINDOW, "24h", "how long a client_msg_id is remembered for de-duplication"},
                new String[] {EDIT_WINDOW, "15m", "edit window after posting"},
                new String[] {RECALL_WINDOW, "2m", "recall window after posting"},
                new String[] {MESSAGE_RETENTION, "30d", "how long message authors are kept for edit/recall/delete/reactions"},
                new String[] {CLEANUP_INTERVAL, "1s", "wall-clock period of the store cleanup; each run walks a share of the dedupe and message stores"}));
        rows.addAll(RoutingFanoutConfig.DOCUMENTED);
        return rows;
    }

    public RoutingConfig {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(fanout, "fanout");
        StreamsAppSettings.requirePositive(DEDUPE_WINDOW, dedupeWindow);
        StreamsAppSettings.requirePositive(EDIT_WINDOW, editWindow);
        StreamsAppSettings.requirePositive(RECALL_WINDOW, recallWindow);
        StreamsAppSettings.requirePositive(CLEANUP_INTERVAL, cleanupInterval);
        // A target pruned before its window ends would turn a valid edit into target_not_found.
        if (messageRetention.compareTo(editWindow) < 0 || messageRetention.compareTo(recallWindow) < 0) {
            throw new Settings.ConfigException(MESSAGE_RETENTION, "must be at least the edit and recall windows, was " + messageRetention);
        }
    }

    /** Reads the settings, applying the documented defaults. */
    public static RoutingConfig from(Settings settings) {
        return new RoutingConfig(
                StreamsAppSettings.from(settings, KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT),
                settings.duration(DEDUPE_WINDOW, DEFAULT_DEDUPE_WINDOW),
                settings.duration(EDIT_WINDOW, DEFAULT_EDIT_WINDOW),
                settings.duration(RECALL_WINDOW, DEFAULT_RECALL_WINDOW),
                settings.duration(MESSAGE_RETENTION, DEFAULT_MESSAGE_RETENTION),
                settings.duration(CLEANUP_INTERVAL, DEFAULT_CLEANUP_INTERVAL),
                RoutingFanoutConfig.from(settings));
    }

    /** The {@code --help} text: every setting with its environment variable and default. */
    public static String help() {
        return StreamsAppSettings.help("""
                kchat topology-routing: chat.commands -> chat.conversation.log + chat.command.results,
                chat.inbox.unsequenced (per recipient) or chat.broadcast (large groups, channels);
                chat.receipts -> read positions and message statuses in chat.inbox.unsequenced.

                Usage: java dev.kchat.routing.RoutingApp [--help]

                """, DOCUMENTED, 34, 40);
    }
}
