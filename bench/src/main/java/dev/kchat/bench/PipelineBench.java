package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.CommandPublisher;
import dev.kchat.api.Limits;
import dev.kchat.api.Requests;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline without sockets: SendMessage commands straight into {@code chat.commands}, counted as
 * they come out, committed, on {@code chat.conversation.log} (routing: dedupe, membership, seq) and
 * {@code chat.inbox} (fanout: one entry per member, inbox seq per user), through the real broker.
 * Reports records/s of each stage and the cores each used, hence records/s per core.
 */
public final class PipelineBench {

    private static final Logger log = LoggerFactory.getLogger(PipelineBench.class);

    private PipelineBench() {
    }

    static Args options() {
        return Harness.common(Args.describe("""
                PipelineBench: commands into chat.commands; sequenced (chat.conversation.log) and fanned-out (chat.inbox) records/s.
                Usage: bin/bench pipeline --messages 100000 --conversations 200 --group-size 10 --guarantee at_least_once"""))
                .option("messages", "100000", "SendMessage commands produced")
                .option("conversations", "200", "groups the messages are spread over")
                .option("group-size", "10", "members per group: inbox entries per message")
                .option("rate", "0", "commands/s offered; 0 = as fast as the producer goes")
                .option("body-bytes", "100", "message body size")
                .option("max-wait", "300s", "longest wait for the pipeline to finish");
    }

    public static void main(String[] argv) throws Exception {
        Args args = options().parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        try (Harness h = Harness.start("pipeline", args, 0)) {
            run(h, args);
        }
    }

    private static void run(Harness h, Args args) throws Exception {
        int messages = args.integer("messages");
        int conversations = args.integer("conversations");
        int size = args.integer("group-size");
        int bodyBytes = args.integer("body-bytes");
        Topics topics = Topics.create(new HttpSchemaRegistryClient(h.platform.registryUrl()));
        CommandFactory factory = new CommandFactory(Limits.defaults());
        String bootstrap = h.platform.bootstrapServers();

        try (CommandPublisher publisher = new CommandPublisher(bootstrap, topics.commands(), "bench-pipeline");
             Counter log = new Counter(bootstrap, topics.conversationLog().name());
             Counter inbox = new Counter(bootstrap, topics.inbox().name())) {
            publisher.warmUp();
            // Setup: the groups, through the same topic; wait until routing has sequenced them.
            List<String> ids = new ArrayList<>();
            List<CompletableFuture<?>> created = new ArrayList<>();
            for (int g = 0; g < conversations; g++) {
                List<String> members = new ArrayList<>();
                for (int i = 1; i < size; i++) {
                    members.add(Harness.user(g * size + i));
                }
                CommandFactory.Accepted a = factory.createConversation(new Caller(Harness.user(g * size), "bench"),
                        new Requests.CreateConversation("group", "bench-" + g, members), Instant.now());
                ids.add(a.conversationId());
                created.add(publisher.publish(a.command()));
            }
            CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).join();
            log.awaitAtLeast(conversations, Duration.ofSeconds(120));
            inbox.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(120));
            long logBase = log.count();
            long inboxBase = inbox.count();
            PipelineBench.log.info("{} groups of {} ready; producing {} messages", conversations, size, messages);

            CpuWindow cpu = CpuWindow.start(h.pids());
            long t0 = System.nanoTime();
            LongAdder failures = new LongAdder();
            AtomicLong produced = new AtomicLong();
            java.util.function.LongConsumer sendOne = ignored -> {
                long k = produced.getAndIncrement();
                int g = (int) (k % conversations);
                String sender = Harness.user(g * size + (int) (k / conversations % size));
                CommandFactory.Accepted a = factory.sendMessage(new Caller(sender, "bench"), ids.get(g),
                        new Requests.SendMessage(h.tag + "-" + k, Harness.body((int) k, bodyBytes), null, List.of(), List.of()),
                        Instant.now());
                publisher.publish(a.command()).whenComplete((m, e) -> {
                    if (e != null) {
                        failures.increment();
                    }
                });
            };
            double rate = args.decimal("rate");
            if (rate > 0) {
                Pacer.run(rate, Duration.ofMillis((long) (messages * 1000 / rate)), sendOne);
            } else {
                for (int k = 0; k < messages; k++) {
                    sendOne.accept(0);
                }
            }
            publisher.producer().flush();
            double produceSeconds = (System.nanoTime() - t0) / 1e9;
            long sent = produced.get() - failures.sum();
            long logDone = log.awaitAtLeast(logBase + sent, args.duration("max-wait"));
            long inboxDone = inbox.awaitAtLeast(inboxBase + sent * size, args.duration("max-wait"));
            ObjectNode cpuJson = cpu.stop();
            double logSeconds = (logDone - t0) / 1e9;
            double inboxSeconds = (inboxDone - t0) / 1e9;
            long sequenced = log.count() - logBase;
            long fannedOut = inbox.count() - inboxBase;

