package dev.kchat.moments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.service.Settings;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class MomentsConfigTest {

    @Test
    void shouldApplyTheDocumentedDefaults() {
        MomentsConfig config = MomentsConfig.from(Settings.of(Map.of()));

        assertThat(config).isEqualTo(new MomentsConfig(1_000, 20, 100));
        assertThat(config).isEqualTo(MomentsConfig.defaults());
    }

    @Test
    void shouldReadEachKeyFromTheEnvironment() {
        Settings settings = Settings.layered(Map.of(
                "KCHAT_MOMENTS_PUSH_MAX_FRIENDS", "500",
                "KCHAT_MOMENTS_FEED_PAGE_SIZE", "10",
                "KCHAT_MOMENTS_FEED_PAGE_SIZE_MAX", "50"), new Properties());

        assertThat(MomentsConfig.from(settings)).isEqualTo(new MomentsConfig(500, 10, 50));
    }

    @Test
    void shouldRejectValuesThatBreakTheRulesNamingTheKey() {
        assertThatThrownBy(() -> MomentsConfig.from(Settings.of(Map.of(MomentsConfig.PUSH_MAX_FRIENDS, "-1"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(MomentsConfig.PUSH_MAX_FRIENDS);
        assertThatThrownBy(() -> MomentsConfig.from(Settings.of(Map.of(MomentsConfig.FEED_PAGE_SIZE, "101"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(MomentsConfig.FEED_PAGE_SIZE);
        assertThatThrownBy(() -> MomentsConfig.from(Settings.of(Map.of(MomentsConfig.FEED_PAGE_SIZE_MAX, "0"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(MomentsConfig.FEED_PAGE_SIZE_MAX);
        assertThatThrownBy(() -> MomentsConfig.from(Settings.of(Map.of(MomentsConfig.PUSH_MAX_FRIENDS, "many"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining("many");
    }

    @Test
    void shouldListEveryKeyWithItsEnvironmentVariableInTheHelp() {
        assertThat(MomentsConfig.help())
                .contains(MomentsConfig.PUSH_MAX_FRIENDS, "KCHAT_MOMENTS_PUSH_MAX_FRIENDS", "1000")
                .contains(MomentsConfig.FEED_PAGE_SIZE, MomentsConfig.FEED_PAGE_SIZE_MAX);
    }
}
