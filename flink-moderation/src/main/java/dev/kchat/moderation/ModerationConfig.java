package dev.kchat.moderation;

import dev.kchat.events.moderation.Severity;
import dev.kchat.service.Settings;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of the moderation detectors. Every key can be set as {@code -Dkey=value}, as the
 * environment variable {@code KCHAT_KEY} (dots as underscores) or in the properties file named by
 * {@code KCHAT_CONFIG}; {@link #help()} lists them with their defaults. The sensitive-word
 * dictionary is not a setting: it arrives at run time on {@code moderation.rules}, which can also
 * override the rate-burst, flood and stranger-spam thresholds and the mute durations ({@code RuleBook}). The Flink
 * job's connection and checkpoint settings are {@code JobSettings}. Serializable: the job's
 * operators carry it to the task managers.
 *
 * @param burstMaxMessages        {@link RateBurst}: more than this many messages from one sender ...
 * @param burstWindow             ... within this window is a burst
 * @param burstSeverity           severity of a burst verdict
 * @param floodMaxConversations   {@link Flood}: the same content from one sender in more than this
 *                                many distinct conversations ...
 * @param floodWindow             ... within this window is a flood
 * @param floodMinLength          content shorter than this (code points, after normalising) is never
 *                                a flood: "ok" and "thanks" are sent everywhere
 * @param floodSeverity           severity of a flood verdict
 * @param strangerAccountAge      {@link StrangerSpam}: an account younger than this is new ...
 * @param strangerMaxConversations ... and sending into more than this many distinct conversations it
 *                                did not create ...
 * @param strangerWindow          ... within this window is stranger spam
 * @param strangerSeverity        severity of a stranger-spam verdict
 * @param strangerStateTtl        the Flink job's stranger-spam state: how long a user's first-seen
 *                                time outlives the user's last action, and a conversation's creator
 *                                its last message (state TTL, processing time); at least the account
 *                                age plus the window, so that every conversation a new account
 *                                created is still known when it posts
 * @param burstMute               action policy: a rate-burst verdict mutes its sender this long
 *                                (zero: verdict only)
 * @param floodMute               a flood verdict mutes its sender this long (zero: verdict only)
 * @param strangerMute            a stranger-spam verdict mutes its sender this long (zero: verdict only)
 * @param sensitiveMute           a sensitive-word verdict at or above {@code redactSeverity} redacts
 *                                the message and mutes its sender this long (zero: redact only)
 * @param redactSeverity          the least severity of a dictionary match that redacts and mutes;
 *                                matches below it are verdicts only
 */
public record ModerationConfig(
        int burstMaxMessages,
        Duration burstWindow,
        Severity burstSeverity,
        int floodMaxConversations,
        Duration floodWindow,
        int floodMinLength,
        Severity floodSeverity,
        Duration strangerAccountAge,
        int strangerMaxConversations,
        Duration strangerWindow,
        Severity strangerSeverity,
        Duration strangerStateTtl,
        Duration burstMute,
        Duration floodMute,
        Duration strangerMute,
        Duration sensitiveMute,
        Severity redactSeverity) implements Serializable {

    public static final String BURST_MAX_MESSAGES = "moderation.burst.max.messages";
    public static final String BURST_WINDOW = "moderation.burst.window";
    public static final String BURST_SEVERITY = "moderation.burst.severity";
    public static final String FLOOD_MAX_CONVERSATIONS = "moderation.flood.max.conversations";
    public static final String FLOOD_WINDOW = "moderation.flood.window";
    public static final String FLOOD_MIN_LENGTH = "moderation.flood.min.length";
    public static final String FLOOD_SEVERITY = "moderation.flood.severity";
    public static final String STRANGER_ACCOUNT_AGE = "moderation.stranger.account.age";
    public static final String STRANGER_MAX_CONVERSATIONS = "moderation.stranger.max.conversations";
    public static final String STRANGER_WINDOW = "moderation.stranger.window";
    public static final String STRANGER_SEVERITY = "moderation.stranger.severity";
    public static final String STRANGER_STATE_TTL = "moderation.stranger.state.ttl";
    public static final String BURST_MUTE = "moderation.burst.mute";
    public static final String FLOOD_MUTE = "moderation.flood.mute";
    public static final String STRANGER_MUTE = "moderation.stranger.mute";
    public static final String SENSITIVE_MUTE = "moderation.sensitive.mute";
    public static final String REDACT_SEVERITY = "moderation.sensitive.redact.severity";

    /** Faster than anyone types for long: 20 messages in 10 s is a script or a paste loop. */
    public static final int DEFAULT_BURST_MAX_MESSAGES = 20;
    public static final Duration DEFAULT_BURST_WINDOW = Duration.ofSeconds(10);
    public static final Severity DEFAULT_BURST_SEVERITY = Severity.MEDIUM;
    public static final int DEFAULT_FLOOD_MAX_CONVERSATIONS = 10;
    public static final Duration DEFAULT_FLOOD_WINDOW = Duration.ofMinutes(10);
    public static final int DEFAULT_FLOOD_MIN_LENGTH = 16;
    public static final Severity DEFAULT_FLOOD_SEVERITY = Severity.MEDIUM;
    public static final Duration DEFAULT_STRANGER_ACCOUNT_AGE = Duration.ofDays(7);
    public static final int DEFAULT_STRANGER_MAX_CONVERSATIONS = 10;
    public static final Duration DEFAULT_STRANGER_WINDOW = Duration.ofHours(1);
    public static final Severity DEFAULT_STRANGER_SEVERITY = Severity.HIGH;
    /**
     * One long per user active within it (and one creator per conversation written to within it):
     * cheap, and long enough that only an account away this long looks new again when it returns.
     */
    public static final Duration DEFAULT_STRANGER_STATE_TTL = Duration.ofDays(90);
    /** Long enough to break a script, short enough that a human who got carried away cools off. */
    public static final Duration DEFAULT_BURST_MUTE = Duration.ofMinutes(10);
    public static final Duration DEFAULT_FLOOD_MUTE = Duration.ofHours(1);
    /** Like a burst's: it stops the run; a moderator reviews the HIGH verdict. */
    public static final Duration DEFAULT_STRANGER_MUTE = Duration.ofMinutes(10);
    public static final Duration DEFAULT_SENSITIVE_MUTE = Duration.ofHours(1);
    public static final Severity DEFAULT_REDACT_SEVERITY = Severity.HIGH;

    /** Documented settings: key, default, meaning. */
    static final List<String[]> DOCUMENTED = List.of(
            new String[] {BURST_MAX_MESSAGES, String.valueOf(DEFAULT_BURST_MAX_MESSAGES), "rate burst: more than this many messages per sender ..."},
            new String[] {BURST_WINDOW, "10s", "... within this window"},
            new String[] {BURST_SEVERITY, DEFAULT_BURST_SEVERITY.name(), "severity of a rate-burst verdict (LOW, MEDIUM, HIGH, CRITICAL)"},
            new String[] {FLOOD_MAX_CONVERSATIONS, String.valueOf(DEFAULT_FLOOD_MAX_CONVERSATIONS), "flood: same content by one sender in more than this many conversations ..."},
            new String[] {FLOOD_WINDOW, "10m", "... within this window"},
            new String[] {FLOOD_MIN_LENGTH, String.valueOf(DEFAULT_FLOOD_MIN_LENGTH), "shorter normalised content (code points) is never a flood"},
            new String[] {FLOOD_SEVERITY, DEFAULT_FLOOD_SEVERITY.name(), "severity of a flood verdict"},
            new String[] {STRANGER_ACCOUNT_AGE, "7d", "stranger spam: an account younger than this ..."},
            new String[] {STRANGER_MAX_CONVERSATIONS, String.valueOf(DEFAULT_STRANGER_MAX_CONVERSATIONS), "... sending into more than this many conversations it did not create ..."},
            new String[] {STRANGER_WINDOW, "1h", "... within this window"},
            new String[] {STRANGER_SEVERITY, DEFAULT_STRANGER_SEVERITY.name(), "severity of a stranger-spam verdict"},
            new String[] {STRANGER_STATE_TTL, "90d", "stranger spam: a user's first-seen time is forgotten this long after their last action (>= age + window)"},
            new String[] {BURST_MUTE, "10m", "action: a rate burst mutes its sender this long (0s: verdict only)"},
            new String[] {FLOOD_MUTE, "1h", "action: a flood mutes its sender this long (0s: verdict only)"},
            new String[] {STRANGER_MUTE, "10m", "action: stranger spam mutes its sender this long (0s: verdict only)"},
            new String[] {SENSITIVE_MUTE, "1h", "action: a dictionary match at or above the redact severity mutes this long (0s: redact only)"},
            new String[] {REDACT_SEVERITY, DEFAULT_REDACT_SEVERITY.name(), "action: dictionary matches of this severity or above redact the message and mute"});

    public ModerationConfig {
        requireAtLeast(BURST_MAX_MESSAGES, burstMaxMessages, 1);
        requirePositive(BURST_WINDOW, burstWindow);
        requireSeverity(BURST_SEVERITY, burstSeverity);
        requireAtLeast(FLOOD_MAX_CONVERSATIONS, floodMaxConversations, 1);
        requirePositive(FLOOD_WINDOW, floodWindow);
        requireAtLeast(FLOOD_MIN_LENGTH, floodMinLength, 1);
        requireSeverity(FLOOD_SEVERITY, floodSeverity);
        requirePositive(STRANGER_ACCOUNT_AGE, strangerAccountAge);
        requireAtLeast(STRANGER_MAX_CONVERSATIONS, strangerMaxConversations, 1);
        requirePositive(STRANGER_WINDOW, strangerWindow);
        requireSeverity(STRANGER_SEVERITY, strangerSeverity);
        requirePositive(STRANGER_STATE_TTL, strangerStateTtl);
        if (strangerStateTtl.compareTo(strangerAccountAge.plus(strangerWindow)) < 0) {
            throw new Settings.ConfigException(STRANGER_STATE_TTL, "must be at least " + STRANGER_ACCOUNT_AGE + " plus "
                    + STRANGER_WINDOW + " (" + strangerAccountAge.plus(strangerWindow) + "), was " + strangerStateTtl);
        }
        requireNotNegative(BURST_MUTE, burstMute);
        requireNotNegative(FLOOD_MUTE, floodMute);
        requireNotNegative(STRANGER_MUTE, strangerMute);
        requireNotNegative(SENSITIVE_MUTE, sensitiveMute);
        requireSeverity(REDACT_SEVERITY, redactSeverity);
    }

    /** The documented defaults. */
    public static ModerationConfig defaults() {
        return from(Settings.of(Map.of()));
    }

    /** Reads the settings, applying the documented defaults; a malformed value names its key. */
    public static ModerationConfig from(Settings settings) {
        return new ModerationConfig(
                settings.integer(BURST_MAX_MESSAGES, DEFAULT_BURST_MAX_MESSAGES),
                settings.duration(BURST_WINDOW, DEFAULT_BURST_WINDOW),
                severity(settings, BURST_SEVERITY, DEFAULT_BURST_SEVERITY),
                settings.integer(FLOOD_MAX_CONVERSATIONS, DEFAULT_FLOOD_MAX_CONVERSATIONS),
                settings.duration(FLOOD_WINDOW, DEFAULT_FLOOD_WINDOW),
                settings.integer(FLOOD_MIN_LENGTH, DEFAULT_FLOOD_MIN_LENGTH),
                severity(settings, FLOOD_SEVERITY, DEFAULT_FLOOD_SEVERITY),
                settings.duration(STRANGER_ACCOUNT_AGE, DEFAULT_STRANGER_ACCOUNT_AGE),
                settings.integer(STRANGER_MAX_CONVERSATIONS, DEFAULT_STRANGER_MAX_CONVERSATIONS),
                settings.duration(STRANGER_WINDOW, DEFAULT_STRANGER_WINDOW),
                severity(settings, STRANGER_SEVERITY, DEFAULT_STRANGER_SEVERITY),
                settings.duration(STRANGER_STATE_TTL, DEFAULT_STRANGER_STATE_TTL),
                settings.duration(BURST_MUTE, DEFAULT_BURST_MUTE),
                settings.duration(FLOOD_MUTE, DEFAULT_FLOOD_MUTE),
                settings.duration(STRANGER_MUTE, DEFAULT_STRANGER_MUTE),
                settings.duration(SENSITIVE_MUTE, DEFAULT_SENSITIVE_MUTE),
                severity(settings, REDACT_SEVERITY, DEFAULT_REDACT_SEVERITY));
    }

    /** These settings with the rate-burst detector's replaced (a {@code rate_burst} rule); validated as any. */
    public ModerationConfig withBurst(int maxMessages, Duration window, Severity severity, Duration mute) {
        return new ModerationConfig(maxMessages, window, severity,
                floodMaxConversations, floodWindow, floodMinLength, floodSeverity,
                strangerAccountAge, strangerMaxConversations, strangerWindow, strangerSeverity, strangerStateTtl,
                mute, floodMute, strangerMute, sensitiveMute, redactSeverity);
    }

    /** These settings with the flood detector's replaced (a {@code flood} rule); validated as any. */
    public ModerationConfig withFlood(int maxConversations, Duration window, int minLength, Severity severity, Duration mute) {
        return new ModerationConfig(burstMaxMessages, burstWindow, burstSeverity,
                maxConversations, window, minLength, severity,
                strangerAccountAge, strangerMaxConversations, strangerWindow, strangerSeverity, strangerStateTtl,
                burstMute, mute, strangerMute, sensitiveMute, redactSeverity);
    }

    /**
     * These settings with the stranger-spam detector's replaced (a {@code stranger_spam} rule);
     * validated as any, so an account age plus window beyond the state TTL is refused.
     */
    public ModerationConfig withStranger(Duration accountAge, int maxConversations, Duration window, Severity severity, Duration mute) {
        return new ModerationConfig(burstMaxMessages, burstWindow, burstSeverity,
                floodMaxConversations, floodWindow, floodMinLength, floodSeverity,
                accountAge, maxConversations, window, severity, strangerStateTtl,
                burstMute, floodMute, mute, sensitiveMute, redactSeverity);
    }

    /** Every setting with its environment variable and default, for a {@code --help} text. */
    public static String help() {
        StringBuilder out = new StringBuilder("Moderation settings (as -Dkey=value, environment variable, or in the file named by KCHAT_CONFIG):\n");
        for (String[] s : DOCUMENTED) {
            out.append(String.format("  %-38s %-46s default %-6s %s%n", s[0], Settings.envName(s[0]), s[1], s[2]));
        }
        return out.toString();
    }

    private static Severity severity(Settings settings, String key, Severity defaultValue) {
        String value = settings.string(key, defaultValue.name());
        try {
            return Severity.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Settings.ConfigException(key, "has invalid value '" + value + "': expected LOW, MEDIUM, HIGH or CRITICAL");
        }
    }

    private static void requireAtLeast(String key, int value, int min) {
        if (value < min) {
            throw new Settings.ConfigException(key, "must be >= " + min + ", was " + value);
        }
    }

    private static void requirePositive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new Settings.ConfigException(key, "must be a positive duration, was " + value);
        }
    }

    private static void requireNotNegative(String key, Duration value) {
        if (value == null || value.isNegative()) {
            throw new Settings.ConfigException(key, "must be a duration of zero or more, was " + value);
        }
    }

    private static void requireSeverity(String key, Severity value) {
        if (value == null) {
            throw new Settings.ConfigException(key, "is required");
        }
    }
}
