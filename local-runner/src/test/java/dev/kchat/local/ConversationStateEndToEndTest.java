package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conversation state through real parts (broker, CQL server, sink, routing, fanout, presence,
 * ingress, edge) with real WebSocket devices: message status, read positions across devices,
 * presence, typing, edit and recall.
 */
class ConversationStateEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;
    private static LocalPlatform platform;

    @BeforeAll
    static void start() throws Exception {
        // Short presence timings so the test need not wait the production grace.
        platform = TestPlatforms.start(dataDir, Map.of(
                "presence.offline.grace", "1s",
                "presence.punctuate.interval", "200ms"));
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void shouldShowSentDeliveredReadToTheSenderAndClearUnreadOnTheReadersOtherDevices() throws Exception {
        // Given alice and bob, two devices each, in a direct chat
        String alice = token("alice");
        String bob = token("bob");
        WsDevice aPhone = WsDevice.connect(platform.edgeUrl(), alice, "alice", "a-phone", 0);
        WsDevice aLaptop = WsDevice.connect(platform.edgeUrl(), alice, "alice", "a-laptop", 0);
        WsDevice bPhone = WsDevice.connect(platform.edgeUrl(), bob, "bob", "b-phone", 0);
        WsDevice bLaptop = WsDevice.connect(platform.edgeUrl(), bob, "bob", "b-laptop", 0);
        String dm = request("POST", alice, "/v1/conversations", "{\"kind\":\"direct\",\"members\":[\"bob\"]}", 202)
                .get("conversation_id").asText();

        // When alice sends (sent: her own devices get the message back with its seq)
        request("POST", alice, "/v1/conversations/" + dm + "/messages", "{\"client_msg_id\":\"s1\",\"body\":\"status?\"}", 202);
        await().atMost(DEADLINE).until(() -> aPhone.messages(dm).contains("status?") && aLaptop.messages(dm).contains("status?"));
        long seq = aPhone.convSeqs(dm).get(aPhone.convSeqs(dm).size() - 1);

        // Then bob's devices acknowledge it and alice's devices see it delivered to bob
        for (WsDevice d : List.of(aPhone, aLaptop)) {
            await().atMost(DEADLINE).until(() -> hasItem(d, "MessageStatusChanged",
                    i -> i.path("status").asText().equals("DELIVERED") && i.path("by_user_id").asText().equals("bob")
                            && i.path("up_to_seq").asLong() == seq));
        }

        // And alice's message info says so (the sink stored bob's delivered position from that status)
        String info = "/v1/conversations/" + dm + "/messages/" + seq + "/receipts";
        await().atMost(DEADLINE).untilAsserted(() -> {
            JsonNode receipts = request("GET", alice, info, null, 200);
            assertThat(receipts.get("delivered").findValuesAsText("user_id")).containsExactly("bob");
            assertThat(receipts.get("delivered_per_member").asBoolean()).isTrue();
        });

        // When bob reads it on his phone
        bPhone.send("{\"type\":\"read\",\"conversation_id\":\"" + dm + "\",\"seq\":" + seq + "}");

        // Then alice's devices see it read, bob's laptop clears its badge, and the list says 0 unread
        for (WsDevice d : List.of(aPhone, aLaptop)) {
            await().atMost(DEADLINE).until(() -> hasItem(d, "MessageStatusChanged",
                    i -> i.path("status").asText().equals("READ") && i.path("up_to_seq").asLong() == seq));
        }
        await().atMost(DEADLINE).until(() -> hasItem(bLaptop, "ReadPositionChanged",
                i -> i.path("read_seq").asLong() == seq && i.path("unread").asLong() == 0));
        await().atMost(DEADLINE).untilAsserted(() -> {
            JsonNode list = request("GET", bob, "/v1/conversations", null, 200).get("conversations");
            JsonNode line = find(list, dm);
            assertThat(line.get("unread").asLong()).isZero();
            assertThat(line.get("read_seq").asLong()).isEqualTo(seq);
        });
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(
                request("GET", alice, info, null, 200).get("read").findValuesAsText("user_id")).containsExactly("bob"));
        List.of(aPhone, aLaptop, bPhone, bLaptop).forEach(WsDevice::close);
    }

    @Test
    void shouldGiveAGroupMessagesAuthorCountsLiveAndWhoReadItOnDemand() throws Exception {
        // Given kim's group with lee and max (groups get counts by default), lee's device online
        String kim = token("kim");
        WsDevice kPhone = WsDevice.connect(platform.edgeUrl(), kim, "kim", "k-phone", 0);
        WsDevice lPhone = WsDevice.connect(platform.edgeUrl(), token("lee"), "lee", "l-phone", 0);
        String group = request("POST", kim, "/v1/conversations", "{\"kind\":\"group\",\"name\":\"g\",\"members\":[\"lee\",\"max\"]}", 202)
                .get("conversation_id").asText();
        request("POST", kim, "/v1/conversations/" + group + "/messages", "{\"client_msg_id\":\"q1\",\"body\":\"who's in?\"}", 202);
        await().atMost(DEADLINE).until(() -> lPhone.messages(group).contains("who's in?"));
        long seq = lPhone.convSeqs(group).get(lPhone.convSeqs(group).size() - 1);

        // When lee reads it over HTTP
        request("POST", token("lee"), "/v1/conversations/" + group + "/read", "{\"seq\":" + seq + "}", 202);

        // Then kim's devices get counts (no per-reader status), and her message info names lee as the reader
        await().atMost(DEADLINE).until(() -> hasItem(kPhone, "MessageStatusChanged",
                i -> i.path("read_count").asInt() == 1 && !i.path("by_user_id").isTextual()));
        assertThat(hasItem(kPhone, "MessageStatusChanged", i -> i.path("by_user_id").isTextual())).isFalse();
        String info = "/v1/conversations/" + group + "/messages/" + seq + "/receipts";
        await().atMost(DEADLINE).untilAsserted(() -> {
            JsonNode receipts = request("GET", kim, info, null, 200);
            assertThat(receipts.get("read").findValuesAsText("user_id")).containsExactly("lee");
            assertThat(receipts.get("pending").findValuesAsText("user_id")).containsExactly("max");
            assertThat(receipts.get("delivered_per_member").asBoolean()).isFalse();
            assertThat(receipts.get("delivered_count").asInt()).isGreaterThanOrEqualTo(1);
        });
        // Only the author may ask
        assertThat(request("GET", token("lee"), info, null, 403).at("/error/code").asText()).isEqualTo("not_author");
        List.of(kPhone, lPhone).forEach(WsDevice::close);
    }

    @Test
    void shouldBringAJoinerTheChannelBroadcastsSequencedRightAfterTheirJoin() throws Exception {
        // Given a channel (always read-diffused: its events go to chat.broadcast, not to inboxes)
        // and hank, online but not a member
        String ivy = token("ivy");
        WsDevice hank = WsDevice.connect(platform.edgeUrl(), token("hank"), "hank", "h-phone", 0);
        await().atMost(DEADLINE).until(() -> !hank.framesOfType("ready").isEmpty());
        String channel = request("POST", ivy, "/v1/conversations", "{\"kind\":\"channel\",\"name\":\"news\",\"members\":[\"jill\"]}", 202)
                .get("conversation_id").asText();

        // When ivy adds hank and posts at once: the posts reach the edge on chat.broadcast one
        // transaction before hank's MemberJoined reaches his inbox
        request("POST", ivy, "/v1/conversations/" + channel + "/members", "{\"user_ids\":[\"hank\"]}", 202);
        for (int i = 1; i <= 3; i++) {
            request("POST", ivy, "/v1/conversations/" + channel + "/messages",
                    "{\"client_msg_id\":\"n" + i + "\",\"body\":\"news " + i + "\"}", 202);
        }

        // Then hank gets all three, once each, in seq order
        await().atMost(DEADLINE).until(() -> broadcastBodies(hank, channel).size() >= 3);
        Thread.sleep(500); // room for a duplicate to show up
        assertThat(broadcastBodies(hank, channel)).containsExactly("news 1", "news 2", "news 3");
        hank.close();
    }

    private static List<String> broadcastBodies(WsDevice device, String conversationId) {
        return device.framesOfType("broadcast").stream()
                .filter(f -> f.path("conversation_id").asText().equals(conversationId))
                .filter(f -> f.path("event").path("payload").path("type").asText().equals("MessagePosted"))
                .map(f -> f.path("event").path("payload").path("body").asText())
                .toList();
    }

    @Test
    void shouldTellSubscribersOnceWhenAUsersOnlyConnectionGoesAway() throws Exception {
        // Given carol, who has a direct chat with dave, watching him while he is offline
        request("POST", token("carol"), "/v1/conversations", "{\"kind\":\"direct\",\"members\":[\"dave\"]}", 202);
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(request("GET", token("carol"), "/v1/conversations", null, 200)
                .get("conversations").findValuesAsText("conversation_id")).contains("dm:carol:dave"));
        WsDevice carol = WsDevice.connect(platform.edgeUrl(), token("carol"), "carol", "c-phone", 0);
        await().atMost(DEADLINE).until(() -> !carol.framesOfType("ready").isEmpty());
        carol.send("{\"type\":\"subscribe_presence\",\"users\":[\"dave\"]}");
        await().atMost(DEADLINE).until(() -> presence(carol, "OFFLINE") >= 1);

        // When dave connects
        WsDevice dave = WsDevice.connect(platform.edgeUrl(), token("dave"), "dave", "d-phone", 0);

        // Then carol sees him online, and so does the HTTP API
        await().atMost(DEADLINE).until(() -> presence(carol, "ONLINE") == 1);
        assertThat(request("GET", token("carol"), "/v1/presence?users=dave", null, 200).at("/users/0/state").asText())
                .isEqualTo("ONLINE");

        // When his only connection goes away
        dave.close();

        // Then carol sees him offline once (after the grace), and the HTTP API agrees
        await().atMost(DEADLINE).until(() -> presence(carol, "OFFLINE") == 2);
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(
                request("GET", token("carol"), "/v1/presence?users=dave", null, 200).at("/users/0/state").asText())
                .isEqualTo("OFFLINE"));
        assertThat(presence(carol, "ONLINE")).as("no flapping").isEqualTo(1);
        carol.close();
    }

    @Test
    void shouldShowAStrangerOnlineToNobodyOverTheWebSocketOrHttp() throws Exception {
        // Given gus online, and hal, who shares no conversation with him
        WsDevice gus = WsDevice.connect(platform.edgeUrl(), token("gus"), "gus", "g-phone", 0);
        await().atMost(DEADLINE).until(() -> !gus.framesOfType("ready").isEmpty());
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(
                request("GET", token("gus"), "/v1/presence?users=gus", null, 200).at("/users/0/state").asText()).isEqualTo("ONLINE"));
        WsDevice hal = WsDevice.connect(platform.edgeUrl(), token("hal"), "hal", "h-phone", 0);
        await().atMost(DEADLINE).until(() -> !hal.framesOfType("ready").isEmpty());

        // When hal subscribes to gus (and to himself, as the marker that the answer is complete)
        hal.send("{\"type\":\"subscribe_presence\",\"users\":[\"gus\",\"hal\"]}");

        // Then gus is answered as never seen, hal as himself; HTTP agrees
        await().atMost(DEADLINE).until(() -> hal.framesOfType("presence").stream().anyMatch(f -> f.path("user_id").asText().equals("hal")));
        List<JsonNode> aboutGus = hal.framesOfType("presence").stream().filter(f -> f.path("user_id").asText().equals("gus")).toList();
        assertThat(aboutGus).singleElement().satisfies(f -> {
            assertThat(f.path("state").asText()).isEqualTo("OFFLINE");
            assertThat(f.path("devices_online").asInt()).isZero();
        });
        assertThat(request("GET", token("hal"), "/v1/presence?users=gus", null, 200).at("/users/0/state").asText()).isEqualTo("OFFLINE");
        gus.close();
        hal.close();
    }

    @Test
    void shouldBringEditsAndRecallsToEveryDeviceAndTheStoreAndTypingToTheOtherSide() throws Exception {
        // Given erin and frank in a group, one device each plus a second for erin
        String erin = token("erin");
        String frank = token("frank");
        WsDevice e1 = WsDevice.connect(platform.edgeUrl(), erin, "erin", "e1", 0);
        WsDevice e2 = WsDevice.connect(platform.edgeUrl(), erin, "erin", "e2", 0);
        WsDevice f1 = WsDevice.connect(platform.edgeUrl(), frank, "frank", "f1", 0);
        String group = request("POST", erin, "/v1/conversations", "{\"kind\":\"group\",\"name\":\"g\",\"members\":[\"frank\"]}", 202)
                .get("conversation_id").asText();
        await().atMost(DEADLINE).until(() -> !f1.convSeqs(group).isEmpty() && !e1.framesOfType("ready").isEmpty());
        request("POST", erin, "/v1/conversations/" + group + "/messages", "{\"client_msg_id\":\"m1\",\"body\":\"tpyo\"}", 202);
        await().atMost(DEADLINE).until(() -> f1.messages(group).contains("tpyo"));
        long seq = f1.convSeqs(group).get(f1.convSeqs(group).size() - 1);

        // When erin types, her other device does not hear it, frank does
        e1.send("{\"type\":\"typing\",\"conversation_id\":\"" + group + "\",\"typing\":true}");
        await().atMost(DEADLINE).until(() -> f1.framesOfType("typing").stream()
                .anyMatch(f -> f.path("user_id").asText().equals("erin") && f.path("typing").asBoolean()));
        assertThat(e2.framesOfType("typing")).isEmpty();

        // When erin edits, then recalls, the message
        request("PATCH", erin, "/v1/conversations/" + group + "/messages/" + seq, "{\"body\":\"typo\"}", 202);
        for (WsDevice d : List.of(e1, e2, f1)) {
            await().atMost(DEADLINE).until(() -> hasEvent(d, group, "MessageEdited", p -> p.path("body").asText().equals("typo")));
        }
        await().atMost(DEADLINE).untilAsserted(() -> {
            JsonNode event = storedEvent(erin, group, seq);
            assertThat(event.get("body").asText()).isEqualTo("typo");
            assertThat(event.get("status").asText()).isEqualTo("EDITED");
        });
        request("DELETE", erin, "/v1/conversations/" + group + "/messages/" + seq + "?mode=recall", null, 202);

        // Then every device and the store converge
        for (WsDevice d : List.of(e1, e2, f1)) {
            await().atMost(DEADLINE).until(() -> hasEvent(d, group, "MessageRecalled", p -> p.path("target_seq").asLong() == seq));
        }
        await().atMost(DEADLINE).untilAsserted(() -> {
            JsonNode event = storedEvent(frank, group, seq);
            assertThat(event.get("status").asText()).isEqualTo("RECALLED");
            assertThat(event.get("body").isNull()).isTrue();
        });

        // And a member other than the author cannot recall (refused by routing, nothing changes)
        request("POST", erin, "/v1/conversations/" + group + "/messages", "{\"client_msg_id\":\"m2\",\"body\":\"keep\"}", 202);
        await().atMost(DEADLINE).until(() -> f1.messages(group).contains("keep"));
        long keep = f1.convSeqs(group).get(f1.convSeqs(group).size() - 1);
        request("DELETE", frank, "/v1/conversations/" + group + "/messages/" + keep + "?mode=recall", null, 202);
        request("POST", erin, "/v1/conversations/" + group + "/messages", "{\"client_msg_id\":\"m3\",\"body\":\"after\"}", 202);
        await().atMost(DEADLINE).until(() -> f1.messages(group).contains("after"));
        assertThat(storedEvent(erin, group, keep).get("status").asText()).isEqualTo("POSTED");
        List.of(e1, e2, f1).forEach(WsDevice::close);
    }

    // ------------------------------------------------------------------ helpers

    private static String token(String user) {
        return platform.token(user, Duration.ofHours(1));
    }

    private static long presence(WsDevice d, String state) {
        return d.framesOfType("presence").stream().filter(f -> f.path("state").asText().equals(state)).count();
    }

    private static boolean hasItem(WsDevice d, String type, Predicate<JsonNode> match) {
        return d.framesOfType("event").stream().map(f -> f.path("entry").path("item"))
                .anyMatch(i -> i.path("type").asText().equals(type) && match.test(i));
    }

    private static boolean hasEvent(WsDevice d, String conversation, String payloadType, Predicate<JsonNode> match) {
        return d.framesOfType("event").stream().map(f -> f.path("entry").path("item"))
                .filter(i -> i.path("conversation_id").asText().equals(conversation))
                .map(i -> i.path("payload"))
                .anyMatch(p -> p.path("type").asText().equals(payloadType) && match.test(p));
    }

    private static JsonNode storedEvent(String token, String conversation, long seq) throws Exception {
        JsonNode page = request("GET", token, "/v1/conversations/" + conversation + "/messages?after=" + (seq - 1) + "&limit=1&order=oldest",
                null, 200);
        return page.get("events").get(0);
    }

    private static JsonNode find(JsonNode list, String conversationId) {
        for (JsonNode c : list) {
            if (c.get("conversation_id").asText().equals(conversationId)) {
                return c;
            }
        }
        throw new AssertionError("no " + conversationId + " in " + list);
    }

    private static JsonNode request(String method, String token, String path, String body, int status) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(platform.ingressUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token);
        HttpResponse<String> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s -> %s", method, path, response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

}
