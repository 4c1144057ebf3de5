package dev.kchat.moderation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.service.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ModerationConfigTest {

    @Test
    void shouldApplyTheDocumentedDefaults() {
        ModerationConfig config = ModerationConfig.defaults();

        assertThat(config).isEqualTo(new ModerationConfig(
                20, Duration.ofSeconds(10), Severity.MEDIUM,
                10, Duration.ofMinutes(10), 16, Severity.MEDIUM,
                Duration.ofDays(7), 10, Duration.ofHours(1), Severity.HIGH, Duration.ofDays(90),
                Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofMinutes(10), Duration.ofHours(1), Severity.HIGH));
    }

    @Test
    void shouldReadEachKeyFromTheEnvironmentAndSystemProperties() {
        Properties system = new Properties();
        system.setProperty(ModerationConfig.STRANGER_ACCOUNT_AGE, "2d");
        Settings settings = Settings.layered(Map.ofEntries(
                Map.entry("KCHAT_MODERATION_BURST_MAX_MESSAGES", "5"),
                Map.entry("KCHAT_MODERATION_BURST_WINDOW", "2s"),
                Map.entry("KCHAT_MODERATION_BURST_SEVERITY", "low"),
                Map.entry("KCHAT_MODERATION_FLOOD_MAX_CONVERSATIONS", "4"),
                Map.entry("KCHAT_MODERATION_FLOOD_WINDOW", "5m"),
                Map.entry("KCHAT_MODERATION_FLOOD_MIN_LENGTH", "8"),
                Map.entry("KCHAT_MODERATION_FLOOD_SEVERITY", "HIGH"),
                Map.entry("KCHAT_MODERATION_STRANGER_MAX_CONVERSATIONS", "6"),
                Map.entry("KCHAT_MODERATION_STRANGER_WINDOW", "30m"),
                Map.entry("KCHAT_MODERATION_STRANGER_SEVERITY", "CRITICAL"),
                Map.entry("KCHAT_MODERATION_STRANGER_STATE_TTL", "30d"),
                Map.entry("KCHAT_MODERATION_STRANGER_MUTE", "15m"),
                Map.entry("KCHAT_MODERATION_BURST_MUTE", "1m"),
                Map.entry("KCHAT_MODERATION_FLOOD_MUTE", "0s"),
                Map.entry("KCHAT_MODERATION_SENSITIVE_MUTE", "2h"),
                Map.entry("KCHAT_MODERATION_SENSITIVE_REDACT_SEVERITY", "CRITICAL")), system);

        assertThat(ModerationConfig.from(settings)).isEqualTo(new ModerationConfig(
                5, Duration.ofSeconds(2), Severity.LOW,
                4, Duration.ofMinutes(5), 8, Severity.HIGH,
                Duration.ofDays(2), 6, Duration.ofMinutes(30), Severity.CRITICAL, Duration.ofDays(30),
                Duration.ofMinutes(1), Duration.ZERO, Duration.ofMinutes(15), Duration.ofHours(2), Severity.CRITICAL));
    }

    @Test
    void shouldBuildEachDetectorFromTheConfig() {
        // Given limits of one message, one conversation each, and severities set
        ModerationConfig config = ModerationConfig.from(Settings.of(Map.of(
                ModerationConfig.BURST_MAX_MESSAGES, "1",
                ModerationConfig.FLOOD_MAX_CONVERSATIONS, "1",
                ModerationConfig.FLOOD_MIN_LENGTH, "2",
                ModerationConfig.FLOOD_SEVERITY, "LOW",
                ModerationConfig.STRANGER_MAX_CONVERSATIONS, "1")));
        RateBurst burst = RateBurst.from(config);
        Flood flood = Flood.from(config);
        StrangerSpam spam = StrangerSpam.from(config);
        Instant created = ModerationFixtures.s(-60);

        // When each sees a second occurrence
        burst.onEvent("u", ModerationFixtures.s(0), null);
        flood.onMessage(ModerationFixtures.message("u", "c1", 1, ModerationFixtures.s(0), "hey"));
        spam.onMessage(ModerationFixtures.message("u", "c1", 1, ModerationFixtures.s(0), "hey"), created, "o");

        // Then each reports, with the configured severity
        assertThat(burst.onEvent("u", ModerationFixtures.s(1), null)).get().extracting(Verdict::getSeverity).isEqualTo(Severity.MEDIUM);
        assertThat(flood.onMessage(ModerationFixtures.message("u", "c2", 1, ModerationFixtures.s(1), "hey")))
                .get().extracting(Verdict::getSeverity).isEqualTo(Severity.LOW);
        assertThat(spam.onMessage(ModerationFixtures.message("u", "c2", 1, ModerationFixtures.s(1), "hey"), created, "o"))
                .get().extracting(Verdict::getSeverity).isEqualTo(Severity.HIGH);
    }

    @Test
    void shouldRejectBadValuesNamingTheKey() {
        assertThatThrownBy(() -> ModerationConfig.from(Settings.of(Map.of(ModerationConfig.BURST_MAX_MESSAGES, "0"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(ModerationConfig.BURST_MAX_MESSAGES);
        assertThatThrownBy(() -> ModerationConfig.from(Settings.of(Map.of(ModerationConfig.FLOOD_WINDOW, "0s"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(ModerationConfig.FLOOD_WINDOW);
        assertThatThrownBy(() -> ModerationConfig.from(Settings.of(Map.of(ModerationConfig.STRANGER_SEVERITY, "severe"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(ModerationConfig.STRANGER_SEVERITY);
        assertThatThrownBy(() -> ModerationConfig.from(Settings.of(Map.of(ModerationConfig.FLOOD_MIN_LENGTH, "0"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(ModerationConfig.FLOOD_MIN_LENGTH);
        assertThatThrownBy(() -> ModerationConfig.from(Settings.of(Map.of(ModerationConfig.STRANGER_MUTE, "-1m"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(ModerationConfig.STRANGER_MUTE);
    }

    @Test
    void shouldRefuseAStateTtlShorterThanTheAccountAgePlusTheWindow() {
        // A new account's own conversations must still be known when it posts: TTL >= age + window
        assertThatThrownBy(() -> ModerationConfig.from(Settings.of(Map.of(
                ModerationConfig.STRANGER_ACCOUNT_AGE, "7d", ModerationConfig.STRANGER_STATE_TTL, "7d"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(ModerationConfig.STRANGER_STATE_TTL);
        assertThat(ModerationConfig.from(Settings.of(Map.of(
                ModerationConfig.STRANGER_ACCOUNT_AGE, "7d", ModerationConfig.STRANGER_STATE_TTL, "169h"))).strangerStateTtl())
                .isEqualTo(Duration.ofHours(169));
        assertThatThrownBy(() -> ModerationConfig.defaults().withStranger(Duration.ofDays(100), 10, Duration.ofHours(1),
                Severity.HIGH, Duration.ZERO)).isInstanceOf(Settings.ConfigException.class);
    }

    @Test
    void shouldListEveryKeyInTheHelp() {
        String help = ModerationConfig.help();

        ModerationConfig.DOCUMENTED.forEach(row -> assertThat(help).contains(row[0], Settings.envName(row[0])));
        assertThat(ModerationConfig.DOCUMENTED).hasSize(17);
    }
}
