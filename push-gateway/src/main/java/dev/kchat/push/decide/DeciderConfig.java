package dev.kchat.push.decide;

import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the push decider (a Kafka Streams app). Every key can be set as {@code -Dkey=value},
 * as the environment variable {@code KCHAT_KEY} (dots as underscores) or in the properties file
 * named by {@code KCHAT_CONFIG}.
 *
 * @param app               what every Kafka Streams app has, under {@code push.*}
 * @param collapseWindow    a burst of one conversation's entries is collected this long from its
 *                          first entry, then pushed once per device
 * @param sessionTtl        a session of the user not heard from (open, heartbeat, status) for
 *                          longer counts as gone: the presence app's TTL, applied here too
 * @param punctuateInterval wall-clock period of the punctuator that flushes due bursts
 * @param deviceBurst       pushes a device may get at once (token bucket capacity)
 * @param devicePerMinute   pushes a device gets per minute beyond the burst (refill rate)
 */
public record DeciderConfig(
        StreamsAppSettings app,
        Duration collapseWindow,
        Duration sessionTtl,
        Duration punctuateInterval,
        int deviceBurst,
        int devicePerMinute) {

    public static final StreamsAppSettings.Keys KEYS = StreamsAppSettings.Keys.of("push");
    public static final String COLLAPSE_WINDOW = "push.collapse.window";
    public static final String SESSION_TTL = "push.session.ttl";
    public static final String PUNCTUATE_INTERVAL = "push.punctuate.interval";
    public static final String DEVICE_BURST = "push.device.burst";
    public static final String DEVICE_PER_MINUTE = "push.device.per.minute";

    public static final String DEFAULT_APPLICATION_ID = "kchat-push";
    public static final int DEFAULT_ADMIN_PORT = 9405;
    public static final Duration DEFAULT_COLLAPSE_WINDOW = Duration.ofSeconds(2);
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofSeconds(90);
    public static final Duration DEFAULT_PUNCTUATE_INTERVAL = Duration.ofMillis(200);
    public static final int DEFAULT_DEVICE_BURST = 5;
    public static final int DEFAULT_DEVICE_PER_MINUTE = 20;

    static final List<String[]> OWN = List.of(
            new String[] {COLLAPSE_WINDOW, "2s", "a conversation's entries within this window of its first become one push"},
            new String[] {SESSION_TTL, "90s", "a session silent for longer counts as disconnected (presence's TTL)"},
            new String[] {PUNCTUATE_INTERVAL, "200ms", "how often due bursts are flushed (wall clock)"},
            new String[] {DEVICE_BURST, "5", "pushes a device may get at once (rate limit bucket)"},
            new String[] {DEVICE_PER_MINUTE, "20", "pushes per minute a device gets beyond the burst"});

    public DeciderConfig {
        Objects.requireNonNull(app, "app");
        StreamsAppSettings.requirePositive(COLLAPSE_WINDOW, collapseWindow);
        StreamsAppSettings.requirePositive(SESSION_TTL, sessionTtl);
        StreamsAppSettings.requirePositive(PUNCTUATE_INTERVAL, punctuateInterval);
        if (deviceBurst < 1) {
            throw new Settings.ConfigException(DEVICE_BURST, "must be >= 1, was " + deviceBurst);
        }
        if (devicePerMinute < 1) {
            throw new Settings.ConfigException(DEVICE_PER_MINUTE, "must be >= 1, was " + devicePerMinute);
        }
    }

    /** Reads the settings, applying the documented defaults. */
    public static DeciderConfig from(Settings settings) {
        return new DeciderConfig(
                StreamsAppSettings.from(settings, KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT),
                settings.duration(COLLAPSE_WINDOW, DEFAULT_COLLAPSE_WINDOW),
                settings.duration(SESSION_TTL, DEFAULT_SESSION_TTL),
                settings.duration(PUNCTUATE_INTERVAL, DEFAULT_PUNCTUATE_INTERVAL),
                settings.integer(DEVICE_BURST, DEFAULT_DEVICE_BURST),
                settings.integer(DEVICE_PER_MINUTE, DEFAULT_DEVICE_PER_MINUTE));
    }

    /** The decider's documented settings (key, default, meaning), the shared Streams ones included. */
    public static List<String[]> documented() {
        return StreamsAppSettings.documented(KEYS, DEFAULT_APPLICATION_ID, DEFAULT_ADMIN_PORT, OWN);
    }
}
