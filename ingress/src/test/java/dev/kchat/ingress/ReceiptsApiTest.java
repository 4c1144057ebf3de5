package dev.kchat.ingress;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.joined;
import static dev.kchat.store.TestEvents.left;
import static dev.kchat.store.TestEvents.posted;
import static dev.kchat.store.TestEvents.readUpTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.api.auth.TokenMinter;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.DeliveryStatus;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessageStatusChanged;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.localkafka.KafkaBroker;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.store.TestEvents;
import dev.kchat.store.TestStore;
import dev.kchat.store.write.ChatWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/conversations/{id}/messages/{seq}/receipts} over HTTP against the real ingress: a real
 * Kafka broker (ingress needs one to start), the real CQL server, the store written by the sink's
 * {@link ChatWriter} as the sink would from the log and the inboxes.
 */
class ReceiptsApiTest {

    private static final String SECRET = "receipts-api-test-secret-of-at-least-32-bytes";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String GROUP = "g-team";
    private static final String DM = "dm:alice:bob";
    private static final String BIG = "g-big";

    private static KafkaBroker broker;
    private static IngressApp ingress;
    private static ChatWriter writer;
    private static TestEvents events;
    private static TokenMinter tokens;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.startTemporary();
        Topics topics = Topics.create(new InMemorySchemaRegistry(), 1, 1);
        broker.createTopics(topics);
        events = new TestEvents(topics);
        String keyspace = TestStore.newKeyspace("ingress_receipts");
        writer = new ChatWriter(TestStore.session(), keyspace);
        tokens = new TokenMinter(SECRET, null);
        ingress = IngressApp.start(IngressConfig.from(Settings.of(Map.of(
                "ingress.http.host", "127.0.0.1",
                "ingress.http.port", "0",
                "ingress.admin.port", "0",
                "ingress.worker.threads", "4",
                "kafka.bootstrap.servers", broker.bootstrapServers(),
                "auth.jwt.hs256.secret", SECRET,
                IngressConfig.RECEIPTS_MAX_MEMBERS, "6",
                IngressConfig.RECEIPTS_PARALLELISM, "2"))), topics, TestStore.session(), keyspace);

        // g-team: alice (owner), bob, carol, dave, frank; alice posts 2; erin joins at 3; frank leaves
        // at 4; bob posts 5. bob reads 2; alice was sent counts for 2 (a group gets counts by default)
        store(created(GROUP, ConversationKind.GROUP, "alice", "bob", "carol", "dave", "frank"),
                posted(GROUP, 2, "alice", "lunch?"),
                joined(GROUP, 3, "alice", "erin"),
                left(GROUP, 4, "frank"),
                posted(GROUP, 5, "bob", "yes"));
        store(readUpTo("bob", 1, GROUP, 2, 3), status("alice", 1, GROUP, 2, null, 3, 1));
        // alice and bob: bob's device got 2 (a per-recipient status to alice)
        store(created(DM, ConversationKind.DIRECT, "alice", "bob"), posted(DM, 2, "alice", "hi bob"));
        store(status("alice", 2, DM, 2, "bob", 0, 0));
        // g-big: seven current members, one more than the limit of 6
        store(created(BIG, ConversationKind.GROUP, "alice", IntStream.rangeClosed(1, 6).mapToObj(i -> "m" + i)
                .toArray(String[]::new)), posted(BIG, 2, "alice", "all hands"));
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldTellTheAuthorOfAGroupMessageWhoReadItAndHowManyGotIt() throws Exception {
        // When alice asks about her message 2 in the group
        JsonNode body = get("alice", "/v1/conversations/" + GROUP + "/messages/2/receipts", 200);

        // Then bob read it; carol and dave have not (per member, only "read" is stored in a group:
        // delivered comes as the count alice was sent); erin joined after it, frank left, alice wrote it
        assertThat(body.get("conversation_id").asText()).isEqualTo(GROUP);
        assertThat(body.get("seq").asLong()).isEqualTo(2);
        assertThat(users(body, "read")).containsExactly("bob");
        assertThat(users(body, "delivered")).isEmpty();
        assertThat(users(body, "pending")).containsExactly("carol", "dave");
        assertThat(body.get("delivered_per_member").asBoolean()).isFalse();
        assertThat(body.get("read_count").asInt()).isEqualTo(1);
        assertThat(body.get("delivered_count").asInt()).isEqualTo(3);
    }

