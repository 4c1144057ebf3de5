package dev.kchat.store.write;

import static dev.kchat.store.write.ChatRows.finish;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.OwnershipTransferred;
import dev.kchat.events.chat.RoleChanged;
import dev.kchat.events.common.Member;
import dev.kchat.events.common.MemberRole;
import java.util.ArrayList;
import java.util.List;

/**
 * The membership changes of one log event: joins (a created conversation's members included), leaves,
 * role changes and ownership transfers, to both {@code members_by_conversation} and
 * {@code conversations_by_user}. Pure apart from preparing its statements once.
 */
final class MembershipStatements {

    private final PreparedStatement memberJoined;
    private final PreparedStatement memberLeft;
    private final PreparedStatement memberRole;
    private final PreparedStatement userConversationJoined;
    private final PreparedStatement userConversationLeft;
    private final PreparedStatement userConversationRole;

    /** Prepares the statements against {@code keyspace}, which the migrations must have created. */
    MembershipStatements(CqlSession session, String keyspace) {
        String mb = keyspace + ".members_by_conversation";
        String cu = keyspace + ".conversations_by_user";
        memberJoined = session.prepare("UPDATE " + mb + " USING TIMESTAMP :ts"
                + " SET role = :role, active = true, joined_seq = :joined_seq, left_seq = null"
                + " WHERE conversation_id = :conversation_id AND user_id = :user_id");
        memberLeft = session.prepare("UPDATE " + mb + " USING TIMESTAMP :ts SET active = false, left_seq = :left_seq"
                + " WHERE conversation_id = :conversation_id AND user_id = :user_id");
        memberRole = session.prepare("UPDATE " + mb + " USING TIMESTAMP :ts SET role = :role"
                + " WHERE conversation_id = :conversation_id AND user_id = :user_id");
        userConversationJoined = session.prepare("UPDATE " + cu + " USING TIMESTAMP :ts"
                + " SET role = :role, active = true, joined_seq = :joined_seq, left_seq = null"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
        userConversationLeft = session.prepare("UPDATE " + cu + " USING TIMESTAMP :ts SET active = false, left_seq = :left_seq"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
        userConversationRole = session.prepare("UPDATE " + cu + " USING TIMESTAMP :ts SET role = :role"
                + " WHERE user_id = :user_id AND conversation_id = :conversation_id");
    }

    /** The membership rows one event's payload changes; none for a payload that changes no membership. */
    List<BoundStatement> statementsFor(String conversationId, long seq, Object payload) {
        List<BoundStatement> out = new ArrayList<>();
        long ts = WriteTimestamps.of(seq);
        List<Member> joined = payload instanceof ConversationCreated created ? created.getMembers()
                : payload instanceof MemberJoined memberJoinedEvent ? memberJoinedEvent.getMembers() : List.of();
        for (Member member : joined) {
            for (PreparedStatement ps : List.of(memberJoined, userConversationJoined)) {
                out.add(finish(ps.boundStatementBuilder()
                        .setLong("ts", ts)
                        .setString("conversation_id", conversationId)
                        .setString("user_id", member.getUserId())
                        .setString("role", member.getRole().name())
                        .setLong("joined_seq", seq)));
            }
        }
        if (payload instanceof MemberLeft left) {
            for (PreparedStatement ps : List.of(memberLeft, userConversationLeft)) {
                out.add(finish(ps.boundStatementBuilder()
                        .setLong("ts", ts)
                        .setString("conversation_id", conversationId)
                        .setString("user_id", left.getUserId())
                        .setLong("left_seq", seq)));
            }
        } else if (payload instanceof RoleChanged changed) {
            out.addAll(roleChange(conversationId, ts, changed.getUserId(), changed.getRole()));
        } else if (payload instanceof OwnershipTransferred transferred) {
            out.addAll(roleChange(conversationId, ts, transferred.getPreviousOwnerId(), MemberRole.ADMIN));
            out.addAll(roleChange(conversationId, ts, transferred.getNewOwnerId(), MemberRole.OWNER));
        }
        return out;
    }

    private List<BoundStatement> roleChange(String conversationId, long ts, String userId, MemberRole role) {
        List<BoundStatement> out = new ArrayList<>(2);
        for (PreparedStatement ps : List.of(memberRole, userConversationRole)) {
            out.add(finish(ps.boundStatementBuilder()
                    .setLong("ts", ts)
                    .setString("conversation_id", conversationId)
                    .setString("user_id", userId)
                    .setString("role", role.name())));
        }
        return out;
    }
}
