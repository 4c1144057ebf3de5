package dev.kchat.edge.members;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.api.ApiJson;
import dev.kchat.edge.live.LiveSubscriber;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleUpdated;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.events.common.ServerLeaveKind;
import dev.kchat.events.common.ServerRole;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.specific.SpecificRecord;

/** Events of one server and a connection that keeps its frames, for the member-list tests. */
final class MemberListFixtures {

    static final String SERVER = "sv:guild";

    private MemberListFixtures() {
    }

    static ConversationEvent event(long seq, SpecificRecord payload) {
        return ConversationEvent.newBuilder().setConversationId(SERVER).setSeq(seq).setEventId("e-" + seq).setActorId("olga")
                .setOccurredAt(Instant.parse("2026-11-26T14:00:00Z")).setPayload(payload).build();
    }

    static ServerBroadcast broadcast(long seq, SpecificRecord payload) {
        return ServerBroadcast.newBuilder().setServerId(SERVER).setConversationId(SERVER).setSeq(seq).setEvent(event(seq, payload)).build();
    }

    static ServerMemberJoined joined(String userId) {
        return ServerMemberJoined.newBuilder().setUserId(userId).build();
    }

    static ServerMemberLeft left(String userId, ServerLeaveKind kind) {
        return ServerMemberLeft.newBuilder().setUserId(userId).setKind(kind).build();
    }

    static RoleAssigned assigned(String userId, String roleId) {
        return RoleAssigned.newBuilder().setUserId(userId).setRoleId(roleId).build();
    }

    static RoleUpdated moved(String roleId, int position) {
        return RoleUpdated.newBuilder().setRole(role(roleId, position)).build();
    }

    static ServerRole role(String roleId, int position) {
        return ServerRole.newBuilder().setRoleId(roleId).setName(roleId).setPermissions(0).setPosition(position).build();
    }

    /** A connection that keeps every frame it is sent, parsed. */
    static final class Recorder implements LiveSubscriber {
        private final String userId;
        private final List<JsonNode> frames = new CopyOnWriteArrayList<>();

        Recorder(String userId) {
            this.userId = userId;
        }

        @Override
        public String userId() {
            return userId;
        }

        @Override
        public void sendBroadcast(String conversationId, long seq, String frame) {
            sendLive(frame);
        }

        @Override
        public void sendLive(String frame) {
            try {
                frames.add(ApiJson.JSON.readTree(frame));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        List<JsonNode> ofType(String type) {
            return frames.stream().filter(f -> f.path("type").asText().equals(type)).toList();
        }

        List<JsonNode> frames() {
            return frames;
        }
    }
}
