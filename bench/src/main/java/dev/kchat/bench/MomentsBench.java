package dev.kchat.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.FriendRequested;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.moments.FriendIntents;
import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.store.cql.CqlConfig;
import dev.kchat.store.cql.CqlSessions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moments at one author's scale: a post by a user with {@code --friends} friends, and the time until
 * every friend's feed in the store shows it, for an author at the push threshold (one feed row per
 * friend: topology-moments, then the sink) and one friend above it (one outbox row the readers pull).
 * Then the read side ({@link MomentsFeedReads}): feed pages of a reader following many pulled authors.
 *
 * <p>The friendships are produced straight to {@code social.graph} as facts of both sides (origin
 * {@code DIRECT}, what the Moments app writes back for a checked intent), not through the HTTP API:
 * what is measured is the post, not 10,000 friend requests. The posts go through the API.
 */
public final class MomentsBench {

    private static final Logger log = LoggerFactory.getLogger(MomentsBench.class);
    static final String PUSH_AUTHOR = "push-author";
    static final String PULL_AUTHOR = "pull-author";
    /** Friend-feed reads in flight while polling. */
    private static final int READS_IN_FLIGHT = 128;

    private MomentsBench() {
    }

    static Args options() {
        return MomentsFeedReads.options(Harness.common(Args.describe("""
                MomentsBench: time until every friend's feed shows a post by an author with many friends (push at the
                threshold, pull above it), and feed page reads of a reader following many pulled authors.
                Usage: bin/bench moments --friends 5000 --authors 200"""))
                .option("friends", "5000", "friends of the pushing author (= moments.push.max.friends); the pulling author has one more")
                .option("give-up", "120s", "a post not in every friend's feed by then fails the run"));
    }

    public static void main(String[] argv) throws Exception {
        Args args = options().parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        int friends = args.integer("friends");
        List<String> set = new ArrayList<>(args.list("set"));
        set.add("moments.push.max.friends=" + friends);
        set.add("local.moderation=false");
        try (Harness h = Harness.start("moments", args.with("set", String.join(",", set)), 1)) {
            run(h, args, friends);
        }
    }

    private static void run(Harness h, Args args, int friends) throws Exception {
        Map<String, String> platform = h.platform.edgeSettings();
        CqlConfig cql = CqlConfig.fromSettings(Settings.of(platform));
        Topics topics = Topics.create(new HttpSchemaRegistryClient(h.platform.registryUrl()));
        ObjectNode out = h.resultHead();
        try (CqlSession session = CqlSessions.connect(cql)) {
            long t0 = System.nanoTime();
            befriend(h.platform.bootstrapServers(), topics.socialGraph(), PUSH_AUTHOR, friends);
            befriend(h.platform.bootstrapServers(), topics.socialGraph(), PULL_AUTHOR, friends + 1);
            awaitGraphApplied(h, session, cql.keyspace(), Duration.ofMinutes(10));
            out.put("graph_setup_s", (System.nanoTime() - t0) / 1e9);
            Duration giveUp = args.duration("give-up");
            ObjectNode push = timePush(h, session, cql.keyspace(), friends, giveUp);
            ObjectNode pull = timePull(h, session, cql.keyspace(), giveUp);
            out.set("push", push);
            out.set("pull", pull);
            ObjectNode reads = MomentsFeedReads.run(session, cql.keyspace(), args);
            out.set("feed_reads", reads);
            h.report(out, String.format("post by an author with %,d friends: push, in every feed after %s ms (p50 friend %s ms);"
                    + " pull (%,d friends), readable by all after %s ms; feed page of a reader of %s pulled + %s pushed authors: %s",
                    friends, push.get("all_ms").asText(), push.get("friend_p50_ms").asText(), friends + 1,
                    pull.get("all_ms").asText(), reads.get("pulled_authors").asText(), reads.get("pushed_authors").asText(),
                    reads.get("first_page").get("p99_ms").asText() + " ms p99 (first page)"));
        }
    }

