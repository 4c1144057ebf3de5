package dev.kchat.schemas;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Identifier rules shared by every component, so ingress, edges and topologies agree on them.
 *
 * <ul>
 *   <li>User ids: 1-64 characters of {@code [A-Za-z0-9_.-]} (the JWT subject).</li>
 *   <li>Conversation ids: 1-128 characters of {@code [A-Za-z0-9_.:-]}. A direct chat's id is
 *       derived from its two members ({@link #directConversation}), so both sides find the same
 *       conversation and it cannot be created twice.</li>
 *   <li>Client message ids: 1-64 printable ASCII characters chosen by the client, unique per
 *       sender; the message id is derived from (conversation, sender, client message id), so a
 *       retried send is given the same id again.</li>
 * </ul>
 */
public final class Ids {

    public static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");
    public static final Pattern CONVERSATION_ID = Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");
    public static final Pattern CLIENT_MSG_ID = Pattern.compile("[\\x21-\\x7E]{1,64}");
    private static final String DIRECT_PREFIX = "dm:";

    private Ids() {
    }

    public static boolean isUserId(String s) {
        return s != null && USER_ID.matcher(s).matches();
    }

    public static boolean isConversationId(String s) {
        return s != null && CONVERSATION_ID.matcher(s).matches();
    }

    public static boolean isClientMsgId(String s) {
        return s != null && CLIENT_MSG_ID.matcher(s).matches();
    }

    /** The id of the direct chat between two users, the same whichever side asks. */
    public static String directConversation(String userA, String userB) {
        if (!isUserId(userA) || !isUserId(userB)) {
            throw new IllegalArgumentException("not user ids: " + userA + ", " + userB);
        }
        return userA.compareTo(userB) <= 0
                ? DIRECT_PREFIX + userA + ":" + userB
                : DIRECT_PREFIX + userB + ":" + userA;
    }

    public static boolean isDirectConversation(String conversationId) {
        return conversationId.startsWith(DIRECT_PREFIX);
    }

    /** A new group or channel id. */
    public static String newGroupConversation() {
        return "g:" + UUID.randomUUID();
    }

    /** The message id of a send: a name-based UUID of (conversation, sender, client message id). */
    /**
     * The group or channel a creator's request makes: the same for every retry of the request, so a
     * create retried after a timeout meets the conversation the first attempt made.
     */
    public static String groupConversationFor(String creatorId, String requestId) {
        return "g:" + UUID.nameUUIDFromBytes(("create\u0000" + creatorId + '\u0000' + requestId)
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The id of a command the client named with a request id ({@code kind} is a short name of the
     * command, e.g. {@code create}): every retry of the request carries the same id.
     */
    public static String requestCommandId(String kind, String conversationId, String senderId, String requestId) {
        return kind + ":" + messageId(conversationId, senderId, kind + '\u0000' + requestId);
    }

    public static String messageId(String conversationId, String senderId, String clientMsgId) {
        return UUID.nameUUIDFromBytes((conversationId + '\u0000' + senderId + '\u0000' + clientMsgId)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The command id of a send; equal for retries, like the message id. */
    public static String sendCommandId(String conversationId, String senderId, String clientMsgId) {
        return "send:" + messageId(conversationId, senderId, clientMsgId);
    }
}
