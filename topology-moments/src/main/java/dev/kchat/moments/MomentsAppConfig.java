package dev.kchat.moments;

import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the Moments app: the Kafka Streams settings every app has, under {@code moments.*}
 * (application id, guarantee, threads, admin server, start timeout, {@code moments.streams.*}), and
 * the rules' own {@link MomentsConfig}. {@link #help()} lists them with their defaults.
 *
 * @param app   the shared Streams settings; exactly-once ({@code exactly_once_v2}) by default
 * @param rules the Moments rules (push threshold, page sizes)
 */
public record MomentsAppConfig(StreamsAppSettings app, MomentsConfig rules) {

    /** Keys of the settings every Streams app has, under {@code moments.}: see {@link StreamsAppSettings}. */
    public static final StreamsAppSettings.Keys KEYS = StreamsAppSettings.Keys.of("moments");
    public static final String DEFAULT_APPLICATION_ID = "kchat-moments";
    public static final int DEFAULT_ADMIN_PORT = 9404;

    static final List<String[]> DOCUMENTED = StreamsAppSettings.documented(KEYS, DEFAULT_APPLICATION_ID,
            DEFAULT_ADMIN_PORT, MomentsConfig.DOCUMENTED);

    public MomentsAppConfig {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(rules, "rules");
    }

    /** Reads the settings, applying the documented defaults; a malformed value names its key. */
    public static MomentsAppConfig from(Settings settings) {
        return new MomentsAppConfig(
                StreamsAppSettings.from(settings, KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT),
                MomentsConfig.from(settings));
    }

    /** The {@code --help} text: every setting with its environment variable and default. */
    public static String help() {
        return StreamsAppSettings.help("""
                kchat topology-moments: social.graph + moments.events -> moments.feed + moments.notifications (+ social.graph: both sides of each checked friend-graph intent).

                Usage: java dev.kchat.moments.MomentsApp [--help]

                """, DOCUMENTED, 30, 38);
    }
}