    /** Both sides of {@code count} friendships of {@code author}, as facts, through one producer. */
    static void befriend(String bootstrap, Topic<String, SocialGraphEvent> graph, String author, int count) {
        try (KafkaProducer<String, SocialGraphEvent> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                graph.keySerde().serializer(), graph.valueSerde().serializer())) {
            Instant at = Instant.now();
            for (int i = 0; i < count; i++) {
                String friend = friend(i);
                producer.send(new ProducerRecord<>(graph.name(), author, fact(author, friend, at)));
                producer.send(new ProducerRecord<>(graph.name(), friend, fact(friend, author, at)));
            }
            // A request of the author's after the friendships, as an intent: the app answers it with a
            // mirror on the marker's side once it has applied everything before it on the author's partition.
            producer.send(new ProducerRecord<>(graph.name(), author,
                    FriendIntents.intent(author, marker(author), at.plusMillis(1), new FriendRequested(true, null))));
            producer.flush();
        }
    }

    /** Waits until the sink stored each author's marker request, which the app wrote after applying every friendship. */
    private static void awaitGraphApplied(Harness h, CqlSession session, String keyspace, Duration deadline) throws InterruptedException {
        PreparedStatement incoming = session.prepare("SELECT state FROM " + keyspace + ".moments_friends_by_user"
                + " WHERE user_id = ? AND other_user_id = ?");
        long end = System.nanoTime() + deadline.toNanos();
        for (String author : List.of(PUSH_AUTHOR, PULL_AUTHOR)) {
            while (session.execute(incoming.bind(marker(author), author)).one() == null) {
                if (System.nanoTime() > end) {
                    throw new IllegalStateException("the Moments app did not apply " + author + "'s friendships within " + deadline);
                }
                Thread.sleep(200);
            }
        }
        log.info("friend graph applied by topology-moments and stored");
    }

    /** Posts as the pushing author; polls every friend's newest feed row until each shows the post. */
    private static ObjectNode timePush(Harness h, CqlSession session, String keyspace, int friends, Duration giveUp) throws Exception {
        PreparedStatement newest = session.prepare("SELECT post_id FROM " + keyspace + ".moments_feed_by_user WHERE user_id = ? LIMIT 1");
        long t0 = System.nanoTime();
        String postId = post(h, PUSH_AUTHOR);
        long accepted = System.nanoTime();
        Set<String> waiting = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < friends; i++) {
            waiting.add(friend(i));
        }
        Histogram seen = LatencySummary.newHistogram();
        Semaphore inFlight = new Semaphore(READS_IN_FLIGHT);
        long end = t0 + giveUp.toNanos();
        int rounds = 0;
        while (!waiting.isEmpty()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException(waiting.size() + " friends' feeds lack the pushed post after " + giveUp);
            }
            rounds++;
            List<CompletableFuture<?>> round = new ArrayList<>();
            for (String friend : new HashSet<>(waiting)) {
                inFlight.acquire();
                round.add(session.executeAsync(newest.bind(friend)).toCompletableFuture().whenComplete((rs, e) -> {
                    inFlight.release();
                    var row = e == null ? rs.one() : null;
                    if (row != null && postId.equals(row.getString("post_id")) && waiting.remove(friend)) {
                        seen.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
                    }
                }));
            }
            CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).join();
        }
        long all = System.nanoTime() - t0;
        LatencySummary s = LatencySummary.of(seen);
        log.info("pushed post in all {} feeds after {} ms ({} polling rounds)", friends, all / 1_000_000, rounds);
        return Harness.JSON.createObjectNode().put("post_id", postId).put("friends", friends)
                .put("accepted_ms", (accepted - t0) / 1_000_000).put("all_ms", all / 1_000_000)
                .put("friend_p50_ms", s.json().get("p50_ms").asDouble()).put("polling_rounds", rounds);
    }

    /** Posts as the pulling author; the post is in every friend's feed once its outbox row is stored. */
    private static ObjectNode timePull(Harness h, CqlSession session, String keyspace, Duration giveUp) throws Exception {
        PreparedStatement outbox = session.prepare("SELECT post_id FROM " + keyspace + ".moments_outbox_by_author WHERE author_id = ? LIMIT 1");
        long t0 = System.nanoTime();
        String postId = post(h, PULL_AUTHOR);
        long accepted = System.nanoTime();
        while (true) {
            var row = session.execute(outbox.bind(PULL_AUTHOR)).one();
            if (row != null && postId.equals(row.getString("post_id"))) {
                break;
            }
            if (System.nanoTime() - t0 > giveUp.toNanos()) {
                throw new IllegalStateException("the pulled post is not in the outbox after " + giveUp);
            }
            Thread.sleep(5);
        }
        long all = System.nanoTime() - t0;
        // What readers see: a sample of friends' feeds through the API, each must hold the post now.
        int checked = 0;
        for (int i = 0; i < 20; i++) {
            JsonNode feed = get(h, friend(i * 250), "/v1/moments?limit=1");
            if (!postId.equals(feed.at("/posts/0/post_id").asText())) {
                throw new IllegalStateException("friend " + friend(i * 250) + " does not see the pulled post: " + feed);
            }
            checked++;
        }
        return Harness.JSON.createObjectNode().put("post_id", postId).put("accepted_ms", (accepted - t0) / 1_000_000)
                .put("all_ms", all / 1_000_000).put("feeds_checked_through_api", checked);
    }

    private static String post(Harness h, String author) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(h.platform.ingressUrl() + "/v1/moments"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + h.token(author))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"hello from " + author + "\"}")).build();
        HttpResponse<String> answer = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 202) {
            throw new IllegalStateException("post by " + author + " answered " + answer.statusCode() + " " + answer.body());
        }
        return Harness.JSON.readTree(answer.body()).get("post_id").asText();
    }

    private static JsonNode get(Harness h, String user, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(h.platform.ingressUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + h.token(user)).GET().build();
        return Harness.JSON.readTree(HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private static SocialGraphEvent fact(String user, String other, Instant at) {
        return SocialGraphEvent.newBuilder().setUserId(user).setOtherUserId(other).setAt(at).setEvent(new FriendAdded()).build();
    }

    static String friend(int i) {
        return String.format("f%05d", i);
    }

    private static String marker(String author) {
        return author + "-marker";
    }
}
