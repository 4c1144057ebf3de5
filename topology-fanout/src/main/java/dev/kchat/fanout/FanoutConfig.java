package dev.kchat.fanout;

import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the fan-out app (the inbox sequencer and the server stage). Every key can be set as
 * {@code -Dkey=value}, as the environment variable {@code KCHAT_KEY} (dots as underscores) or in the
 * properties file named by {@code KCHAT_CONFIG}; {@link #help()} lists them with their defaults.
 *
 * <p>The conversation fan-out's settings ({@code fanout.broadcast.threshold},
 * {@code fanout.receipts.*}) keep their names but are routing's since issue 12's step 5 (see
 * topology-routing's {@code RoutingFanoutConfig}); this app no longer reads them.
 *
 * @param app what every Kafka Streams app has, under {@code fanout.*}: application id (keep
 *            {@code kchat-fanout}: its inbox-seq store is the one piece of state that must never
 *            reset), guarantee (gap-free inboxes need exactly-once), threads, admin server, start
 *            timeout (how long {@link FanoutApp#start} waits for RUNNING), {@code fanout.streams.*}
 */
public record FanoutConfig(StreamsAppSettings app) {

    /** Keys of the settings every Streams app has, under {@code fanout.}: see {@link StreamsAppSettings}. */
    public static final StreamsAppSettings.Keys KEYS = StreamsAppSettings.Keys.of("fanout");

    public static final String DEFAULT_APPLICATION_ID = "kchat-fanout";
    public static final int DEFAULT_ADMIN_PORT = 9402;

    /** Documented settings: key, default, meaning. Printed by {@code --help}. */
    static final List<String[]> DOCUMENTED = StreamsAppSettings.documented(KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT, List.of());

    public FanoutConfig {
        Objects.requireNonNull(app, "app");
    }

    /** Reads the settings, applying the documented defaults. */
    public static FanoutConfig from(Settings settings) {
        return new FanoutConfig(StreamsAppSettings.from(settings, KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT));
    }

    /** The {@code --help} text: every setting with its environment variable and default. */
    public static String help() {
        return StreamsAppSettings.help("""
                kchat topology-fanout: chat.inbox.unsequenced + moments.notifications -> chat.inbox (numbered per user);
                for servers, chat.conversation.log + chat.receipts -> chat.server.broadcast + chat.inbox.unsequenced.

                Usage: java dev.kchat.fanout.FanoutApp [--help]

                """, DOCUMENTED, 34, 40);
    }
}
