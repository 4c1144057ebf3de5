package dev.kchat.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.Metrics;
import org.junit.jupiter.api.Test;

/** The lag gauge sums the clients' per-partition records-lag by topic, leaving restore consumers out. */
class ConsumerLagTest {

    @Test
    void shouldSumPartitionLagPerTopicWithoutRestoreConsumers() {
        // Given: Kafka client metrics as a consumer and a Streams restore consumer register them
        try (Metrics kafka = new Metrics()) {
            lag(kafka, "app-1-consumer", "chat.inbox", 0, 5);
            lag(kafka, "app-1-consumer", "chat.inbox", 3, 7);
            lag(kafka, "app-1-consumer", "chat.commands", 1, 2);
            lag(kafka, "app-1-restore-consumer", "chat.inbox", 1, 1000);
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

            // When
            ConsumerLag.register(registry, kafka::metrics, List.of("chat.inbox", "chat.commands", "chat.receipts"));

            // Then
            String scrape = registry.scrape();
            assertThat(scrape).contains("kchat_consumer_lag_records{topic=\"chat.inbox\"} 12.0")
                    .contains("kchat_consumer_lag_records{topic=\"chat.commands\"} 2.0")
                    .contains("kchat_consumer_lag_records{topic=\"chat.receipts\"} 0.0");
        }
    }

    private static void lag(Metrics kafka, String clientId, String topic, int partition, double records) {
        kafka.addMetric(kafka.metricName("records-lag", "consumer-fetch-manager-metrics",
                Map.of("client-id", clientId, "topic", topic, "partition", String.valueOf(partition))),
                (Gauge<Double>) (config, now) -> records);
    }
}
