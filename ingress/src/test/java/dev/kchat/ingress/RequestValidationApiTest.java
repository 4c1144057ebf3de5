package dev.kchat.ingress;

import static dev.kchat.ingress.ApiClient.assertError;
import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.posted;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.ReadUpTo;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.ConversationKind;
import java.io.ByteArrayInputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the API refuses, over HTTP against the real ingress: seqs and limits that are not integers in
 * range, bodies whose values have the wrong JSON types, bodies over the size limit however they are
 * sent. Each refusal is a 400 or 413 with a machine code and produces nothing.
 */
class RequestValidationApiTest {

    private static final int BODY_LIMIT = 4_096;
    private static final String GROUP = "g-valid";
    /** Values that are not integers from 0 to 2^53 - 1 as the API reads them. */
    private static final List<String> NOT_INTEGERS_IN_RANGE = List.of("9223372036854775807", "9223372036854775808",
            "9007199254740992", "99999999999999999999999", "-1", "abc", "1.5", "1e3", "+5", " 5", "0x10", "٣", "5 ");

    private static TestIngress ingress;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        // alice sends hundreds of refused requests here: a refused request takes a send token too (the
        // limit is checked before validation), so the send limit is off for this class (RateLimitApiTest)
        ingress = TestIngress.start("ingress_validation", Map.of("limits.max.body.bytes", String.valueOf(BODY_LIMIT),
                "limits.rate.send.user", "off"));
        api = new ApiClient(TestIngress.SECRET, ingress::port);
        ingress.store(created(GROUP, ConversationKind.GROUP, "alice", "bob"),
                posted(GROUP, 2, "alice", "one"), posted(GROUP, 3, "bob", "two"), posted(GROUP, 4, "alice", "three"));
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
    }

    @Test
    void shouldAnswerHistoryAfterTheLargestLongWith400InsteadOfNeverAnswering() throws Exception {
        // When a client asks for history after 2^63 - 1 (a worker looped over buckets forever)
        JsonNode body = api.get("alice", "/v1/conversations/" + GROUP + "/messages?after=9223372036854775807", 400);

        // Then it is told what the parameter takes
        assertError(body, "invalid_parameter");
        assertThat(body.at("/error/message").asText()).startsWith("after must be an integer from 0 to 9007199254740991");
        // and the largest accepted seq reads an empty page, while ordinary pages are as before
        JsonNode edge = api.get("alice", "/v1/conversations/" + GROUP + "/messages?after=9007199254740991", 200);
        assertThat(edge.get("events")).isEmpty();
        assertThat(edge.get("has_more").asBoolean()).isFalse();
        assertThat(seqs(api.get("alice", "/v1/conversations/" + GROUP + "/messages?after=2&order=oldest", 200)))
                .containsExactly(3L, 4L);
    }

    @Test
    void shouldRefuseEverySeqAndLimitQueryParameterThatIsNotAnIntegerInRange() throws Exception {
        List<String> paths = List.of(
                "/v1/conversations/" + GROUP + "/messages?after=",
                "/v1/conversations/" + GROUP + "/messages?before=",
                "/v1/conversations/" + GROUP + "/messages?limit=",
                "/v1/sync?since=",
                "/v1/sync?limit=",
                "/v1/conversations?limit=",
                "/v1/conversations/" + GROUP + "/members?limit=");
        for (String path : paths) {
            for (String value : NOT_INTEGERS_IN_RANGE) {
                JsonNode body = api.get("alice", path + URLEncoder.encode(value, StandardCharsets.UTF_8), 400);
                assertError(body, "invalid_parameter");
            }
        }
        assertError(api.get("alice", "/v1/conversations/" + GROUP + "/messages?limit=0", 400), "invalid_parameter");
        assertError(api.get("alice", "/v1/sync?limit=0", 400), "invalid_parameter");
        assertError(api.get("alice", "/v1/conversations/" + GROUP + "/members?after=not%20a%20user", 400), "invalid_parameter");
    }

    @Test
    void shouldRefuseEverySeqPathParameterThatIsNotAnIntegerFrom1InRangeAndProduceNothing() throws Exception {
        String base = "/v1/conversations/" + GROUP + "/messages/";
        List<String> seqs = new ArrayList<>(NOT_INTEGERS_IN_RANGE);
        seqs.add("0");
        for (String raw : seqs) {
            String seq = URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
            assertError(api.get("alice", base + seq + "/receipts", 400), "invalid_parameter");
            assertError(api.call("alice", "PATCH", base + seq, "{\"body\":\"edited\"}", 400), "invalid_parameter");
            assertError(api.call("alice", "DELETE", base + seq, null, 400), "invalid_parameter");
            assertError(api.call("alice", "POST", base + seq + "/reactions", "{\"emoji\":\"👍\"}", 400), "invalid_parameter");
            assertError(api.call("alice", "DELETE", base + seq + "/reactions/x", null, 400), "invalid_parameter");
        }

        assertOnlyCommandIsTheMarker(GROUP, "after-bad-seqs");
    }

    @Test
    void shouldRefuseBodiesWithValuesOfTheWrongJsonTypeOrANullBodyAndProduceNothing() throws Exception {
        String conversation = "g-types";
        String messages = "/v1/conversations/" + conversation + "/messages";
        // A null body was a 500; "body": 42 was stored as "42"
        assertError(api.call("alice", "POST", messages, "null", 400), "invalid_field");
        for (String value : List.of("42", "true", "1.5", "[\"x\"]", "{\"t\":1}")) {
            JsonNode refused = api.call("alice", "POST", messages, "{\"client_msg_id\":\"k1\",\"body\":" + value + "}", 400);
            assertError(refused, "invalid_type");
            assertThat(refused.at("/error/message").asText()).isEqualTo("field 'body' must be a string");
        }
        assertError(api.call("alice", "POST", messages, "{\"client_msg_id\":1,\"body\":\"x\"}", 400), "invalid_type");
        assertError(api.call("alice", "POST", messages, "{\"client_msg_id\":\"k\",\"body\":\"x\",\"reply_to_seq\":\"2\"}", 400), "invalid_type");
        assertError(api.call("alice", "POST", messages, "{\"client_msg_id\":\"k\",\"body\":\"x\",\"mentions\":\"bob\"}", 400), "invalid_type");
        // Every other body of the API
        assertError(api.call("alice", "POST", "/v1/conversations", "null", 400), "invalid_field");
        assertError(api.call("alice", "POST", "/v1/conversations", "{\"kind\":\"group\",\"name\":5,\"members\":[\"bob\"]}", 400), "invalid_type");
        assertError(api.call("alice", "POST", "/v1/conversations/" + conversation + "/members", "{\"user_ids\":\"bob\"}", 400), "invalid_type");
        assertError(api.call("alice", "POST", "/v1/conversations/" + conversation + "/members", "{\"user_ids\":[7]}", 400), "invalid_type");
        assertError(api.call("alice", "PATCH", "/v1/conversations/" + conversation, "{\"name\":true}", 400), "invalid_type");
        assertError(api.call("alice", "PATCH", messages + "/2", "{\"body\":7}", 400), "invalid_type");
        assertError(api.call("alice", "POST", messages + "/2/reactions", "{\"emoji\":1}", 400), "invalid_type");
        assertError(api.call("alice", "PUT", "/v1/conversations/" + conversation + "/members/bob/role", "{\"role\":1}", 400), "invalid_type");

        assertOnlyCommandIsTheMarker(conversation, "after-bad-types");
    }

    @Test
    void shouldRefuseReadMarksWithSeqsOfTheWrongTypeOrOutOfRangeAndProduceNoReceipt() throws Exception {
        String read = "/v1/conversations/" + GROUP + "/read";
        assertError(api.call("alice", "POST", read, "null", 400), "invalid_field");
        assertError(api.call("alice", "POST", read, "{\"seq\":\"3\"}", 400), "invalid_type");
        assertError(api.call("alice", "POST", read, "{\"seq\":3.0}", 400), "invalid_type");
        assertError(api.call("alice", "POST", read, "{\"seq\":99999999999999999999}", 400), "invalid_field");
        assertError(api.call("alice", "POST", read, "{\"seq\":9007199254740992}", 400), "invalid_field");

        // Then the first receipt on the topic is the valid one that follows
        api.call("alice", "POST", read, "{\"seq\":3}", 202);
        List<Receipt> receipts = ingress.recordsUpTo(ingress.topics().receipts(), GROUP, r -> true);
        assertThat(receipts).hasSize(1);
        assertThat(((ReadUpTo) receipts.get(0).getReceipt()).getSeq()).isEqualTo(3L);
    }

    @Test
    void shouldAnswer413ToAChunkedBodyOverTheLimitAndStillTakeAChunkedBodyUnderIt() throws Exception {
        String conversation = "g-chunked";
        String messages = "/v1/conversations/" + conversation + "/messages";
        for (int size : new int[] {BODY_LIMIT + 1, 20 * BODY_LIMIT, 512 * 1024}) {
            // When a body over the limit comes without a length (Transfer-Encoding: chunked)
            String text = "{\"client_msg_id\":\"big\",\"body\":\"" + "x".repeat(size) + "\"}";
            HttpResponse<String> response = api.send("alice", "POST", messages, chunked(text));

            // Then it gets the error body (the connection used to be closed without an answer), on a
            // connection that stays open: the rest of the body was read, not left to reset it
            assertError(ApiClient.expect(response, 413, size + " bytes chunked"), "body_too_large");
            assertThat(response.headers().firstValue("Connection")).hasValue("keep-alive");
        }
        // A chunked body under the limit is read as before
        HttpResponse<String> small = api.send("alice", "POST", messages, chunked("{\"client_msg_id\":\"small\",\"body\":\"hi\"}"));
        ApiClient.expect(small, 202, "a small chunked body");

        List<ChatCommand> commands = ingress.recordsUpTo(ingress.topics().commands(), conversation, c -> true);
        assertThat(commands).hasSize(1);
        assertThat(((SendMessage) commands.get(0).getPayload()).getClientMsgId()).isEqualTo("small");
    }

    // ------------------------------------------------------------------ helpers

    /** Sends a valid message with {@code marker} and asserts it is the conversation's only command so far. */
    private static void assertOnlyCommandIsTheMarker(String conversationId, String marker) throws Exception {
        api.call("alice", "POST", "/v1/conversations/" + conversationId + "/messages",
                "{\"client_msg_id\":\"" + marker + "\",\"body\":\"valid\"}", 202);
        List<ChatCommand> commands = ingress.recordsUpTo(ingress.topics().commands(), conversationId,
                c -> c.getPayload() instanceof SendMessage s && marker.equals(s.getClientMsgId()));
        assertThat(commands).as("commands of %s", conversationId).hasSize(1);
    }

    /** A body without a declared length: the client sends it chunked. */
    private static HttpRequest.BodyPublisher chunked(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes));
    }

    private static List<Long> seqs(JsonNode page) {
        List<Long> out = new ArrayList<>();
        page.get("events").forEach(e -> out.add(e.get("seq").asLong()));
        return out;
    }
}
