package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.local.PlatformClient.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Servers and channels through the real platform (broker, CQL server, sink, routing, fanout, ingress):
 * a server is created, members join by invite, a role and a private channel visible to that role only;
 * a message there is in the history of the role's holders and of nobody else; a mention reaches the
 * inbox of a member who is not looking at the channel, with the channel's unread flag and mention count
 * until they read it; a kicked member loses the server and a banned one cannot come back.
 */
class ServersEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long VIEW_CHANNEL = 1L << 10;

    @RegisterExtension
    static final TestPlatforms.Running PLATFORM = TestPlatforms.running(Map.of());

    @Test
    void shouldRunAServerFromInvitesToRolesPrivateChannelsMentionsKicksAndBans() throws Exception {
        // Given: ana's server (its default channel and @everyone role come with it)
        String server = decided("ana", "POST", "/v1/servers", "{\"name\":\"Climbers\"}", 201).get("conversation_id").asText();
        JsonNode created = stored("ana", "/v1/servers/" + server, s -> s.get("channels").size() == 1);
        String general = created.get("default_channel_id").asText();
        assertThat(created.get("owner_id").asText()).isEqualTo("ana");

        // When: ana invites (at most 3 joins) and ben, cy and dee join with the code
        String code = decided("ana", "POST", "/v1/servers/" + server + "/invites", "{\"max_uses\":3}", 201).get("code").asText();
        for (String user : List.of("ben", "cy", "dee")) {
            await(user + " joining").atMost(DEADLINE).pollInterval(POLL)
                    .until(() -> decided(user, "POST", "/v1/invites/" + code + "/join", null), a -> a.status() == 201);
        }
        // Then: they are members, listed by the member list; a fourth join is refused (the invite is used up)
        JsonNode members = stored("ana", "/v1/servers/" + server + "/members?offset=0&limit=10", m -> m.get("total").asInt() == 4);
        assertThat(userIds(members.get("members"))).containsExactly("ana", "ben", "cy", "dee");
        // (refused by the door when the store shows the uses, else by routing: the same answer)
        Answer fourth = decided("eve", "POST", "/v1/invites/" + code + "/join", null);
        assertThat(fourth.status()).isEqualTo(410);
        assertThat(fourth.body().at("/error/code").asText()).isEqualTo("invite_exhausted");

        // When: ana makes a role "crew" for ben and a channel only the crew may view
        decided("ana", "POST", "/v1/servers/" + server + "/roles", "{\"name\":\"crew\",\"permissions\":0,\"mentionable\":true}", 201);
        String crew = idOf(stored("ana", "/v1/servers/" + server + "/roles", r -> idByName(r.get("roles"), "role_id", "crew") != null)
                .get("roles"), "role_id", "crew");
        decided("ana", "PUT", "/v1/servers/" + server + "/members/ben/roles/" + crew, null, 200);
        decided("ana", "POST", "/v1/servers/" + server + "/channels", "{\"name\":\"crew-only\"}", 201);
        String hidden = idOf(stored("ana", "/v1/servers/" + server + "/channels",
                c -> idByName(c.get("channels"), "channel_id", "crew-only") != null).get("channels"), "channel_id", "crew-only");
        decided("ana", "PUT", "/v1/servers/" + server + "/channels/" + hidden + "/overwrites/roles/" + server,
                "{\"allow\":0,\"deny\":" + VIEW_CHANNEL + "}", 200);
        decided("ana", "PUT", "/v1/servers/" + server + "/channels/" + hidden + "/overwrites/roles/" + crew,
                "{\"allow\":" + VIEW_CHANNEL + ",\"deny\":0}", 200);
        decided("ana", "POST", "/v1/conversations/" + hidden + "/messages", "{\"client_msg_id\":\"m-crew\",\"body\":\"meet at 6\"}", 201);

        // Then: ben (crew) reads it in the channel's history; cy neither sees the channel nor reads its history
        JsonNode bensHistory = stored("ben", "/v1/servers/" + server + "/channels/" + hidden + "/messages?order=oldest",
                h -> bodies(h).contains("meet at 6"));
        assertThat(bodies(bensHistory)).containsExactly("meet at 6");
        Answer cysHistory = call("cy", "GET", "/v1/servers/" + server + "/channels/" + hidden + "/messages", null);
        assertThat(cysHistory.status()).isEqualTo(404);
        assertThat(cysHistory.body().at("/error/code").asText()).isEqualTo("channel_not_found");
        assertThat(userIds(client().expect("cy", "GET", "/v1/servers/" + server + "/channels", null, 200).get("channels"), "channel_id"))
                .containsExactly(general);
        // and a send there by cy is refused by routing (she may not view it, so she may not send)
        Answer cySends = decided("cy", "POST", "/v1/conversations/" + hidden + "/messages", "{\"client_msg_id\":\"m-cy\",\"body\":\"hi\"}");
        assertThat(cySends.status()).isEqualTo(403);

        // When: ben mentions cy in #general while cy looks at nothing
        decided("ben", "POST", "/v1/conversations/" + general + "/messages",
                "{\"client_msg_id\":\"m-mention\",\"body\":\"@cy coming?\",\"mentions\":[\"cy\"]}", 201);

        // Then: the message is in cy's inbox as a mention, and #general is unread for her with one mention
        JsonNode mention = await("the mention in cy's inbox").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> mentionIn(client().expect("cy", "GET", "/v1/sync?since=0", null, 200), general), m -> m != null);
        assertThat(mention.at("/item/payload/body").asText()).isEqualTo("@cy coming?");
        assertThat(syncedMessagesOf(client().expect("dee", "GET", "/v1/sync?since=0", null, 200), general))
                .as("no inbox copy of a channel's message for members it does not mention").isEmpty();
        JsonNode cysGeneral = channel(stored("cy", "/v1/servers/" + server + "/channels",
                c -> channel(c, general).path("mention_count").asInt() == 1), general);
        assertThat(cysGeneral.get("unread").asBoolean()).isTrue();
        long seq = cysGeneral.get("last_seq").asLong();

        // When: cy reads #general
        client().expect("cy", "POST", "/v1/servers/" + server + "/channels/" + general + "/read", "{\"seq\":" + seq + "}", 202);

        // Then: neither unread nor mentioned any more
        JsonNode read = channel(stored("cy", "/v1/servers/" + server + "/channels",
                c -> !channel(c, general).path("unread").asBoolean(true)), general);
        assertThat(read.get("mention_count").asInt()).isZero();

        // When: ana kicks dee and bans cy
        decided("ana", "DELETE", "/v1/servers/" + server + "/members/dee", null, 200);
        decided("ana", "PUT", "/v1/servers/" + server + "/bans/cy", "{\"reason\":\"spam\"}", 200);

        // Then: neither has the server any more; cy's join with a new invite is refused, dee's is not
        stored("ana", "/v1/servers/" + server + "/members?limit=10", m -> userIds(m.get("members")).equals(List.of("ben", "ana")));
        await("dee losing the server").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> call("dee", "GET", "/v1/servers/" + server + "/channels/" + general + "/messages", null).status() == 404);
        stored("cy", "/v1/servers", mine -> mine.get("servers").isEmpty());
        String again = decided("ana", "POST", "/v1/servers/" + server + "/invites", "{}", 201).get("code").asText();
        Answer cyJoins = await("the new invite in the store").atMost(DEADLINE).pollInterval(POLL)
                .until(() -> decided("cy", "POST", "/v1/invites/" + again + "/join", null), a -> a.status() != 404);
        assertThat(cyJoins.status()).isEqualTo(403);
        assertThat(cyJoins.body().at("/error/code").asText()).isEqualTo("banned");
        assertThat(decided("dee", "POST", "/v1/invites/" + again + "/join", null).status()).as("a kick is no ban").isEqualTo(201);
    }

    /** A command answered with routing's decision, which must have {@code status}. */
    private static JsonNode decided(String user, String method, String path, String body, int status) throws Exception {
        Answer answer = decided(user, method, path, body);
        assertThat(answer.status()).as("%s %s as %s -> %s", method, path, user, answer.body()).isEqualTo(status);
        return answer.body();
    }

    private static Answer decided(String user, String method, String path, String body) throws Exception {
        return client().call(user, method, path, body, true, null);
    }

    private static Answer call(String user, String method, String path, String body) throws Exception {
        return client().call(user, method, path, body, false, null);
    }

    /** A read that the store answers once the sink has caught up: polled until {@code done} holds. */
    private static JsonNode stored(String user, String path, java.util.function.Predicate<JsonNode> done) {
        return await(path + " as " + user).atMost(DEADLINE).pollInterval(POLL)
                .until(() -> call(user, "GET", path, null), a -> a.status() == 200 && done.test(a.body())).body();
    }

    private static String idByName(JsonNode list, String idField, String name) {
        for (JsonNode n : list) {
            if (n.get("name").asText().equals(name)) {
                return n.get(idField).asText();
            }
        }
        return null;
    }

    private static String idOf(JsonNode list, String idField, String name) {
        String id = idByName(list, idField, name);
        assertThat(id).as(name + " in " + list).isNotNull();
        return id;
    }

    private static JsonNode channel(JsonNode channels, String channelId) {
        for (JsonNode c : channels.get("channels")) {
            if (c.get("channel_id").asText().equals(channelId)) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static List<String> userIds(JsonNode list) {
        return userIds(list, "user_id");
    }

    private static List<String> userIds(JsonNode list, String field) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.get(field).asText()));
        return out;
    }

    private static List<String> bodies(JsonNode history) {
        List<String> out = new ArrayList<>();
        history.get("events").forEach(e -> {
            if (e.path("event_type").asText().equals("MessagePosted")) {
                out.add(e.get("body").asText());
            }
        });
        return out;
    }

    /** The inbox entry carrying a message of the channel, or null. */
    private static JsonNode mentionIn(JsonNode sync, String channelId) {
        List<JsonNode> found = syncedMessagesOf(sync, channelId);
        return found.isEmpty() ? null : found.get(0);
    }

    private static List<JsonNode> syncedMessagesOf(JsonNode sync, String channelId) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : sync.get("entries")) {
            JsonNode item = e.path("item");
            if (item.path("type").asText().equals("ConversationEvent") && item.path("conversation_id").asText().equals(channelId)
                    && item.path("payload").path("type").asText().equals("MessagePosted")) {
                out.add(e);
            }
        }
        return out;
    }

    private static PlatformClient client() {
        return PLATFORM.client();
    }
}
