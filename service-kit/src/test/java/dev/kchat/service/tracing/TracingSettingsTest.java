package dev.kchat.service.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.service.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TracingSettingsTest {

    @Test
    void shouldBeOffByDefaultWithTheDocumentedDefaults() {
        TracingSettings tracing = TracingSettings.from(Settings.of(Map.of()), "kchat-edge");

        assertThat(tracing.enabled()).isFalse();
        assertThat(tracing.endpoint()).isEqualTo(URI.create("http://localhost:4318/v1/traces"));
        assertThat(tracing.sampleRatio()).isEqualTo(1.0);
        assertThat(tracing.serviceName()).isEqualTo("kchat-edge");
        assertThat(tracing.queueSize()).isEqualTo(2_048);
        assertThat(tracing.batchSize()).isEqualTo(512);
        assertThat(tracing.batchDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(tracing.exportTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(TracingSettings.documented("kchat-edge")).extracting(row -> row[0] + "=" + row[1]).containsExactly(
                "tracing.enabled=false", "tracing.otlp.endpoint=http://localhost:4318/v1/traces", "tracing.sample.ratio=1.0",
                "tracing.service.name=kchat-edge", "tracing.queue.size=2048", "tracing.batch.size=512",
                "tracing.batch.delay=1s", "tracing.export.timeout=10s");
    }

    @Test
    void shouldReadEverySettingFromTheEnvironmentAsKchatVariables() {
        Settings settings = Settings.layered(Map.of(
                "KCHAT_TRACING_ENABLED", "true",
                "KCHAT_TRACING_OTLP_ENDPOINT", "http://jaeger:4318/v1/traces",
                "KCHAT_TRACING_SAMPLE_RATIO", "0.25",
                "KCHAT_TRACING_SERVICE_NAME", "kchat-edge-eu",
                "KCHAT_TRACING_QUEUE_SIZE", "100",
                "KCHAT_TRACING_BATCH_SIZE", "10",
                "KCHAT_TRACING_BATCH_DELAY", "200ms",
                "KCHAT_TRACING_EXPORT_TIMEOUT", "3s"), new Properties());

        TracingSettings tracing = TracingSettings.from(settings, "kchat-edge");

        assertThat(tracing).isEqualTo(new TracingSettings(true, URI.create("http://jaeger:4318/v1/traces"), 0.25, "kchat-edge-eu",
                100, 10, Duration.ofMillis(200), Duration.ofSeconds(3)));
    }

    @Test
    void shouldRefuseInvalidValuesNamingTheKey() {
        assertThatThrownBy(() -> read("tracing.sample.ratio", "1.5")).isInstanceOf(Settings.ConfigException.class)
                .hasMessage("setting tracing.sample.ratio must be between 0.0 and 1.0, was 1.5");
        assertThatThrownBy(() -> read("tracing.sample.ratio", "half")).isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("setting tracing.sample.ratio has invalid value 'half'");
        assertThatThrownBy(() -> read("tracing.sample.ratio", "NaN")).isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("setting tracing.sample.ratio must be between 0.0 and 1.0");
        assertThatThrownBy(() -> read("tracing.otlp.endpoint", "localhost:4318")).isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("setting tracing.otlp.endpoint must be an http(s) URL");
        assertThatThrownBy(() -> read("tracing.otlp.endpoint", "http://bad host/")).isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("setting tracing.otlp.endpoint has invalid value");
        assertThatThrownBy(() -> read("tracing.queue.size", "0")).isInstanceOf(Settings.ConfigException.class)
                .hasMessage("setting tracing.queue.size must be >= 1, was 0");
        assertThatThrownBy(() -> read("tracing.batch.size", "4096")).isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("setting tracing.batch.size must be 1 to tracing.queue.size (2048)");
        assertThatThrownBy(() -> read("tracing.batch.delay", "0ms")).isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("setting tracing.batch.delay must be a positive duration");
        assertThatThrownBy(() -> read("tracing.enabled", "yes")).isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("setting tracing.enabled has invalid value 'yes'");
    }

    private static TracingSettings read(String key, String value) {
        return TracingSettings.from(Settings.of(Map.of(key, value)), "kchat-test");
    }
}
