package dev.kchat.ingress;

import static dev.kchat.ingress.ApiClient.assertError;
import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.joined;
import static dev.kchat.store.TestEvents.left;
import static dev.kchat.store.TestEvents.posted;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.kchat.events.common.ConversationKind;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may read what: the member list and read marks are for current members; a former member reads
 * history up to the seq they left at; presence is for oneself and those who share a direct chat or a
 * group with the caller. Over HTTP against the real ingress and store; the presence app is a stub HTTP
 * server speaking its query API, which records whom it was asked about.
 */
class ReadAccessApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GROUP = "g-club";
    private static final String DM = "dm:alice:erin";
    private static final String CHANNEL = "c-town";

    private static HttpServer presenceApp;
    private static final List<String> askedAbout = new CopyOnWriteArrayList<>();
    private static TestIngress ingress;
    private static ApiClient api;

    @BeforeAll
    static void start() throws Exception {
        presenceApp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        presenceApp.createContext("/presence", exchange -> {
            // Everyone it is asked about is online
            String users = URLDecoder.decode(exchange.getRequestURI().getRawQuery().replaceFirst("^users=", ""), StandardCharsets.UTF_8);
            ObjectNode body = JSON.createObjectNode();
            ArrayNode list = body.putArray("users");
            for (String user : users.split(",")) {
                askedAbout.add(user);
                list.addObject().put("user_id", user).put("state", "ONLINE").put("last_active_at", "2026-11-23T10:00:00Z")
                        .put("devices_online", 1);
            }
            byte[] bytes = JSON.writeValueAsBytes(body);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        presenceApp.start();
        ingress = TestIngress.start("ingress_access",
                Map.of("ingress.presence.url", "http://127.0.0.1:" + presenceApp.getAddress().getPort()));
        api = new ApiClient(TestIngress.SECRET, ingress::port);

        // g-club: alice (owner), bob, carol; alice posts 2; carol leaves at 3; alice adds dave at 4; bob posts 5
        ingress.store(created(GROUP, ConversationKind.GROUP, "alice", "bob", "carol"),
                posted(GROUP, 2, "alice", "welcome"),
                left(GROUP, 3, "carol"),
                joined(GROUP, 4, "alice", "dave"),
                posted(GROUP, 5, "bob", "after carol left"));
        // alice and erin chat directly; alice and frank share only a channel
        ingress.store(created(DM, ConversationKind.DIRECT, "alice", "erin"));
        ingress.store(created(CHANNEL, ConversationKind.CHANNEL, "frank", "alice"));
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
        if (presenceApp != null) {
            presenceApp.stop(0);
        }
    }

    @Test
    void shouldListMembersToCurrentMembersOnly() throws Exception {
        String path = "/v1/conversations/" + GROUP + "/members";
        // A current member sees the current members
        assertThat(userIds(api.get("alice", path, 200).get("members"))).containsExactly("alice", "bob", "dave");
        // carol, who left, no longer does (she saw dave, added after she left)
        assertError(api.get("carol", path, 403), "not_a_member");
        // Never a member: the usual 404
        assertError(api.get("mallory", path, 404), "conversation_not_found");
    }

    @Test
    void shouldShowAFormerMemberHistoryUpToTheSeqTheyLeftAtOnly() throws Exception {
        String path = "/v1/conversations/" + GROUP + "/messages";
        assertThat(seqs(api.get("carol", path, 200))).containsExactly(3L, 2L, 1L);
        assertThat(seqs(api.get("carol", path + "?before=100", 200))).containsExactly(3L, 2L, 1L);
        JsonNode after = api.get("carol", path + "?after=1&order=oldest", 200);
        assertThat(seqs(after)).containsExactly(2L, 3L);
        assertThat(after.get("has_more").asBoolean()).isFalse();
        assertThat(seqs(api.get("alice", path, 200))).containsExactly(5L, 4L, 3L, 2L, 1L);
    }

    @Test
    void shouldRefuseReadMarksAndMessageInfoToAFormerMember() throws Exception {
        assertError(api.call("carol", "POST", "/v1/conversations/" + GROUP + "/read", "{\"seq\":2}", 403), "not_a_member");
        assertError(api.get("carol", "/v1/conversations/" + GROUP + "/messages/2/receipts", 403), "not_a_member");
    }

    @Test
    void shouldShowPresenceOnlyOfOneselfAndThoseWhoShareADirectChatOrAGroup() throws Exception {
        // When alice asks about everyone
        JsonNode body = api.get("alice", "/v1/presence?users=alice,bob,carol,dave,erin,frank,mallory,bob", 200);

        // Then herself, bob and dave (her group) and erin (her direct chat) are as the presence app says;
        // carol (left the group), frank (a channel only) and mallory (a stranger) read as never seen
        Map<String, JsonNode> users = byUser(body);
        assertThat(users.keySet()).containsExactly("alice", "bob", "carol", "dave", "erin", "frank", "mallory");
        for (String visible : List.of("alice", "bob", "dave", "erin")) {
            assertThat(users.get(visible).get("state").asText()).as(visible).isEqualTo("ONLINE");
            assertThat(users.get(visible).get("devices_online").asInt()).as(visible).isEqualTo(1);
        }
        for (String hidden : List.of("carol", "frank", "mallory")) {
            assertThat(users.get(hidden).get("state").asText()).as(hidden).isEqualTo("OFFLINE");
            assertThat(users.get(hidden).get("devices_online").asInt()).as(hidden).isZero();
            assertThat(users.get(hidden).get("last_active_at").isNull()).as(hidden).isTrue();
        }
        // and the presence app was never asked about the hidden ones
        assertThat(askedAbout).doesNotContain("carol", "frank", "mallory");

        // A stranger asking about alice learns nothing, and nobody is looked up
        int before = askedAbout.size();
        JsonNode stranger = api.get("mallory", "/v1/presence?users=alice", 200);
        assertThat(byUser(stranger).get("alice").get("state").asText()).isEqualTo("OFFLINE");
        assertThat(askedAbout).hasSize(before);
    }

    // ------------------------------------------------------------------ helpers

    private static List<String> userIds(JsonNode members) {
        List<String> out = new ArrayList<>();
        members.forEach(m -> out.add(m.get("user_id").asText()));
        return out;
    }

    private static List<Long> seqs(JsonNode page) {
        List<Long> out = new ArrayList<>();
        page.get("events").forEach(e -> out.add(e.get("seq").asLong()));
        return out;
    }

    private static Map<String, JsonNode> byUser(JsonNode body) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        body.get("users").forEach(u -> out.put(u.get("user_id").asText(), u));
        return out;
    }
}
