package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.local.PlatformClient.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Channel viewing at the edge through the real platform (broker, CQL server, sink, routing, fanout,
 * ingress, edge), with real WebSocket connections: the edge checks a {@code view_channel} against the
 * server's permissions as the store holds them, a channel's messages reach only the connections viewing
 * it (its typing reaches the other connections viewing it), and a permission taken away ends the view
 * before the channel's next message. Absence is shown by a marker posted after it in another channel of
 * the same server (one partition, one order).
 */
class ServerViewingEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long VIEW_CHANNEL = 1L << 10;

    @RegisterExtension
    static final TestPlatforms.Running PLATFORM = TestPlatforms.running(Map.of());

    private final List<WsDevice> devices = new ArrayList<>();

    @AfterEach
    void closeDevices() {
        devices.forEach(WsDevice::close);
    }

    @Test
    void shouldDeliverAChannelOnlyToItsPermittedViewersAndStopWhenThePermissionIsTaken() throws Exception {
        // Given: ana's server with ben and cy as members, a role "crew" held by ben, and a channel only the crew may view
        String server = decided("ana", "POST", "/v1/servers", "{\"name\":\"Lookouts\"}", 201).get("conversation_id").asText();
        String general = stored("ana", "/v1/servers/" + server, s -> s.path("channels").size() == 1).get("default_channel_id").asText();
        String code = decided("ana", "POST", "/v1/servers/" + server + "/invites", "{}", 201).get("code").asText();
        for (String user : List.of("ben", "cy")) {
            await(user + " joining").atMost(DEADLINE).pollInterval(POLL)
                    .until(() -> call(user, "POST", "/v1/invites/" + code + "/join", null, true), a -> a.status() == 201);
        }
        decided("ana", "POST", "/v1/servers/" + server + "/roles", "{\"name\":\"crew\",\"permissions\":0}", 201);
        String crew = idByName(stored("ana", "/v1/servers/" + server + "/roles",
                r -> idByName(r, "roles", "role_id", "crew") != null), "roles", "role_id", "crew");
        decided("ana", "PUT", "/v1/servers/" + server + "/members/ben/roles/" + crew, null, 200);
        decided("ana", "POST", "/v1/servers/" + server + "/channels", "{\"name\":\"crew-only\",\"position\":1}", 201);
        String hidden = idByName(stored("ana", "/v1/servers/" + server + "/channels",
                c -> idByName(c, "channels", "channel_id", "crew-only") != null), "channels", "channel_id", "crew-only");
        decided("ana", "PUT", "/v1/servers/" + server + "/channels/" + hidden + "/overwrites/roles/" + server,
                "{\"allow\":0,\"deny\":" + VIEW_CHANNEL + "}", 200);
        decided("ana", "PUT", "/v1/servers/" + server + "/channels/" + hidden + "/overwrites/roles/" + crew,
                "{\"allow\":" + VIEW_CHANNEL + ",\"deny\":0}", 200);
        // (the store has it all once ben sees the channel and cy does not: the edge reads the same tables)
        stored("ben", "/v1/servers/" + server + "/channels", c -> idByName(c, "channels", "channel_id", "crew-only") != null);
        stored("cy", "/v1/servers/" + server + "/channels", c -> c.path("channels").size() == 1);

        // When: ana's and ben's connections view the crew channel (ben's #general too), cy's views #general
        // and asks for the crew channel
        WsDevice ana = device("ana");
        WsDevice ben = device("ben");
        WsDevice cy = device("cy");
        view(ana, server, hidden, "v-ana");
        view(ben, server, hidden, "v-ben");
        view(ben, server, general, "v-ben-2");
        view(cy, server, general, "v-cy");
        view(cy, server, hidden, "v-cy-2");

        // Then: each allowed view is answered viewing; cy's view of the crew channel is refused forbidden
        awaitFrames(ana, "viewing", 1);
        awaitFrames(ben, "viewing", 2);
        awaitFrames(cy, "viewing", 1);
        JsonNode refused = await("cy's refusal").atMost(DEADLINE).pollInterval(POLL).until(() -> cy.framesOfType("error").stream()
                .filter(f -> f.path("ref").asText().equals("v-cy-2")).findFirst().orElse(null), f -> f != null);
        assertThat(refused.path("code").asText()).isEqualTo("forbidden");
        assertThat(refused.path("channel_id").asText()).isEqualTo(hidden);
        assertThat(ben.framesOfType("viewing")).extracting(f -> f.path("channel_id").asText()).containsExactlyInAnyOrder(hidden, general);

        // And typing in a channel reaches the other connections viewing it, and only a viewer may type there
        ben.send("{\"type\":\"typing\",\"conversation_id\":\"" + general + "\",\"typing\":true}");
        JsonNode typing = await("ben typing at cy").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> cy.framesOfType("typing").stream().findFirst().orElse(null), f -> f != null);
        assertThat(typing.path("user_id").asText()).isEqualTo("ben");
        assertThat(typing.path("conversation_id").asText()).isEqualTo(general);
        cy.send("{\"type\":\"typing\",\"conversation_id\":\"" + hidden + "\",\"typing\":true}");
        await("cy's typing refused").atMost(DEADLINE).pollInterval(POLL).until(() -> cy.framesOfType("error").stream()
                .anyMatch(f -> f.path("code").asText().equals("conversation_not_found")));

        // When: ana posts in the crew channel, then in #general
        post("ana", hidden, "plan");
        post("ana", general, "marker-1");

        // Then: the crew channel's message reaches ana's and ben's connections and not cy's, which got #general's after it
        await("the marker at cy").atMost(DEADLINE).pollInterval(POLL).until(() -> bodies(cy).contains("marker-1"));
        assertThat(bodies(cy)).containsExactly("marker-1");
        await("both messages at ben").atMost(DEADLINE).pollInterval(POLL).until(() -> bodies(ben).contains("marker-1"));
        assertThat(bodies(ben)).containsExactly("plan", "marker-1");
        await("the plan at ana").atMost(DEADLINE).pollInterval(POLL).until(() -> bodies(ana).contains("plan"));

        // When: ana takes the crew role from ben, then posts in the crew channel and in #general
        decided("ana", "DELETE", "/v1/servers/" + server + "/members/ben/roles/" + crew, null, 200);
        post("ana", hidden, "secret");
        post("ana", general, "marker-2");

        // Then: ben's connection is told its view of the crew channel ended, and gets #general's marker
        // but not the crew channel's message before it; ana's still gets it
        await("the marker at ben").atMost(DEADLINE).pollInterval(POLL).until(() -> bodies(ben).contains("marker-2"));
        assertThat(ben.framesOfType("unviewed")).extracting(f -> f.path("channel_id").asText() + " " + f.path("reason").asText())
                .containsExactly(hidden + " forbidden");
        assertThat(bodies(ben)).containsExactly("plan", "marker-1", "marker-2");
        await("the secret at ana").atMost(DEADLINE).pollInterval(POLL).until(() -> bodies(ana).contains("secret"));
        assertThat(bodies(ana)).containsExactly("plan", "secret");
    }

    @Test
    void shouldSendAMemberListRangeAndThenOnlyWhatChangedInIt() throws Exception {
        // Given: mia's server with nat as a member (no roles: the list is sorted by user id, mia, nat)
        String server = decided("mia", "POST", "/v1/servers", "{\"name\":\"Roster\"}", 201).get("conversation_id").asText();
        String code = decided("mia", "POST", "/v1/servers/" + server + "/invites", "{}", 201).get("code").asText();
        join("nat", code);
        // (the store has nat's membership once nat may read the server: the edge reads the list from the same tables)
        stored("nat", "/v1/servers/" + server, s -> true);

        // When: mia's connection subscribes to [0,99]
        WsDevice mia = device("mia");
        mia.send("{\"type\":\"subscribe_members\",\"server_id\":\"" + server + "\",\"ranges\":[[0,99]]}");

        // Then: the range at once, sorted, nat offline
        JsonNode list = await("mia's member_list").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> mia.framesOfType("member_list").stream().findFirst().orElse(null), f -> f != null);
        assertThat(list.path("server_id").asText()).isEqualTo(server);
        assertThat(list.path("total").asInt()).isEqualTo(2);
        assertThat(list.at("/ranges/0/offset").asInt()).isZero();
        assertThat(memberIds(list.at("/ranges/0"))).containsExactly("mia", "nat");
        assertThat(list.at("/ranges/0/members/1/presence").asText()).isEqualTo("offline");

        // When: nat comes online (opens a connection) and subscribes to [0,0] (mia alone)
        WsDevice nat = device("nat");
        nat.send("{\"type\":\"subscribe_members\",\"server_id\":\"" + server + "\",\"ranges\":[[0,0]]}");

        // Then: an update carrying nat's presence reaches mia
        await("nat online at mia").atMost(DEADLINE).pollInterval(POLL).until(() -> mia.framesOfType("member_list_update").stream()
                .flatMap(f -> stream(f.path("presence"))).anyMatch(p -> p.path("user_id").asText().equals("nat")
                        && p.path("presence").asText().equals("online")));
        awaitFrames(nat, "member_list", 1);

        // When: oli joins by invite (position 2: in mia's range, outside nat's), then mia gets a role (nat's range changes)
        join("oli", code);
        JsonNode resent = await("the range again at mia").atMost(DEADLINE).pollInterval(POLL).until(() -> mia.framesOfType(
                "member_list_update").stream().filter(f -> f.path("ranges").size() > 0).findFirst().orElse(null), f -> f != null);
        decided("mia", "POST", "/v1/servers/" + server + "/roles", "{\"name\":\"host\",\"permissions\":0}", 201);
        String host = idByName(stored("mia", "/v1/servers/" + server + "/roles",
                r -> idByName(r, "roles", "role_id", "host") != null), "roles", "role_id", "host");
        decided("mia", "PUT", "/v1/servers/" + server + "/members/mia/roles/" + host, null, 200);

        // Then: mia's range is sent again with oli in it
        assertThat(resent.path("total").asInt()).isEqualTo(3);
        assertThat(memberIds(resent.at("/ranges/0"))).containsExactly("mia", "nat", "oli");
        // And: nat's range is sent again with mia's role, and nat got nothing of oli before it (same partition, one order)
        JsonNode marker = await("mia's role at nat").atMost(DEADLINE).pollInterval(POLL).until(() -> nat.framesOfType(
                "member_list_update").stream().filter(f -> f.at("/ranges/0/members/0/top_role_id").asText().equals(host))
                .findFirst().orElse(null), f -> f != null);
        assertThat(memberIds(marker.at("/ranges/0"))).containsExactly("mia");
        assertThat(nat.framesOfType("member_list_update")).allSatisfy(f -> assertThat(f.toString()).doesNotContain("\"oli\""));
    }

    private void join(String user, String code) {
        await(user + " joining").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> call(user, "POST", "/v1/invites/" + code + "/join", null, true), a -> a.status() == 201);
    }

    private static List<String> memberIds(JsonNode range) {
        return stream(range.path("members")).map(m -> m.path("user_id").asText()).toList();
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }

    /** A connected device of the user, set up (ready). */
    private WsDevice device(String user) throws Exception {
        WsDevice d = WsDevice.connect(PLATFORM.platform().edgeUrl(), PLATFORM.platform().token(user, Duration.ofHours(1)), user,
                user + "-phone", 0);
        devices.add(d);
        awaitFrames(d, "ready", 1);
        return d;
    }

    private static void view(WsDevice d, String server, String channel, String ref) {
        d.send("{\"type\":\"view_channel\",\"server_id\":\"" + server + "\",\"channel_id\":\"" + channel
                + "\",\"client_msg_id\":\"" + ref + "\"}");
    }

    private static void awaitFrames(WsDevice d, String type, int count) {
        await(type + " frames").atMost(DEADLINE).pollInterval(POLL).until(() -> d.framesOfType(type).size() >= count);
    }

    private static void post(String user, String channel, String body) throws Exception {
        decided(user, "POST", "/v1/conversations/" + channel + "/messages",
                "{\"client_msg_id\":\"" + body + "\",\"body\":\"" + body + "\"}", 201);
    }

    /** The bodies of the messages the device got as broadcasts, in arrival order. */
    private static List<String> bodies(WsDevice d) {
        return d.framesOfType("broadcast").stream().filter(f -> f.at("/event/payload/type").asText().equals("MessagePosted"))
                .map(f -> f.at("/event/payload/body").asText()).toList();
    }

    private static JsonNode decided(String user, String method, String path, String body, int status) throws Exception {
        Answer answer = call(user, method, path, body, true);
        assertThat(answer.status()).as("%s %s as %s -> %s", method, path, user, answer.body()).isEqualTo(status);
        return answer.body();
    }

    private static Answer call(String user, String method, String path, String body, boolean waitForDecision) throws Exception {
        return PLATFORM.client().call(user, method, path, body, waitForDecision, null);
    }

    /** A read the store answers once the sink has caught up: polled until {@code done} holds. */
    private static JsonNode stored(String user, String path, Predicate<JsonNode> done) {
        return await(path + " as " + user).atMost(DEADLINE).pollInterval(POLL)
                .until(() -> call(user, "GET", path, null, false), a -> a.status() == 200 && done.test(a.body())).body();
    }

    /** The id of the element named {@code name} in the list {@code field} of {@code body}, or null. */
    private static String idByName(JsonNode body, String field, String idField, String name) {
        for (JsonNode n : body.path(field)) {
            if (n.path("name").asText().equals(name)) {
                return n.get(idField).asText();
            }
        }
        return null;
    }
}
