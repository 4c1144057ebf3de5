package dev.kchat.deploy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-shot move of fanout's receipt state to routing (issue 12: routing takes over the
 * conversation fan-out and the receipts). With both apps stopped and fanout drained, it copies the
 * three changelogged receipt stores partition for partition (valid because routing's task p reads
 * chat.commands p and chat.receipts p, as fanout's read the log p and chat.receipts p), then gives
 * routing's group fanout's committed offsets on chat.receipts. The offset copy is not optional:
 * without it routing would start the receipts at the earliest offset and replay a week of them
 * (refusals and statuses sent again, old read positions pushed to devices).
 *
 * <p>Raw bytes only, no app classes: the records' Avro single-object encodings keep fanout's
 * namespace, and routing's serdes read both (ReceiptStores).
 */
public final class FanoutStateMigration {

    private static final Logger log = LoggerFactory.getLogger(FanoutStateMigration.class);

    /**
     * fanout's changelogged receipt stores (FanoutApp.RECEIPT_*_STORE) -> routing's
     * (FanoutStage.RECEIPT_*_STORE). The fourth, {@code *-receipt-unreported}, is in memory without a
     * changelog: each app rebuilds it from the authors store when a task starts.
     */
    static final Map<String, String> STORES = stores();
    /** FanoutApp.BY_USER_REPARTITION: the per-user stage's input, which must be drained too. */
    static final String BY_USER_REPARTITION = "fanout-by-user";
    /** Kafka clients' default request timeout; shorter when {@code migrate.timeout} is. */
    private static final int REQUEST_TIMEOUT_MS = 30_000;

    private static Map<String, String> stores() {
        Map<String, String> stores = new LinkedHashMap<>();
        stores.put("fanout-receipt-positions", "routing-receipt-positions");
        stores.put("fanout-receipt-window", "routing-receipt-window");
        stores.put("fanout-receipt-authors", "routing-receipt-authors");
        return Collections.unmodifiableMap(stores);
    }

    /** The changelog Kafka Streams names for a store of an app. */
    static String changelog(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }

    static String repartition(String applicationId) {
        return applicationId + "-" + BY_USER_REPARTITION + "-repartition";
    }

    /**
     * What a run did or, dry, would do.
     *
     * @param copied     per changelog, the records written (empty on a dry run)
     * @param offsetsSet routing's committed offsets on chat.receipts after the run (empty on a dry run)
     */
    public record Outcome(MigrationPlan plan, boolean dryRun, List<ChangelogCopier.Copied> copied,
            SortedMap<Integer, OffsetAndMetadata> offsetsSet) {

        /** One line per step: what was done, or what would be. */
        public List<String> describe() {
            if (dryRun) {
                List<String> lines = new ArrayList<>();
                plan.describe().forEach(l -> lines.add("would " + l));
                return lines;
            }
            List<String> lines = new ArrayList<>();
            copied.forEach(c -> lines.add(c.describe()));
            lines.add("set group " + plan.routingGroup() + "'s offsets on " + plan.receiptsTopic() + " to "
                    + (offsetsSet.isEmpty() ? "none (fanout had committed none)" : MigrationPlan.offsetsText(offsetsSet)));
            return lines;
        }
    }

    private final MigrateFanoutStateConfig config;

    public FanoutStateMigration(MigrateFanoutStateConfig config) {
        this.config = config;
    }

    /**
     * How to run.
     *
     * @param dryRun      check and plan, write nothing
     * @param force       copy even onto targets that hold records, and replace routing's offsets on chat.receipts
     * @param offsetsOnly the reset alternative: set routing's offsets on chat.receipts, copy no changelog
     *                    (routing's receipt stores start empty; docs/operations.md says what that costs)
     */
    public record Options(boolean dryRun, boolean force, boolean offsetsOnly) {

        /** Check, copy, set the offsets; refuse where a target holds records. */
        public static final Options DEFAULT = new Options(false, false, false);
    }

    /**
     * Checks, then (unless a dry run) copies the changelogs and sets routing's offsets.
     *
     * @throws MigrationRefusedException if it is not safe; nothing was written
     * @throws IllegalStateException     if the cluster fails or does not answer (a run that failed while
     *                                   copying is finished by running again with {@code --force})
     */
    public Outcome run(Options options) {
        int timeoutMs = (int) Math.min(config.timeout().toMillis(), Integer.MAX_VALUE);
        try (Admin admin = Admin.create(clientProperties(Map.of(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, REQUEST_TIMEOUT_MS))))) {
            ClusterProbe cluster = new ClusterProbe(admin, this::consumer, config.timeout());
            MigrationPlan plan;
            try {
                plan = new MigrationChecks(cluster, config).plan(options.force(), options.offsetsOnly());
            } catch (MigrationRefusedException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new IllegalStateException("failed while checking, nothing written: " + e.getMessage(), e);
            }
            if (options.dryRun()) {
                return new Outcome(plan, true, List.of(), new TreeMap<>());
            }
            List<ChangelogCopier.Copied> copied = new ArrayList<>();
            try {
                try (KafkaProducer<byte[], byte[]> producer = producer()) {
                    ChangelogCopier copier = new ChangelogCopier(cluster, producer);
                    plan.copies().forEach(c -> copied.add(copier.copy(c)));
                }
                return new Outcome(plan, false, copied, setReceiptOffsets(cluster, plan));
            } catch (RuntimeException e) {
                throw new IllegalStateException("failed while writing, after copying " + copied.size() + " of "
                        + plan.copies().size() + " changelogs: fix the cause, then run again with --force to finish"
                        + " (records copied twice are harmless: the later copy wins on restore): " + e.getMessage(), e);
            }
        }
    }

    /** Gives routing's group fanout's offsets on chat.receipts, metadata included, and reads them back. */
    private SortedMap<Integer, OffsetAndMetadata> setReceiptOffsets(ClusterProbe cluster, MigrationPlan plan) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        plan.receiptOffsets().forEach((p, o) -> offsets.put(new TopicPartition(plan.receiptsTopic(), p), o));
        if (offsets.isEmpty()) {
            log.warn("group {} has no committed offsets on {}: routing starts it where fanout would have",
                    config.fanoutApplicationId(), plan.receiptsTopic());
            return new TreeMap<>();
        }
        cluster.await(cluster.admin().alterConsumerGroupOffsets(plan.routingGroup(), offsets).all(),
                "setting group " + plan.routingGroup() + "'s offsets on " + plan.receiptsTopic());
        SortedMap<Integer, OffsetAndMetadata> set = new TreeMap<>();
        cluster.committedOffsets(plan.routingGroup(), offsets.keySet()).forEach((tp, o) -> set.put(tp.partition(), o));
        offsets.forEach((tp, o) -> {
            OffsetAndMetadata now = set.get(tp.partition());
            if (now == null || now.offset() != o.offset()) {
                throw new IllegalStateException("group " + plan.routingGroup() + " has offset " + now + " on " + tp
                        + " after setting " + o.offset());
            }
        });
        log.info("set group {}'s offsets on {} to {}", plan.routingGroup(), plan.receiptsTopic(),
                MigrationPlan.offsetsText(set));
        return set;
    }

    private KafkaConsumer<byte[], byte[]> consumer(String purpose) {
        Map<String, Object> p = clientProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        p.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, "migrate-fanout-state-" + purpose);
        return new KafkaConsumer<>(p);
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> p = clientProperties(Map.of(
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        p.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, "migrate-fanout-state");
        return new KafkaProducer<>(p);
    }

    /** The bootstrap servers, {@code own}, then the {@code migrate.client.*} overrides. */
    private Map<String, Object> clientProperties(Map<String, Object> own) {
        Map<String, Object> p = new HashMap<>(own);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.putAll(config.clientOverrides());
        return p;
    }
}
