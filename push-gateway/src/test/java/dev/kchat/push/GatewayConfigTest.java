package dev.kchat.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.push.decide.DeciderConfig;
import dev.kchat.push.deliver.DeliveryConfig;
import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gateway's settings: documented defaults, providers off unless configured, and refusals that name their key. */
class GatewayConfigTest {

    @Test
    void shouldApplyTheDocumentedDefaultsWithEveryProviderOff() {
        DeciderConfig decider = DeciderConfig.from(Settings.of(Map.of()));
        DeliveryConfig delivery = DeliveryConfig.from(Settings.of(Map.of()));

        assertThat(decider.collapseWindow()).isEqualTo(Duration.ofSeconds(2));
        assertThat(decider.sessionTtl()).isEqualTo(Duration.ofSeconds(90));
        assertThat(decider.deviceBurst()).isEqualTo(5);
        assertThat(decider.devicePerMinute()).isEqualTo(20);
        assertThat(decider.app().applicationId()).isEqualTo("kchat-push");
        assertThat(decider.app().processingGuarantee()).isEqualTo("exactly_once_v2");
        assertThat(delivery.webhookUrl()).isNull();
        assertThat(delivery.apnsKeyFile()).isNull();
        assertThat(delivery.fcmCredentialsFile()).isNull();
        assertThat(delivery.retry().maxAttempts()).isEqualTo(5);
        assertThat(delivery.group()).isEqualTo("kchat-push-delivery");
        assertThat(PushGateway.help()).contains(DeliveryConfig.WEBHOOK_URL, DeciderConfig.COLLAPSE_WINDOW, "KCHAT_PUSH_APNS_KEY_FILE");
    }

    @Test
    void shouldRefuseAWebhookWithoutSecretAnApnsKeyWithoutIdsAndABadRate() {
        assertThatThrownBy(() -> DeliveryConfig.from(Settings.of(Map.of(DeliveryConfig.WEBHOOK_URL, "http://127.0.0.1:1/push"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(DeliveryConfig.WEBHOOK_SECRET);
        assertThatThrownBy(() -> DeliveryConfig.from(Settings.of(Map.of(DeliveryConfig.APNS_KEY_FILE, "/keys/AuthKey.p8"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(DeliveryConfig.APNS_TEAM_ID);
        assertThatThrownBy(() -> DeliveryConfig.from(Settings.of(Map.of(DeliveryConfig.MAX_ATTEMPTS, "0"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(DeliveryConfig.MAX_ATTEMPTS);
        assertThatThrownBy(() -> DeciderConfig.from(Settings.of(Map.of(DeciderConfig.DEVICE_BURST, "0"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(DeciderConfig.DEVICE_BURST);
    }
}
