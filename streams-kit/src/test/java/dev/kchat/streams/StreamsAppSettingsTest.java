package dev.kchat.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsAppSettingsTest {

    private static final StreamsAppSettings.Keys KEYS = StreamsAppSettings.Keys.of("demo");

    private static StreamsAppSettings read(Map<String, String> values) {
        return StreamsAppSettings.from(Settings.of(values), KEYS, "kchat-demo", 9499);
    }

    @Test
    void shouldNameEveryKeyUnderThePrefix() {
        assertThat(List.of(KEYS.applicationId(), KEYS.threads(), KEYS.processingGuarantee(), KEYS.standbyReplicas(),
                KEYS.stateDir(), KEYS.adminHost(), KEYS.adminPort(), KEYS.startTimeout(), KEYS.streamsPrefix()))
                .containsExactly("demo.application.id", "demo.threads", "demo.processing.guarantee", "demo.standby.replicas",
                        "demo.state.dir", "demo.admin.host", "demo.admin.port", "demo.start.timeout", "demo.streams.");
        assertThatThrownBy(() -> StreamsAppSettings.Keys.of("demo.")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldApplyTheDefaultsAndTheAppsOwn() {
        StreamsAppSettings app = read(Map.of());

        assertThat(app.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(app.schemaRegistryUrl()).isEqualTo("http://127.0.0.1:8081");
        assertThat(app.applicationId()).isEqualTo("kchat-demo");
        assertThat(app.adminPort()).isEqualTo(9499);
        assertThat(app.adminHost()).isEqualTo("127.0.0.1");
        assertThat(app.threads()).isEqualTo(1);
        assertThat(app.standbyReplicas()).isZero();
        assertThat(app.processingGuarantee()).isEqualTo("exactly_once_v2");
        assertThat(app.stateDir()).isEqualTo(Path.of(StreamsAppSettings.DEFAULT_STATE_DIR));
        assertThat(app.startTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(app.streamsOverrides()).isEmpty();
        assertThat(app.tracing().enabled()).isFalse();
        assertThat(app.tracing().serviceName()).isEqualTo("kchat-demo");
    }

    @Test
    void shouldRejectInvalidValuesNamingTheAppsKey() {
        assertThatThrownBy(() -> read(Map.of("demo.threads", "0")))
                .isInstanceOf(Settings.ConfigException.class).hasMessage("setting demo.threads must be >= 1, was 0");
        assertThatThrownBy(() -> read(Map.of("demo.processing.guarantee", "exactly_once")))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessage("setting demo.processing.guarantee must be exactly_once_v2 or at_least_once, was exactly_once");
        assertThatThrownBy(() -> read(Map.of("demo.standby.replicas", "-1")))
                .isInstanceOf(Settings.ConfigException.class).hasMessage("setting demo.standby.replicas must be >= 0, was -1");
        assertThatThrownBy(() -> read(Map.of("demo.start.timeout", "0s")))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessage("setting demo.start.timeout must be a positive duration, was PT0S");
    }

    @Test
    void shouldBuildTheStreamsPropertiesWithTheOverridesLast() {
        Properties p = read(Map.of("demo.threads", "3", "demo.streams.num.stream.threads", "4",
                "demo.streams.replication.factor", "3")).streamsProperties("topology-demo");

        assertThat(p).containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "kchat-demo")
                .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "4")
                .containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, "3")
                .containsEntry(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, ErrorTopicHandler.class)
                .containsEntry(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ErrorTopicHandler.class)
                .containsEntry(ErrorTopicHandler.APP_ID_CONFIG, "topology-demo")
                .containsEntry(ErrorTopicHandler.REGISTRY_URL_CONFIG, "http://127.0.0.1:8081");
    }

    @Test
    void shouldCommitEveryTenMillisecondsUnderExactlyOnceUnlessOverridden() {
        Properties exactlyOnce = read(Map.of()).streamsProperties("topology-demo");
        Properties overridden = read(Map.of("demo.streams.commit.interval.ms", "50")).streamsProperties("topology-demo");
        Properties atLeastOnce = read(Map.of("demo.processing.guarantee", "at_least_once")).streamsProperties("topology-demo");

        assertThat(exactlyOnce).containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 10L);
        assertThat(overridden).containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "50");
        // At-least-once keeps Kafka Streams' own default (30 s): its output is visible before a commit
        assertThat(atLeastOnce).doesNotContainKey(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
    }

    @Test
    void shouldPollNoLongerThanTheCommitIntervalUnderExactlyOnceUnlessOverridden() {
        Properties exactlyOnce = read(Map.of()).streamsProperties("topology-demo");
        Properties overridden = read(Map.of("demo.streams.poll.ms", "100")).streamsProperties("topology-demo");
        Properties atLeastOnce = read(Map.of("demo.processing.guarantee", "at_least_once")).streamsProperties("topology-demo");

        assertThat(exactlyOnce).containsEntry(StreamsConfig.POLL_MS_CONFIG, 10L)
                .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, exactlyOnce.get(StreamsConfig.POLL_MS_CONFIG));
        assertThat(overridden).containsEntry(StreamsConfig.POLL_MS_CONFIG, "100");
        // At-least-once output is visible before its commit: Kafka Streams' own poll time
        assertThat(atLeastOnce).doesNotContainKey(StreamsConfig.POLL_MS_CONFIG);
    }

    @Test
    void shouldDocumentTheSharedSettingsAroundTheAppsOwn() {
        List<String[]> rows = StreamsAppSettings.documented(KEYS, "kchat-demo", 9499,
                List.<String[]>of(new String[] {"demo.own", "1", "the app's own setting"}));
        String help = StreamsAppSettings.help("intro\n\n", rows, 24, 30);

        assertThat(rows).extracting(row -> row[0]).containsExactly("kafka.bootstrap.servers", "schema.registry.url",
                "demo.application.id", "demo.threads", "demo.processing.guarantee", "demo.standby.replicas", "demo.state.dir",
                "demo.admin.host", "demo.admin.port", "demo.own", "demo.start.timeout", "demo.streams.*",
                "tracing.enabled", "tracing.otlp.endpoint", "tracing.sample.ratio", "tracing.service.name", "tracing.queue.size",
                "tracing.batch.size", "tracing.batch.delay", "tracing.export.timeout");
        assertThat(help).startsWith("intro\n\nSettings (as -Dkey=value, environment variable, or in the file named by KCHAT_CONFIG):\n")
                .contains(String.format("  %-24s %-30s default %-24s %s%n", "demo.admin.port", "KCHAT_DEMO_ADMIN_PORT", "9499",
                        "admin server port; 0 picks a free one"));
    }
}
