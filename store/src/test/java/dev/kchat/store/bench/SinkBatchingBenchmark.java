package dev.kchat.store.bench;

import static dev.kchat.store.bench.BenchArgs.intArg;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.localcql.LocalCqlServer;
import dev.kchat.store.TestEvents;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import dev.kchat.store.cql.Replication;
import dev.kchat.store.schema.Migrations;
import dev.kchat.store.write.AsyncWriter;
import dev.kchat.store.write.ChatWriter;
import dev.kchat.store.write.ReplicaSetBatcher;
import dev.kchat.store.write.ReplicaSets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * The sink's two ways of writing a polled batch, compared on the CPU the CQL server spends per record (not a
 * test): each record's statements on their own ({@code AsyncWriter.executeAll} per record, one batch per
 * partition), or the records' statements shared in batches per replica set ({@code executeGrouped}, the
 * sink's default). Starts a local CQL server; the records are a group chat's: per message its log event and an
 * inbox entry per member. They go in polls of {@code --poll} records, each awaited before the next like the
 * sink's, at {@code --rate} records per second (0: as fast as possible). The modes alternate in rounds after
 * a warm-up, on the same server; each round prints the server's CPU (its process's user + system time) per
 * record.
 *
 * <pre>
 * mvn -B -o -pl store test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.kchat.store.bench.SinkBatchingBenchmark [-Dexec.args="--rate 300 --poll 30 ..."]
 * </pre>
 */
public final class SinkBatchingBenchmark {

    /** Counts the requests of the per-record way: a record's statements batched per partition only. */
    private static final ReplicaSetBatcher PER_PARTITION = new ReplicaSetBatcher(s -> Optional.empty(),
            new ReplicaSetBatcher.Limits(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE));

    private SinkBatchingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = intArg(args, "--messages", 2_000);
        int members = intArg(args, "--members", 3);
        int conversations = intArg(args, "--conversations", 50);
        int poll = intArg(args, "--poll", 500);
        int rate = intArg(args, "--rate", 0);
        int rounds = intArg(args, "--rounds", 2);
        int bodyBytes = intArg(args, "--body-bytes", 200);

        try (LocalCqlServer server = LocalCqlServer.startTemporary();
                CqlSession session = CqlSessions.connect(CqlConfig.local(server.contactPoint(), server.localDatacenter(), "bench"))) {
            Migrations.apply(session, "bench", Replication.simple(1));
            ChatWriter writer = new ChatWriter(session, "bench");
            AsyncWriter async = new AsyncWriter(session, 64);
            ReplicaSetBatcher batcher = new ReplicaSetBatcher(new ReplicaSets(session), ReplicaSetBatcher.Limits.defaults());
            Workload workload = new Workload(writer, members, conversations, "x".repeat(bodyBytes));

            run("warm-up (per record)", server, workload.next(messages), poll, rate, async, null);
            run("warm-up (shared)", server, workload.next(messages), poll, rate, async, batcher);
            for (int round = 1; round <= rounds; round++) {
                run("round " + round + " per record", server, workload.next(messages), poll, rate, async, null);
                run("round " + round + " shared", server, workload.next(messages), poll, rate, async, batcher);
            }
        }
    }

    /** Writes {@code records} in polls, each awaited, and prints the server's CPU per record. */
    private static void run(String name, LocalCqlServer server, List<List<BoundStatement>> records, int poll, int rate,
            AsyncWriter async, ReplicaSetBatcher batcher) throws Exception {
        long requests = 0;
        Duration cpuBefore = serverCpu(server);
        long start = System.nanoTime();
        for (int from = 0; from < records.size(); from += poll) {
            List<List<BoundStatement>> polled = records.subList(from, Math.min(records.size(), from + poll));
            if (rate > 0) {
                LockSupport.parkNanos(start + (long) (from * 1e9 / rate) - System.nanoTime());
            }
            List<CompletableFuture<Void>> writes = new ArrayList<>(polled.size());
            if (batcher == null) {
                for (List<BoundStatement> record : polled) {
                    writes.add(async.executeAll(record));
                }
                requests += polled.stream().mapToLong(r -> PER_PARTITION.plan(List.of(r)).size()).sum();
            } else {
                writes.addAll(async.executeGrouped(polled, batcher));
                requests += batcher.plan(polled).size();
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture<?>[]::new)).get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuMs = serverCpu(server).minus(cpuBefore).toNanos() / 1e6;
        System.out.printf("%-24s %6d records in %5.1f s (%6.0f/s), %6d requests (%.2f per record), server CPU %7.0f ms"
                        + " = %.3f ms per record (%.2f cores)%n", name, records.size(), seconds, records.size() / seconds,
                requests, (double) requests / records.size(), cpuMs, cpuMs / records.size(), cpuMs / 1e3 / seconds);
    }

    private static Duration serverCpu(LocalCqlServer server) {
        return ProcessHandle.of(server.pid()).flatMap(p -> p.info().totalCpuDuration())
                .orElseThrow(() -> new IllegalStateException("no CPU time for the CQL server's process " + server.pid()));
    }

    /** Messages in group chats, each as its log record and one inbox record per member; every call new messages. */
    private static final class Workload {
        private final TestEvents events = new TestEvents();
        private final ChatWriter writer;
        private final int members;
        private final int conversations;
        private final String body;
        private final long[] seqs;
        private final long[][] inboxSeqs;

        Workload(ChatWriter writer, int members, int conversations, String body) {
            this.writer = writer;
            this.members = members;
            this.conversations = conversations;
            this.body = body;
            this.seqs = new long[conversations];
            this.inboxSeqs = new long[conversations][members];
        }

        List<List<BoundStatement>> next(int messages) {
            List<List<BoundStatement>> records = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                int c = i % conversations;
                String id = "bench-g" + c;
                long seq = ++seqs[c];
                ConversationEvent event = seq == 1
                        ? TestEvents.created(id, ConversationKind.GROUP, member(c, 0), otherMembers(c))
                        : TestEvents.posted(id, seq, member(c, (int) (seq % members)), body);
                records.add(writer.statementsFor(event, events.bytes(event)));
                for (int m = 0; m < members; m++) {
                    InboxEntry entry = TestEvents.delivered(member(c, m), ++inboxSeqs[c][m], event);
                    records.add(writer.statementsFor(entry, events.bytes(entry)));
                }
            }
            return records;
        }

        private String member(int conversation, int m) {
            return "bench-u" + conversation + "-" + m;
        }

        private String[] otherMembers(int conversation) {
            String[] out = new String[members - 1];
            for (int m = 1; m < members; m++) {
                out[m - 1] = member(conversation, m);
            }
            return out;
        }
    }
}
