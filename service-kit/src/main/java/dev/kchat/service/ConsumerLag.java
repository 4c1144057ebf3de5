package dev.kchat.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * The consumer lag of a component, per input topic, as {@value #METRIC} (Prometheus
 * {@code kchat_consumer_lag_records}, tags {@code app}, {@code topic}): the records between this
 * process's position and the end of each partition it consumes, summed over those partitions.
 *
 * <p>Read from the Kafka clients' own per-partition {@code records-lag} metrics (what their last
 * fetches told them; no request is made), so it costs nothing and works for consumers without a
 * group too. Restore consumers (Kafka Streams reading a changelog back) are left out: their lag is
 * recovery, not falling behind. The sum over a deployment's instances is the app's lag.
 */
public final class ConsumerLag {

    public static final String METRIC = "kchat.consumer.lag.records";

    private static final String FETCH_GROUP = "consumer-fetch-manager-metrics";
    private static final String RECORDS_LAG = "records-lag";

    private ConsumerLag() {
    }

    /**
     * Registers one gauge per topic over the metrics of the clients {@code clientMetrics} returns
     * (e.g. {@code consumer::metrics}, {@code kafkaStreams::metrics}), read at each scrape.
     */
    public static void register(MeterRegistry registry, Supplier<Map<MetricName, ? extends Metric>> clientMetrics,
            Collection<String> topics) {
        Objects.requireNonNull(clientMetrics, "clientMetrics");
        for (String topic : topics) {
            Gauge.builder(METRIC, () -> lag(clientMetrics.get(), topic))
                    .description("records behind the end of the topic's partitions this process consumes")
                    .tag("topic", topic)
                    .baseUnit("records")
                    .register(registry);
        }
    }

    /** The summed {@code records-lag} of {@code topic}'s partitions in these client metrics. */
    static double lag(Map<MetricName, ? extends Metric> metrics, String topic) {
        // Kafka writes the topic tag with dots replaced by underscores in some metric groups.
        String dotless = topic.replace('.', '_');
        double sum = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName name = e.getKey();
            if (!RECORDS_LAG.equals(name.name()) || !FETCH_GROUP.equals(name.group())) {
                continue;
            }
            Map<String, String> tags = name.tags();
            String t = tags.get("topic");
            if (t == null || tags.get("partition") == null || !(t.equals(topic) || t.equals(dotless))) {
                continue;
            }
            String client = tags.getOrDefault("client-id", "");
            if (client.endsWith("restore-consumer")) {
                continue;
            }
            Object value = e.getValue().metricValue();
            if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
                sum += n.doubleValue();
            }
        }
        return sum;
    }
}