            ObjectNode out = h.resultHead();
            out.put("messages", sent).put("produce_failures", failures.sum())
                    .put("produced_per_s", round(sent / produceSeconds))
                    .put("sequenced", sequenced).put("sequenced_per_s", round(sequenced / logSeconds))
                    .put("fanned_out", fannedOut).put("fanned_out_per_s", round(fannedOut / inboxSeconds))
                    .put("sequenced_s", round(logSeconds)).put("fanned_out_s", round(inboxSeconds));
            ObjectNode threads = (ObjectNode) cpuJson.path("thread_cores").path("platform");
            double routingCores = threads.path("kchat-routing").asDouble();
            double fanoutCores = threads.path("kchat-fanout").asDouble();
            out.put("routing_thread_cores", routingCores).put("fanout_thread_cores", fanoutCores);
            out.set("cpu", cpuJson);
            ArrayNode series = out.putArray("inbox_per_second");
            inbox.perSecond().forEach(series::add);
            String summary = String.format("""
                    pipeline: %,d messages into %,d groups of %d, %s
                      produced   %,.0f commands/s (%,d failures)
                      sequenced  %,d records in %.1f s: %,.0f/s (routing stream thread %.2f cores)
                      fanned out %,d inbox entries in %.1f s: %,.0f/s (fanout stream thread %.2f cores)
                      cpu (cores) %s""",
                    sent, conversations, size, args.string("guarantee"), sent / produceSeconds, failures.sum(),
                    sequenced, logSeconds, sequenced / logSeconds, routingCores,
                    fannedOut, inboxSeconds, fannedOut / inboxSeconds, fanoutCores, cpuJson.path("cores"));
            h.report(out, summary);
        }
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /**
     * Counts the committed records of a topic from now on (read_committed, bytes only: counting must
     * not cost the pipeline a deserialisation).
     */
    static final class Counter implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong lastChange = new AtomicLong(System.nanoTime());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Long> perSecond = new ArrayList<>();
        private final Thread thread;

        Counter(String bootstrap, String topic) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position); // resolve "end" now, before anything is produced
            thread = new Thread(this::loop, "count-" + topic);
            thread.start();
        }

        private void loop() {
            long second = System.nanoTime();
            long atSecond = 0;
            while (running.get()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
                if (!records.isEmpty()) {
                    count.addAndGet(records.count());
                    lastChange.set(System.nanoTime());
                }
                if (System.nanoTime() - second >= 1_000_000_000L) {
                    long c = count.get();
                    synchronized (perSecond) {
                        perSecond.add(c - atSecond);
                    }
                    atSecond = c;
                    second += 1_000_000_000L;
                }
            }
            consumer.close();
        }

        long count() {
            return count.get();
        }

        List<Long> perSecond() {
            synchronized (perSecond) {
                return List.copyOf(perSecond);
            }
        }

        /** Waits until the count reaches {@code target}; returns the nano time it was reached (or the deadline). */
        long awaitAtLeast(long target, Duration max) throws InterruptedException {
            long end = System.nanoTime() + max.toNanos();
            while (count.get() < target) {
                if (System.nanoTime() > end) {
                    PipelineBench.log.warn("gave up waiting: {} of {} records after {}", count.get(), target, max);
                    break;
                }
                Thread.sleep(5);
            }
            return lastChange.get();
        }

        /** Waits until nothing arrived for {@code quiet}. */
        void awaitQuiet(Duration quiet, Duration max) throws InterruptedException {
            long end = System.nanoTime() + max.toNanos();
            while (System.nanoTime() - lastChange.get() < quiet.toNanos() && System.nanoTime() < end) {
                Thread.sleep(50);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }
}