    @Test
    void shouldTellTheAuthorOfADirectMessageThatItWasDeliveredThenRead() throws Exception {
        // When alice asks after bob's device got it
        JsonNode delivered = get("alice", "/v1/conversations/" + DM + "/messages/2/receipts", 200);

        // Then bob has it, per member (direct chats get per-recipient statuses)
        assertThat(users(delivered, "read")).isEmpty();
        assertThat(users(delivered, "delivered")).containsExactly("bob");
        assertThat(users(delivered, "pending")).isEmpty();
        assertThat(delivered.get("delivered_per_member").asBoolean()).isTrue();
        assertThat(delivered.get("delivered_count").asInt()).isEqualTo(1);

        // When bob reads it, then he is in the furthest list only
        store(readUpTo("bob", 3, DM, 2, 0));
        JsonNode read = get("alice", "/v1/conversations/" + DM + "/messages/2/receipts", 200);
        assertThat(users(read, "read")).containsExactly("bob");
        assertThat(users(read, "delivered")).isEmpty();
        assertThat(read.get("read_count").asInt()).isEqualTo(1);
        assertThat(read.get("delivered_count").asInt()).isEqualTo(1);
    }

    @Test
    void shouldRefuseEveryoneButTheAuthorWhoIsACurrentMember() throws Exception {
        String path = "/v1/conversations/" + GROUP + "/messages/2/receipts";
        // A member who is not the author (like WhatsApp's Message info: the author's alone)
        assertError(get("bob", path, 403), "not_author");
        assertError(get("erin", path, 403), "not_author");
        // A former member
        assertError(get("frank", path, 403), "not_a_member");
        // Never a member, or no such conversation: the same 404, so ids cannot be probed
        assertError(get("mallory", path, 404), "conversation_not_found");
        assertError(get("alice", "/v1/conversations/g-nope/messages/2/receipts", 404), "conversation_not_found");
        // No token
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertError(JSON.readTree(anonymous.body()), "missing_token");
    }

    @Test
    void shouldAnswer404ForWhatIsNotAMessageAnd400ForABadSeq() throws Exception {
        String base = "/v1/conversations/" + GROUP + "/messages/";
        assertError(get("alice", base + "3/receipts", 404), "message_not_found"); // erin's MemberJoined
        assertError(get("alice", base + "99/receipts", 404), "message_not_found");
        assertError(get("alice", base + "abc/receipts", 400), "invalid_parameter");
        assertError(get("alice", base + "0/receipts", 400), "invalid_parameter");
        assertError(get("alice", base + "-1/receipts", 400), "invalid_parameter");
    }

    @Test
    void shouldRefuseAConversationAboveTheMemberLimit() throws Exception {
        JsonNode body = get("alice", "/v1/conversations/" + BIG + "/messages/2/receipts", 422);
        assertError(body, "conversation_too_large");
        assertThat(body.at("/error/message").asText()).contains("up to 6 members");
    }

    // ------------------------------------------------------------------ helpers

    private static void store(ConversationEvent... log) {
        List<BoundStatement> statements = new ArrayList<>();
        for (ConversationEvent e : log) {
            statements.addAll(writer.statementsFor(e, events.bytes(e)));
        }
        TestStore.write(statements);
    }

    private static void store(InboxEntry... entries) {
        List<BoundStatement> statements = new ArrayList<>();
        for (InboxEntry e : entries) {
            statements.addAll(writer.statementsFor(e, events.bytes(e)));
        }
        TestStore.write(statements);
    }

    /** A status to an author: per recipient when {@code by} is set, else counts. */
    private static InboxEntry status(String author, long inboxSeq, String conversationId, long upTo, String by,
            int deliveredCount, int readCount) {
        MessageStatusChanged item = MessageStatusChanged.newBuilder().setConversationId(conversationId).setUpToSeq(upTo)
                .setStatus(readCount > 0 ? DeliveryStatus.READ : DeliveryStatus.DELIVERED).setByUserId(by)
                .setDeliveredCount(deliveredCount).setReadCount(readCount).build();
        return InboxEntry.newBuilder().setUserId(author).setInboxSeq(inboxSeq).setConversationId(conversationId)
                .setConvSeq(null).setCreatedAt(TestEvents.at(upTo)).setItem(item).build();
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + ingress.port() + path);
    }

    private static JsonNode get(String user, String path, int status) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + tokens.mint(user, Duration.ofMinutes(5))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s as %s -> %s", path, user, response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return JSON.readTree(response.body());
    }

    private static List<String> users(JsonNode body, String list) {
        List<String> out = new ArrayList<>();
        body.get(list).forEach(u -> out.add(u.get("user_id").asText()));
        return out;
    }

    private static void assertError(JsonNode body, String code) {
        assertThat(body.at("/error/code").asText()).as("%s", body).isEqualTo(code);
        assertThat(body.at("/error/message").asText()).isNotBlank();
    }
}
