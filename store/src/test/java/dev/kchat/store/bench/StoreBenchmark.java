package dev.kchat.store.bench;

import static dev.kchat.store.bench.BenchArgs.intArg;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.localcql.LocalCqlServer;
import dev.kchat.store.TestEvents;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import dev.kchat.store.cql.Replication;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.HistoryPage;
import dev.kchat.store.read.HistoryReader.Direction;
import dev.kchat.store.read.HistoryReader.Order;
import dev.kchat.store.schema.Migrations;
import dev.kchat.store.write.AsyncWriter;
import dev.kchat.store.write.ChatWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/**
 * Store benchmark (not a test): writes conversations through {@link ChatWriter} + {@link AsyncWriter}
 * (the sink's write path) and reads 50-message history pages through {@link ChatRepository}, against a
 * local CQL server it starts. Prints writes/s and read latency percentiles.
 *
 * <pre>
 * mvn -B -o -pl store test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.kchat.store.bench.StoreBenchmark [-Dexec.args="--messages 20000 ..."]
 * </pre>
 */
public final class StoreBenchmark {

    private static final int PAGE = 50;

    private StoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = intArg(args, "--messages", 20_000);
        int conversations = intArg(args, "--conversations", 20);
        int reads = intArg(args, "--reads", 5_000);
        int inFlight = intArg(args, "--in-flight", 64);
        int bodyBytes = intArg(args, "--body-bytes", 200);

        try (LocalCqlServer server = LocalCqlServer.startTemporary();
                CqlSession session = CqlSessions.connect(CqlConfig.local(server.contactPoint(), server.localDatacenter(), "bench"))) {
            Migrations.apply(session, "bench", Replication.simple(1));
            ChatWriter writer = new ChatWriter(session, "bench");
            AsyncWriter async = new AsyncWriter(session, inFlight);
            ChatRepository repository = new ChatRepository(session, "bench");
            TestEvents events = new TestEvents();
            String body = "x".repeat(bodyBytes);
            int perConversation = messages / conversations;

            // Encode everything first: the timed part is the store, not Avro.
            List<List<BoundStatement>> records = new ArrayList<>(messages);
            for (int seq = 1; seq <= perConversation; seq++) {
                for (int c = 0; c < conversations; c++) {
                    String id = "bench-" + c;
                    ConversationEvent event = seq == 1 ? TestEvents.created(id, ConversationKind.GROUP, "u0", "u1", "u2")
                            : TestEvents.posted(id, seq, "u" + (seq % 3), body);
                    records.add(writer.statementsFor(event, events.bytes(event)));
                }
            }
            int statements = records.stream().mapToInt(List::size).sum();

            long start = System.nanoTime();
            List<CompletableFuture<Void>> pending = new ArrayList<>(records.size());
            for (List<BoundStatement> record : records) {
                pending.add(async.executeAll(record));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get();
            double writeSeconds = (System.nanoTime() - start) / 1e9;

            Random random = new Random(42);
            Histogram latency = new Histogram(60_000_000L, 3);
            for (int i = 0; i < reads + 1_000; i++) {
                String id = "bench-" + random.nextInt(conversations);
                long before = PAGE + 1 + random.nextInt(perConversation - PAGE);
                long t0 = System.nanoTime();
                HistoryPage page = repository.history(id, Direction.BEFORE, before, PAGE, Order.NEWEST_FIRST);
                long micros = (System.nanoTime() - t0) / 1_000;
                if (page.events().size() != PAGE) {
                    throw new IllegalStateException("page of " + page.events().size() + " before " + before + " in " + id);
                }
                if (i >= 1_000) { // the first thousand warm up the JIT, the driver and the server's caches
                    latency.recordValue(micros);
                }
            }

            System.out.printf("store benchmark: %d messages in %d conversations (%d-byte bodies), %d statements, %d in flight%n",
                    records.size(), conversations, bodyBytes, statements, inFlight);
            System.out.printf("writes: %.0f messages/s (%.0f statements/s) over %.1f s%n",
                    records.size() / writeSeconds, statements / writeSeconds, writeSeconds);
            System.out.printf("reads: %d history pages of %d, one at a time: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    latency.getTotalCount(), PAGE, latency.getValueAtPercentile(50) / 1e3,
                    latency.getValueAtPercentile(90) / 1e3, latency.getValueAtPercentile(99) / 1e3, latency.getMaxValue() / 1e3);
        }
    }
}
