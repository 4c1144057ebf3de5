package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.kchat.local.PlatformClient.Answer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command outcomes through the real platform (broker, CQL server, sink, routing, fanout, ingress,
 * edge): every actor (owner, admin, member, removed member, stranger) times every action times
 * every conversation kind gets the decision routing made, over HTTP ({@code Prefer: wait}) and on
 * their WebSocket device ({@code accepted}/{@code rejected} frames carrying the request's ref),
 * and a rejected command writes nothing.
 */
class CommandOutcomesEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    static Path dataDir;
    private static LocalPlatform platform;
    private static PlatformClient client;

    @BeforeAll
    static void start() {
        // A short edit window, so one row can meet its end without waiting fifteen minutes.
        platform = TestPlatforms.start(dataDir, Map.of("routing.edit.window", "3s"));
        client = new PlatformClient(platform);
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    /** One command of the table and the answer its actor must get. */
    private record Row(String actor, String method, String path, String body, String ref, int status, String code) {
    }

    @Test
    void shouldAnswerEveryActorAndActionWithRoutingsDecisionOverHttpAndOnTheirDeviceAndWriteNothingWhenRejected() throws Exception {
        // Given: ola owns a group with ada (admin), max (member) and rex (removed); sam is a stranger;
        // ola also owns a channel with max and has a direct chat with max
        Map<String, WsDevice> devices = new LinkedHashMap<>();
        for (String user : List.of("ola", "ada", "max", "rex", "sam")) {
            devices.put(user, WsDevice.connect(platform.edgeUrl(), token(user), user, user + "-phone", 0));
        }
        String group = command("ola", "POST", "/v1/conversations", "{\"kind\":\"group\",\"name\":\"crew\",\"members\":[\"ada\",\"max\",\"rex\"]}",
                "setup-group").body().get("conversation_id").asText();
        command("ola", "PUT", "/v1/conversations/" + group + "/members/ada/role", "{\"role\":\"admin\"}", "setup-role");
        command("ola", "DELETE", "/v1/conversations/" + group + "/members/rex", null, "setup-remove");
        String channel = command("ola", "POST", "/v1/conversations", "{\"kind\":\"channel\",\"name\":\"news\",\"members\":[\"max\"]}",
                "setup-channel").body().get("conversation_id").asText();
        String direct = command("ola", "POST", "/v1/conversations", "{\"kind\":\"direct\",\"members\":[\"max\"]}", "setup-dm")
                .body().get("conversation_id").asText();
        long olaSeq = command("ola", "POST", "/v1/conversations/" + group + "/messages", "{\"client_msg_id\":\"ola-1\",\"body\":\"plan?\"}", null)
                .body().get("seq").asLong();
        long maxSeq = command("max", "POST", "/v1/conversations/" + group + "/messages", "{\"client_msg_id\":\"max-1\",\"body\":\"yes\"}", null)
                .body().get("seq").asLong();
        Instant editable = Instant.now().plusSeconds(4);
        await().atMost(DEADLINE).until(() -> Instant.now().isAfter(editable));

        String g = "/v1/conversations/" + group;
        List<Row> table = List.of(
                row("sam", "POST", g + "/messages", "{\"client_msg_id\":\"t-1\",\"body\":\"hi\"}", "t-1", 403, "not_a_member"),
                row("rex", "POST", g + "/messages", "{\"client_msg_id\":\"t-2\",\"body\":\"back?\"}", "t-2", 403, "not_a_member"),
                row("max", "POST", g + "/messages", "{\"client_msg_id\":\"t-3\",\"body\":\"re\",\"reply_to_seq\":9999}", "t-3", 422, "invalid_command"),
                row("max", "POST", g + "/members", "{\"user_ids\":[\"sam\"]}", "t-4", 403, "forbidden"),
                row("ada", "POST", g + "/members", "{\"user_ids\":[\"zoe\"]}", "t-5", 200, null),
                row("max", "DELETE", g + "/members/zoe", null, "t-6", 403, "forbidden"),
                row("ada", "DELETE", g + "/members/ola", null, "t-7", 403, "forbidden"),
                row("ada", "PUT", g + "/members/zoe/role", "{\"role\":\"admin\"}", "t-8", 403, "forbidden"),
                row("max", "PATCH", g, "{\"name\":\"mine\"}", "t-9", 403, "forbidden"),
                row("ada", "PATCH", g, "{\"name\":\"crew 2\"}", "t-10", 200, null),
                row("max", "PATCH", g + "/messages/" + olaSeq, "{\"body\":\"hacked\"}", "t-11", 403, "forbidden"),
                row("ola", "PATCH", g + "/messages/9999", "{\"body\":\"?\"}", "t-12", 404, "target_not_found"),
                row("ola", "PATCH", g + "/messages/" + olaSeq, "{\"body\":\"plan!\"}", "t-13", 422, "edit_window_expired"),
                row("max", "DELETE", g + "/messages/" + olaSeq + "?mode=recall", null, "t-14", 403, "forbidden"),
                row("max", "DELETE", g + "/messages/" + olaSeq, null, "t-15", 403, "forbidden"),
                row("ada", "DELETE", g + "/messages/" + maxSeq, null, "t-16", 200, null),
                row("rex", "POST", g + "/messages/" + olaSeq + "/reactions", "{\"emoji\":\"+1\"}", "t-17", 403, "not_a_member"),
                row("max", "POST", g + "/messages/9999/reactions", "{\"emoji\":\"+1\"}", "t-18", 404, "target_not_found"),
                row("max", "POST", g + "/messages/" + olaSeq + "/reactions", "{\"emoji\":\"+1\"}", "t-19", 200, null),
                row("ola", "DELETE", g + "/members/ola", null, "t-20", 403, "forbidden"),
                row("rex", "DELETE", g + "/members/max", null, "t-21", 403, "not_a_member"),
                row("sam", "PATCH", "/v1/conversations/g:nowhere", "{\"name\":\"x\"}", "t-22", 404, "conversation_not_found"),
                row("max", "POST", "/v1/conversations/" + channel + "/messages", "{\"client_msg_id\":\"t-23\",\"body\":\"me too\"}", "t-23", 403, "forbidden"),
                row("ola", "POST", "/v1/conversations/" + channel + "/messages", "{\"client_msg_id\":\"t-24\",\"body\":\"news\"}", "t-24", 201, null),
                row("max", "POST", "/v1/conversations/" + direct + "/members", "{\"user_ids\":[\"sam\"]}", "t-25", 403, "forbidden"),
                row("max", "POST", "/v1/conversations", "{\"kind\":\"direct\",\"members\":[\"ola\"]}", "t-26", 409, "conversation_exists"),
                row("max", "DELETE", "/v1/conversations/" + direct + "/members/max", null, "t-27", 403, "forbidden"));

        // When each actor sends its command and waits for the decision
        List<String> mismatches = new ArrayList<>();
        for (Row r : table) {
            Answer a = command(r.actor(), r.method(), r.path(), r.body(), r.path().endsWith("/messages") && r.method().equals("POST") ? null : r.ref());
            String got = a.status() + " " + (a.status() >= 400 ? a.body().at("/error/code").asText() : "accepted");
            String want = r.status() + " " + (r.code() == null ? "accepted" : r.code());
            if (!got.equals(want)) {
                mismatches.add(r.actor() + " " + r.method() + " " + r.path() + ": got " + got + ", want " + want);
            }
        }

        // Then HTTP answered every row as routing decided
        assertThat(mismatches).isEmpty();
        // And each actor's device got an accepted or rejected frame with the request's ref and code
        for (Row r : table) {
            WsDevice device = devices.get(r.actor());
            String type = r.code() == null ? "accepted" : "rejected";
            await(type + " frame for " + r.actor() + "'s " + r.ref()).atMost(DEADLINE).until(() -> outcome(device, r.ref())
                    .filter(f -> f.path("type").asText().equals(type))
                    .filter(f -> r.code() == null || f.path("code").asText().equals(r.code()))
                    .isPresent());
        }
        // And the rejected rows wrote nothing: a marker posted now gets the seq after the accepted rows
        // alone (seqs are gap-free: group 4 accepted rows after max's post, channel 1 after its creation,
        // the direct chat none)
        assertThat(marker("ola", group)).isEqualTo(maxSeq + 4 + 1);
        assertThat(marker("ola", channel)).isEqualTo(1 + 1 + 1);
        assertThat(marker("ola", direct)).isEqualTo(1 + 1);
        devices.values().forEach(WsDevice::close);
    }

    @Test
    void shouldTellADeviceThatWasOfflineTheOutcomeWhenItComesBackAndTheSendersOtherDevicesAtOnce() throws Exception {
        // Given kai's group; kai's laptop was connected, then went offline
        String group = command("kai", "POST", "/v1/conversations", "{\"kind\":\"group\",\"name\":\"k\",\"members\":[\"lia\"]}", "k-group")
                .body().get("conversation_id").asText();
        WsDevice laptop = WsDevice.connect(platform.edgeUrl(), token("lia"), "lia", "lia-laptop", 0);
        await().atMost(DEADLINE).until(() -> !laptop.convSeqs(group).isEmpty());
        long seen = laptop.lastInboxSeq();
        laptop.close();
        WsDevice phone = WsDevice.connect(platform.edgeUrl(), token("lia"), "lia", "lia-phone", seen);

        // When lia (a plain member) tries to rename the group over HTTP, without waiting
        Answer queued = command("lia", "PATCH", "/v1/conversations/" + group, "{\"name\":\"mine\"}", "lia-rename", false);
        assertThat(queued.status()).isEqualTo(202);

        // Then her phone learns it was refused, and so does her laptop when it reconnects with its SyncKey
        await().atMost(DEADLINE).until(() -> outcome(phone, "lia-rename").filter(f -> f.path("code").asText().equals("forbidden")).isPresent());
        WsDevice back = WsDevice.connect(platform.edgeUrl(), token("lia"), "lia", "lia-laptop", seen);
        await().atMost(DEADLINE).until(() -> outcome(back, "lia-rename").isPresent());
        JsonNode refused = outcome(back, "lia-rename").orElseThrow();
        assertThat(refused.path("type").asText()).isEqualTo("rejected");
        assertThat(refused.path("command_type").asText()).isEqualTo("RenameConversation");
        assertThat(refused.path("conversation_id").asText()).isEqualTo(group);
        phone.close();
        back.close();
    }

    @Test
    void shouldMakeOneGroupOfACreateRetriedWithTheSameIdempotencyKey() throws Exception {
        // When a create is sent twice with the same key (the first answer was lost)
        Answer first = command("nia", "POST", "/v1/conversations", "{\"kind\":\"group\",\"name\":\"once\",\"members\":[\"oli\"]}", "n-1");
        Answer retry = command("nia", "POST", "/v1/conversations", "{\"kind\":\"group\",\"name\":\"once\",\"members\":[\"oli\"]}", "n-1");

        // Then both name the same group, the retry as a duplicate, and nia is in one group only
        assertThat(first.status()).isEqualTo(201);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.body().get("conversation_id").asText()).isEqualTo(first.body().get("conversation_id").asText());
        assertThat(first.body().get("duplicate").asBoolean()).isFalse();
        assertThat(retry.body().get("duplicate").asBoolean()).isTrue();
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(
                request("GET", "nia", "/v1/conversations", null).body().get("conversations").findValuesAsText("conversation_id"))
                .containsExactly(first.body().get("conversation_id").asText()));
    }

    @Test
    void shouldRefuseAWebSocketReadByANonMemberOnTheirDevice() throws Exception {
        // Given a direct chat of pia and quy; raj is in neither
        String dm = command("pia", "POST", "/v1/conversations", "{\"kind\":\"direct\",\"members\":[\"quy\"]}", "p-dm")
                .body().get("conversation_id").asText();
        WsDevice raj = WsDevice.connect(platform.edgeUrl(), token("raj"), "raj", "raj-phone", 0);

        // When raj sends a read for it
        raj.send("{\"type\":\"read\",\"conversation_id\":\"" + dm + "\",\"seq\":1}");

        // Then his device is told it was refused
        await().atMost(DEADLINE).until(() -> raj.framesOfType("rejected").stream()
                .anyMatch(f -> f.path("command_type").asText().equals("ReadUpTo") && f.path("code").asText().equals("not_a_member")
                        && f.path("conversation_id").asText().equals(dm)));
        raj.close();
    }

    // ---------------------------------------------------------------- helpers

    private static Row row(String actor, String method, String path, String body, String ref, int status, String code) {
        return new Row(actor, method, path, body, ref, status, code);
    }

    /** The accepted or rejected frame a device got for the request {@code ref}, if any. */
    private static Optional<JsonNode> outcome(WsDevice device, String ref) {
        List<JsonNode> frames = new ArrayList<>(device.framesOfType("accepted"));
        frames.addAll(device.framesOfType("rejected"));
        return frames.stream().filter(f -> f.path("ref").asText().equals(ref)).findFirst();
    }

    /** Posts a marker message and returns the seq routing gave it. */
    private static long marker(String user, String conversationId) throws Exception {
        Answer posted = command(user, "POST", "/v1/conversations/" + conversationId + "/messages",
                "{\"client_msg_id\":\"marker-" + conversationId.hashCode() + "\",\"body\":\"marker\"}", null);
        assertThat(posted.status()).as("marker in %s: %s", conversationId, posted.body()).isEqualTo(201);
        return posted.body().get("seq").asLong();
    }

    private static Answer command(String user, String method, String path, String body, String requestId) throws Exception {
        return command(user, method, path, body, requestId, true);
    }

    private static Answer command(String user, String method, String path, String body, String requestId, boolean wait) throws Exception {
        Answer answer = client.call(user, method, path, body, wait, requestId);
        assertThat(answer.status()).as("%s %s -> %s: the decision, not the wait running out", method, path, answer.body())
                .isNotEqualTo(wait ? 202 : -1);
        return answer;
    }

    private static Answer request(String method, String token, String path, String body) throws Exception {
        return new Answer(200, client.expect(token, method, path, body, 200));
    }

    private static String token(String user) {
        return platform.token(user, Duration.ofHours(1));
    }
}
