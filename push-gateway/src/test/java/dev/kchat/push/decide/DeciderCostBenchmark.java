package dev.kchat.push.decide;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.presence.SessionOpened;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushTokenRegistered;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.ErrorTopicHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The decider's cost per {@code chat.inbox} entry (a harness that prints figures, not a test): the
 * topology of {@link PushDeciderApp#buildTopology} under {@link TopologyTestDriver} with RocksDB
 * stores in a temporary directory, {@code --users} users each in {@code --conversations} groups,
 * every user with {@code --devices} push devices and, with {@code --connected}, a live session.
 * After {@code --warmup} entries (which also give every user an unread position per conversation)
 * it pipes {@code --entries} more, round-robin over the users: 80% messages by others, 10% the
 * user's own messages, 10% read positions. Prints ns per entry (wall and this thread's CPU, the
 * driver's own per-record work included), the process CPU per entry (RocksDB's and GC's threads
 * included), and the bytes (key + value) written to each changelog per entry; the driver commits
 * after every input record, so the record cache saves no write here (the running app's does for a
 * key written twice within a commit interval).
 *
 * <p>Without {@code --connected} and with devices, the wall clock moves {@code --tick-ms} per entry
 * so bursts flush (and the per-device rate limit drops most of them).
 *
 * <pre>
 * ./mvnw -B -o -q -pl push-gateway test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/pd-cp.txt -Dmdep.includeScope=test
 * java -cp push-gateway/target/test-classes:push-gateway/target/classes:$(cat /tmp/pd-cp.txt) \
 *     dev.kchat.push.decide.DeciderCostBenchmark --users 1000 --conversations 30 --devices 0 --entries 200000
 * </pre>
 */
public final class DeciderCostBenchmark {

    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private static final String APP_ID = "push-bench";

    private DeciderCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int users = intArg(args, "--users", 1_000);
        int conversations = intArg(args, "--conversations", 30);
        int devices = intArg(args, "--devices", 0);
        boolean connected = List.of(args).contains("--connected");
        int warmup = intArg(args, "--warmup", 50_000);
        int entries = intArg(args, "--entries", 200_000);
        int tickMs = intArg(args, "--tick-ms", 10);
        boolean moveClock = devices > 0 && !connected;

