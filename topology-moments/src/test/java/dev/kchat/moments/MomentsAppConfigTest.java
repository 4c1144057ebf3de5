package dev.kchat.moments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.service.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MomentsAppConfigTest {

    @Test
    void shouldDefaultToExactlyOnceAndTheDocumentedRules() {
        MomentsAppConfig config = MomentsAppConfig.from(Settings.of(Map.of()));

        assertThat(config.app().applicationId()).isEqualTo(MomentsAppConfig.DEFAULT_APPLICATION_ID);
        assertThat(config.app().processingGuarantee()).isEqualTo("exactly_once_v2");
        assertThat(config.rules()).isEqualTo(MomentsConfig.defaults());
    }

    @Test
    void shouldListStreamsAndRuleSettingsInTheHelp() {
        assertThat(MomentsAppConfig.help()).contains("moments.application.id", "KCHAT_MOMENTS_PROCESSING_GUARANTEE",
                MomentsConfig.PUSH_MAX_FRIENDS, "9404");
    }

    @Test
    void shouldNameTheKeyOfABadValue() {
        assertThatThrownBy(() -> MomentsAppConfig.from(Settings.of(Map.of(MomentsConfig.PUSH_MAX_FRIENDS, "-1"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(MomentsConfig.PUSH_MAX_FRIENDS);
    }
}
