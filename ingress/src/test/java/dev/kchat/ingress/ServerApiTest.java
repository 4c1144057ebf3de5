package dev.kchat.ingress;

import static dev.kchat.ingress.ApiClient.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.events.chat.ChannelCreated;
import dev.kchat.events.chat.ChannelOverwriteSet;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.CreateInvite;
import dev.kchat.events.chat.InviteCreated;
import dev.kchat.events.chat.InviteRevoked;
import dev.kchat.events.chat.JoinServer;
import dev.kchat.events.chat.MemberBanned;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.events.common.ServerChannel;
import dev.kchat.events.common.ServerLeaveKind;
import dev.kchat.events.common.ServerRole;
import dev.kchat.servers.permissions.Permission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The servers API over HTTP against the real ingress, broker and CQL server: commands keyed by the server,
 * refusals with their codes and nothing produced, and reads (channels, history, member list, invites)
 * only for those the stored permission state lets see them.
 */
class ServerApiTest {

    private static final String SV = "sv:00000000-0000-4000-8000-0000000000aa";
    private static final String GENERAL = SV + ":c1";
    private static final String CREW = SV + ":c2";
    private static final String CREW_ROLE = SV + ":r1";
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

    private static TestIngress ingress;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        ingress = TestIngress.start("ingress_servers", Map.of());
        api = new ApiClient(TestIngress.SECRET, ingress::port);
        // ana's server: ben holds the crew role, the only one that may view #crew; cy is a member; dee was banned
        List<ConversationEvent> log = new ArrayList<>();
        long s = 0;
        log.add(event(SV, ++s, "ana", ServerCreated.newBuilder().setName("Climbers").setOwnerId("ana")
                .setEveryoneRole(ServerRole.newBuilder().setRoleId(SV).setName("@everyone").setPermissions(Permission.DEFAULT_EVERYONE)
                        .setPosition(0).build())
                .setDefaultChannel(channel(GENERAL, "general")).build()));
        log.add(event(SV, ++s, "ana", RoleCreated.newBuilder().setRole(ServerRole.newBuilder().setRoleId(CREW_ROLE).setName("crew")
                .setPermissions(0).setPosition(1).setMentionable(true).build()).build()));
        log.add(event(SV, ++s, "ana", ChannelCreated.newBuilder().setChannel(channel(CREW, "crew")).build()));
        log.add(event(SV, ++s, "ana", ChannelOverwriteSet.newBuilder().setChannelId(CREW).setTargetKind(OverwriteTarget.ROLE).setTargetId(SV)
                .setAllow(0).setDeny(Permission.VIEW_CHANNEL.bit()).build()));
        log.add(event(SV, ++s, "ana", ChannelOverwriteSet.newBuilder().setChannelId(CREW).setTargetKind(OverwriteTarget.ROLE)
                .setTargetId(CREW_ROLE).setAllow(Permission.VIEW_CHANNEL.bit()).setDeny(0).build()));
        log.add(event(SV, ++s, "ana", InviteCreated.newBuilder().setCode("open0001").build()));
        log.add(event(SV, ++s, "ana", InviteCreated.newBuilder().setCode("gone0001").build()));
        log.add(event(SV, ++s, "ana", InviteRevoked.newBuilder().setCode("gone0001").build()));
        for (String user : List.of("ben", "cy", "dee")) {
            log.add(event(SV, ++s, user, ServerMemberJoined.newBuilder().setUserId(user).setInviteCode("open0001").build()));
        }
        log.add(event(SV, ++s, "ana", RoleAssigned.newBuilder().setUserId("ben").setRoleId(CREW_ROLE).build()));
        log.add(event(SV, ++s, "ana", ServerMemberLeft.newBuilder().setUserId("dee").setKind(ServerLeaveKind.BANNED).setBy("ana").build()));
        log.add(event(SV, ++s, "ana", MemberBanned.newBuilder().setUserId("dee").build()));
        log.add(event(CREW, 1, "ana", MessagePosted.newBuilder().setMessageId("m1").setClientMsgId("c1").setBody("meet at 6").build()));
        ingress.storeServer(log.toArray(ConversationEvent[]::new));
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
    }

    @Test
    void shouldShowAPrivateChannelAndItsHistoryOnlyToThoseWhoMayViewIt() throws Exception {
        // ben holds crew: he sees both channels and reads #crew
        assertThat(ids(api.get("ben", "/v1/servers/" + SV + "/channels", 200).get("channels"), "channel_id")).containsExactly(GENERAL, CREW);
        JsonNode history = api.get("ben", "/v1/servers/" + SV + "/channels/" + CREW + "/messages", 200);
        assertThat(history.get("events").get(0).get("body").asText()).isEqualTo("meet at 6");

        // cy does not: the channel does not exist for her
        assertThat(ids(api.get("cy", "/v1/servers/" + SV + "/channels", 200).get("channels"), "channel_id")).containsExactly(GENERAL);
        assertError(api.get("cy", "/v1/servers/" + SV + "/channels/" + CREW + "/messages", 404), "channel_not_found");
        assertError(api.call("cy", "POST", "/v1/servers/" + SV + "/channels/" + CREW + "/read", "{\"seq\":1}", 404), "channel_not_found");

        // dee (banned) and eve (never a member) have no such server
        assertError(api.get("dee", "/v1/servers/" + SV, 404), "server_not_found");
        assertError(api.get("eve", "/v1/servers/" + SV + "/channels/" + GENERAL + "/messages", 404), "server_not_found");
        assertThat(api.get("dee", "/v1/servers", 200).get("servers")).isEmpty();
        assertThat(ids(api.get("cy", "/v1/servers", 200).get("servers"), "server_id")).containsExactly(SV);
    }

    @Test
    void shouldListMembersByHighestRoleThenIdInRanges() throws Exception {
        JsonNode first = api.get("cy", "/v1/servers/" + SV + "/members?offset=0&limit=2", 200);
        assertThat(ids(first.get("members"), "user_id")).containsExactly("ben", "ana");
        assertThat(first.get("total").asInt()).isEqualTo(3);
        assertThat(first.get("members").get(0).get("top_role_id").asText()).isEqualTo(CREW_ROLE);
        assertThat(first.get("members").get(0).get("presence").asText()).as("no presence app here: as for a user never seen").isEqualTo("OFFLINE");
        assertThat(ids(api.get("cy", "/v1/servers/" + SV + "/members?offset=2&limit=2", 200).get("members"), "user_id"))
                .containsExactly("cy");
        assertError(api.get("cy", "/v1/servers/" + SV + "/members?limit=201", 400), "invalid_parameter");
    }

    @Test
    void shouldRefuseJoinsTheStoreKnowsToBeUnusableAndKeyAGoodOneByTheServer() throws Exception {
        assertError(api.call("eve", "POST", "/v1/invites/nope0001/join", null, 404), "invite_not_found");
        assertError(api.call("eve", "POST", "/v1/invites/gone0001/join", null, 410), "invite_revoked");
        assertError(api.call("dee", "POST", "/v1/invites/open0001/join", null, 403), "banned");
        assertError(api.call("cy", "POST", "/v1/invites/open0001/join", null, 409), "already_member");
        assertError(api.call("eve", "POST", "/v1/invites/bad!code/join", null, 404), "invite_not_found");

        JsonNode joined = api.call("eve", "POST", "/v1/invites/open0001/join", null, 202);

        assertThat(joined.get("conversation_id").asText()).isEqualTo(SV);
        List<ChatCommand> produced = ingress.recordsUpTo(ingress.topics().commands(), SV,
                c -> c.getCommandId().equals(joined.get("command_id").asText()));
        assertThat(produced).as("nothing produced for the refusals").hasSize(1);
        assertThat(produced.get(0).getPayload()).isEqualTo(JoinServer.newBuilder().setInviteCode("open0001").build());
    }

    @Test
    void shouldKeyChannelMessagesAndServerCommandsByTheServerAndRefuseMalformedOnesWithNothingProduced() throws Exception {
        String key = "sv:00000000-0000-4000-8000-0000000000bb";
        // Refused: each with its code, nothing produced
        assertError(api.call("ana", "POST", "/v1/servers", "{\"name\":\"\"}", 400), "invalid_name");
        assertError(api.call("ana", "POST", "/v1/servers/" + key + "/roles", "{\"name\":\"x\",\"permissions\":4096}", 400),
                "invalid_permissions");
        assertError(api.call("ana", "PUT", "/v1/servers/" + key + "/channels/" + key + ":c1/overwrites/roles/" + key,
                "{\"allow\":1024,\"deny\":1024}", 400), "invalid_permissions");
        assertError(api.call("ana", "PUT", "/v1/servers/" + key + "/channels/" + SV + ":c1/overwrites/roles/" + key, "{}", 404),
                "channel_not_found");
        assertError(api.call("ana", "POST", "/v1/servers/not-a-server/channels", "{\"name\":\"x\"}", 404), "server_not_found");
        assertError(api.call("ana", "POST", "/v1/servers/" + key + "/channels", "{\"name\":\"x\",\"type\":\"voice\"}", 400), "invalid_field");
        assertError(api.call("ana", "POST", "/v1/conversations", "{\"kind\":\"server\",\"name\":\"x\",\"members\":[]}", 400), "invalid_field");
        assertError(api.call("ana", "POST", "/v1/conversations/g-other/messages",
                "{\"client_msg_id\":\"k0\",\"body\":\"hi\",\"mention_everyone\":true}", 400), "invalid_field");
        assertError(api.call("ana", "POST", "/v1/conversations/" + key + ":c1/messages",
                "{\"client_msg_id\":\"k0\",\"body\":\"hi\",\"mention_roles\":[\"" + SV + ":r1\"]}", 400), "invalid_field");

        // Accepted: an invite (its code in the answer) and a message in a channel with role and @everyone mentions
        JsonNode invite = api.call("ana", "POST", "/v1/servers/" + key + "/invites", "{\"max_uses\":5,\"max_age_seconds\":3600}", 202);
        JsonNode sent = api.call("ana", "POST", "/v1/conversations/" + key + ":c1/messages",
                "{\"client_msg_id\":\"k1\",\"body\":\"all of you\",\"mention_roles\":[\"" + key + ":r1\"],\"mention_everyone\":true}", 202);

        List<ChatCommand> produced = ingress.recordsUpTo(ingress.topics().commands(), key,
                c -> c.getCommandId().equals(sent.get("command_id").asText()));
        assertThat(produced).hasSize(2);
        CreateInvite created = (CreateInvite) produced.get(0).getPayload();
        assertThat(created.getCode()).isEqualTo(invite.get("code").asText()).matches("[A-Za-z0-9]{10}");
        assertThat(created.getMaxUses()).isEqualTo(5);
        assertThat(created.getExpiresAt()).isEqualTo(produced.get(0).getIssuedAt().plusSeconds(3600));
        SendMessage send = (SendMessage) produced.get(1).getPayload();
        assertThat(produced.get(1).getConversationId()).isEqualTo(key + ":c1");
        assertThat(send.getMentionRoles()).containsExactly(key + ":r1");
        assertThat(send.getMentionEveryone()).isTrue();
    }

    private static List<String> ids(JsonNode list, String field) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.get(field).asText()));
        return out;
    }

    private static ServerChannel channel(String id, String name) {
        return ServerChannel.newBuilder().setChannelId(id).setName(name).setType(ChannelType.TEXT).build();
    }

    private static ConversationEvent event(String conversation, long seq, String actor, Object payload) {
        return ConversationEvent.newBuilder().setConversationId(conversation).setSeq(seq).setEventId("e-" + conversation + "-" + seq)
                .setActorId(actor).setOccurredAt(T0.plusSeconds(seq)).setPayload(payload).build();
    }
}