        Path stateDir = Files.createTempDirectory("push-bench");
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        DeciderConfig config = DeciderConfig.from(Settings.of(Map.of(
                DeciderConfig.KEYS.applicationId(), APP_ID,
                DeciderConfig.KEYS.stateDir(), stateDir.toString())));
        Properties props = ErrorTopicHandler.bind(PushDeciderApp.streamsConfig(config), topics);
        Random random = new Random(42);
        List<String> userIds = new ArrayList<>();
        List<List<String>> groups = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            userIds.add(String.format("u%06d", u));
            List<String> mine = new ArrayList<>();
            for (int c = 0; c < conversations; c++) {
                mine.add("g:" + new UUID(random.nextLong(), random.nextLong()));
            }
            groups.add(mine);
        }
        long[] inboxSeq = new long[users];
        long[][] convSeq = new long[users][conversations];
        Serializer<InboxEntry> entrySerializer = topics.inbox().valueSerde().serializer();
        List<byte[]> warm = encode(warmup, userIds, groups, inboxSeq, convSeq, random, entrySerializer);
        List<byte[]> measured = encode(entries, userIds, groups, inboxSeq, convSeq, random, entrySerializer);

        try (TopologyTestDriver driver = new TopologyTestDriver(PushDeciderApp.buildTopology(config, topics,
                new DeciderMetrics(new SimpleMeterRegistry())), props, T0)) {
            TestInputTopic<String, byte[]> inbox = driver.createInputTopic(Topics.INBOX, new StringSerializer(), new ByteArraySerializer());
            TestInputTopic<String, PushSettingsEvent> settings = driver.createInputTopic(Topics.PUSH_SETTINGS,
                    topics.pushSettings().keySerde().serializer(), topics.pushSettings().valueSerde().serializer());
            TestInputTopic<String, SessionEvent> sessions = driver.createInputTopic(Topics.PRESENCE_SESSIONS,
                    topics.presenceSessions().keySerde().serializer(), topics.presenceSessions().valueSerde().serializer());
            for (String user : userIds) {
                for (int d = 0; d < devices; d++) {
                    settings.pipeInput(user, PushSettingsEvent.newBuilder().setUserId(user).setAt(T0)
                            .setEvent(PushTokenRegistered.newBuilder().setDeviceId("device-" + d)
                                    .setPlatform(d % 2 == 0 ? PushPlatform.APNS : PushPlatform.FCM)
                                    .setToken(token(random, d % 2 == 0 ? 64 : 163)).setAppId("dev.kchat.app").build())
                            .build(), T0);
                }
                if (connected) {
                    sessions.pipeInput(user, SessionEvent.newBuilder().setUserId(user).setDeviceId("device-0")
                            .setSessionId(UUID.randomUUID().toString()).setEdgeId("edge-1").setAt(T0)
                            .setEvent(new SessionOpened("ios")).build(), T0);
                }
            }
            Changelogs changelogs = new Changelogs(driver);
            Clock clock = new Clock(driver, moveClock ? tickMs : 0);
            pipe(inbox, warm, userIds, clock, changelogs);
            changelogs.drain();
            changelogs.reset();

            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long process0 = os.getProcessCpuTime();
            long piped = pipe(inbox, measured, userIds, clock, changelogs);
            long cpu = threads.getCurrentThreadCpuTime() - cpu0 - changelogs.drainCpuNanos;
            long process = os.getProcessCpuTime() - process0 - changelogs.drainCpuNanos;
            changelogs.drain();

            System.out.printf("users %d, conversations %d, devices %d, %s, %d entries after %d warm-up%n", users, conversations, devices,
                    connected ? "connected" : moveClock ? "offline (clock +" + tickMs + " ms per entry)" : "offline", entries, warmup);
            System.out.printf("wall ns/entry %.0f, thread CPU ns/entry %.0f, process CPU ns/entry %.0f%n",
                    (double) piped / entries, (double) cpu / entries, (double) process / entries);
            long totalBytes = 0;
            long totalRecords = 0;
            for (Map.Entry<String, long[]> e : changelogs.byTopic.entrySet()) {
                System.out.printf("  %-40s %8.1f bytes/entry %6.3f records/entry%n", e.getKey(),
                        (double) e.getValue()[0] / entries, (double) e.getValue()[1] / entries);
                totalBytes += e.getValue()[0];
                totalRecords += e.getValue()[1];
            }
            System.out.printf("changelogs: %.1f bytes/entry, %.3f records/entry; push.requests: %d%n",
                    (double) totalBytes / entries, (double) totalRecords / entries, changelogs.requests);
        } finally {
            try (Stream<Path> walk = Files.walk(stateDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Pipes the entries round-robin over the users; returns the wall nanoseconds spent in the driver. */
    private static long pipe(TestInputTopic<String, byte[]> inbox, List<byte[]> values, List<String> userIds, Clock clock,
            Changelogs changelogs) {
        long spent = 0;
        for (int i = 0; i < values.size(); i++) {
            long t0 = System.nanoTime();
            inbox.pipeInput(userIds.get(i % userIds.size()), values.get(i), clock.now);
            clock.tick();
            spent += System.nanoTime() - t0;
            if (i % 1_000 == 999) {
                changelogs.drain();
            }
        }
        return spent;
    }

    private static List<byte[]> encode(int n, List<String> userIds, List<List<String>> groups, long[] inboxSeq, long[][] convSeq,
            Random random, Serializer<InboxEntry> serializer) {
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int u = i % userIds.size();
            String user = userIds.get(u);
            int c = random.nextInt(groups.get(u).size());
            String conversation = groups.get(u).get(c);
            int kind = random.nextInt(10);
            Object item;
            Long seq = null;
            if (kind == 0 && convSeq[u][c] > 0) {
                long read = convSeq[u][c];
                item = ReadPositionChanged.newBuilder().setConversationId(conversation).setReadSeq(read).setUnread(0).build();
            } else {
                seq = convSeq[u][c] += 1 + random.nextInt(9);
                String sender = kind == 1 ? user : userIds.get(random.nextInt(userIds.size()));
                item = ConversationEvent.newBuilder().setConversationId(conversation).setSeq(seq).setEventId(UUID.randomUUID().toString())
                        .setActorId(sender).setOccurredAt(T0)
                        .setPayload(MessagePosted.newBuilder().setMessageId(UUID.randomUUID().toString())
                                .setClientMsgId(UUID.randomUUID().toString()).setBody("a message of about fifty characters, like most are")
                                .build())
                        .build();
            }
            InboxEntry entry = InboxEntry.newBuilder().setUserId(user).setInboxSeq(++inboxSeq[u]).setConversationId(conversation)
                    .setConvSeq(seq).setCreatedAt(T0).setItem(item).build();
            out.add(serializer.serialize(Topics.INBOX, entry));
        }
        return out;
    }

    private static String token(Random random, int length) {
        StringBuilder s = new StringBuilder();
        while (s.length() < length) {
            s.append(Long.toHexString(random.nextLong()));
        }
        return s.substring(0, length);
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }

    /** The driver's wall clock and record time, moved a fixed step per entry (0: never). */
    private static final class Clock {
        private final TopologyTestDriver driver;
        private final Duration step;
        private Instant now = T0;

        Clock(TopologyTestDriver driver, long stepMs) {
            this.driver = driver;
            this.step = Duration.ofMillis(stepMs);
        }

        void tick() {
            if (!step.isZero()) {
                now = now.plus(step);
                driver.advanceWallClockTime(step);
            }
        }
    }

    /** Bytes and records the driver captured per changelog topic (read raw, key + value), and the push requests. */
    private static final class Changelogs {
        private final TopologyTestDriver driver;
        private final Map<String, long[]> byTopic = new TreeMap<>();
        private final Map<String, TestOutputTopic<byte[], byte[]>> outputs = new TreeMap<>();
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private long requests;
        private long drainCpuNanos;

        Changelogs(TopologyTestDriver driver) {
            this.driver = driver;
        }

        void drain() {
            long t0 = threads.getCurrentThreadCpuTime();
            Set<String> names = driver.producedTopicNames();
            for (String name : names) {
                TestOutputTopic<byte[], byte[]> out = outputs.computeIfAbsent(name,
                        n -> driver.createOutputTopic(n, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
                List<TestRecord<byte[], byte[]>> records = out.readRecordsToList();
                if (name.endsWith("-changelog")) {
                    long[] sums = byTopic.computeIfAbsent(name, n -> new long[2]);
                    for (TestRecord<byte[], byte[]> r : records) {
                        sums[0] += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                        sums[1]++;
                    }
                } else if (name.equals(Topics.PUSH_REQUESTS)) {
                    requests += records.size();
                }
            }
            drainCpuNanos += threads.getCurrentThreadCpuTime() - t0;
        }

        void reset() {
            byTopic.clear();
            requests = 0;
            drainCpuNanos = 0;
        }
    }
}
