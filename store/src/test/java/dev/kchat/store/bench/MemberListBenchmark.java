package dev.kchat.store.bench;

import static dev.kchat.store.bench.BenchArgs.intArg;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.ServerChannel;
import dev.kchat.events.common.ServerRole;
import dev.kchat.localcql.LocalCqlServer;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import dev.kchat.store.cql.Replication;
import dev.kchat.store.schema.Migrations;
import dev.kchat.store.servers.ServerRepository;
import dev.kchat.store.servers.ServerRows;
import dev.kchat.store.servers.ServerWriter;
import dev.kchat.store.write.AsyncWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/**
 * Member-list benchmark (not a test): stores a server of {@code --members} members (1% of them holding one
 * of five roles) through the sink's write path ({@link ServerWriter}), then reads random 100-member ranges
 * of the sorted member list ({@link ServerRepository#memberRange}, which reads and sorts every member row of
 * the server on each call), against a local CQL server it starts. Prints the write rate and the range-read
 * latency percentiles.
 *
 * <pre>
 * mvn -B -o -pl store test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.kchat.store.bench.MemberListBenchmark [-Dexec.args="--members 100000 --reads 20"]
 * </pre>
 */
public final class MemberListBenchmark {

    private static final String SERVER = "sv:00000000-0000-4000-8000-00000000be0c";
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

    private MemberListBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int members = intArg(args, "--members", 100_000);
        int reads = intArg(args, "--reads", 20);
        int inFlight = intArg(args, "--in-flight", 64);

        try (LocalCqlServer server = LocalCqlServer.startTemporary();
                CqlSession session = CqlSessions.connect(CqlConfig.local(server.contactPoint(), server.localDatacenter(), "bench"))) {
            Migrations.apply(session, "bench", Replication.simple(1));
            ServerWriter writer = new ServerWriter(session, "bench");
            AsyncWriter async = new AsyncWriter(session, inFlight);
            ServerRepository repository = new ServerRepository(session, "bench");

            List<List<BoundStatement>> records = new ArrayList<>();
            long seq = 0;
            records.add(writer.statementsFor(event(++seq, "owner", ServerCreated.newBuilder().setName("big").setOwnerId("owner")
                    .setEveryoneRole(ServerRole.newBuilder().setRoleId(SERVER).setName("@everyone").setPermissions(3136).setPosition(0).build())
                    .setDefaultChannel(ServerChannel.newBuilder().setChannelId(SERVER + ":c1").setName("general").setType(ChannelType.TEXT).build())
                    .build())));
            for (int r = 1; r <= 5; r++) {
                records.add(writer.statementsFor(event(++seq, "owner", RoleCreated.newBuilder().setRole(ServerRole.newBuilder()
                        .setRoleId(SERVER + ":r" + r).setName("role-" + r).setPermissions(0).setPosition(r).build()).build())));
            }
            for (int m = 0; m < members; m++) {
                String user = String.format("user-%06d", m);
                records.add(writer.statementsFor(event(++seq, user, ServerMemberJoined.newBuilder().setUserId(user).setInviteCode("bench").build())));
                if (m % 100 == 0) {
                    records.add(writer.statementsFor(event(++seq, "owner", RoleAssigned.newBuilder().setUserId(user)
                            .setRoleId(SERVER + ":r" + (1 + m / 100 % 5)).build())));
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
            Histogram latency = new Histogram(600_000_000L, 3);
            for (int i = 0; i < reads + 3; i++) {
                int offset = random.nextInt(members);
                long t0 = System.nanoTime();
                ServerRows.MemberRange range = repository.memberRange(SERVER, offset, 100);
                long micros = (System.nanoTime() - t0) / 1_000;
                if (range.total() != members + 1) {
                    throw new IllegalStateException("the list has " + range.total() + " members, not " + (members + 1));
                }
                if (i >= 3) { // three warm-ups
                    latency.recordValue(micros);
                }
            }
            System.out.printf("member list benchmark: %d members, %d log events, %d statements, %d in flight%n", members + 1,
                    records.size(), statements, inFlight);
            System.out.printf("writes: %.0f events/s (%.0f statements/s) over %.1f s%n", records.size() / writeSeconds,
                    statements / writeSeconds, writeSeconds);
            System.out.printf("reads: %d ranges of 100, one at a time: p50 %.0f ms, p90 %.0f ms, max %.0f ms%n", latency.getTotalCount(),
                    latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(90) / 1e3, latency.getMaxValue() / 1e3);
        }
    }

    private static ConversationEvent event(long seq, String actor, Object payload) {
        return ConversationEvent.newBuilder().setConversationId(SERVER).setSeq(seq).setEventId("e-" + seq).setActorId(actor)
                .setOccurredAt(T0.plusMillis(seq)).setPayload(payload).build();
    }
}
