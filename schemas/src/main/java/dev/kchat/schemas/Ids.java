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
 *   <li>Servers ({@code sv:<uuid>}), their channels ({@code <server id>:c<n>}) and roles
 *       ({@code <server id>:r<n>}, the {@code @everyone} role being the server id): every command
 *       and event of a server and its channels is keyed by the server id ({@link #routingKey}), so
 *       one routing task owns all of a server's state.</li>
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
    private static final String SERVER_PREFIX = "sv:";
    private static final char CHANNEL_MARK = 'c';
    private static final char ROLE_MARK = 'r';

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

    /** The message id of a send: a name-based UUID of (conversation, sender, client message id). */
    public static String messageId(String conversationId, String senderId, String clientMsgId) {
        return UUID.nameUUIDFromBytes((conversationId + '\u0000' + senderId + '\u0000' + clientMsgId)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The command id of a send; equal for retries, like the message id. */
    public static String sendCommandId(String conversationId, String senderId, String clientMsgId) {
        return "send:" + messageId(conversationId, senderId, clientMsgId);
    }

    /**
     * The server a creator's request makes ({@code sv:<uuid>}): the same for every retry of the
     * request, so a create retried after a timeout meets the server the first attempt made.
     */
    public static String serverFor(String creatorId, String requestId) {
        return SERVER_PREFIX + UUID.nameUUIDFromBytes(("server\u0000" + creatorId + '\u0000' + requestId)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** A new server id, for a create without a request id. */
    public static String newServer() {
        return SERVER_PREFIX + UUID.randomUUID();
    }

    /** The id of a server's n-th channel, {@code <server id>:c<n>} (n from routing's per-server counter). */
    public static String serverChannel(String serverId, long n) {
        return requireServer(serverId) + ":" + CHANNEL_MARK + n;
    }

    /**
     * The id of a server's n-th role, {@code <server id>:r<n>}. The {@code @everyone} role has no
     * number: its id is the server id (Discord's rule).
     */
    public static String serverRole(String serverId, long n) {
        return requireServer(serverId) + ":" + ROLE_MARK + n;
    }

    /** Whether the id is a server's own id ({@code sv:<uuid>}), not one of its channels. */
    public static boolean isServer(String id) {
        return id != null && id.startsWith(SERVER_PREFIX) && id.indexOf(':', SERVER_PREFIX.length()) < 0
                && id.length() > SERVER_PREFIX.length();
    }

    /** Whether the id is a channel of a server ({@code <server id>:c<n>}). */
    public static boolean isServerChannel(String id) {
        String server = serverOf(id);
        return server != null && id.length() > server.length() + 2 && id.charAt(server.length() + 1) == CHANNEL_MARK
                && digits(id, server.length() + 2);
    }

    /**
     * The server of a server id, a channel id or a role id ({@code sv:<uuid>} for
     * {@code sv:<uuid>:c3}); null for every other conversation.
     */
    public static String serverOf(String conversationId) {
        if (conversationId == null || !conversationId.startsWith(SERVER_PREFIX) || conversationId.length() == SERVER_PREFIX.length()) {
            return null;
        }
        int end = conversationId.indexOf(':', SERVER_PREFIX.length());
        return end < 0 ? conversationId : end == SERVER_PREFIX.length() ? null : conversationId.substring(0, end);
    }

    /**
     * The record key of a conversation on the conversation-keyed topics ({@code chat.commands},
     * {@code chat.conversation.log}, {@code chat.command.results}, {@code chat.receipts}): the server
     * id for a server and its channels, so one routing task owns a server's whole permission state;
     * the conversation id itself otherwise.
     */
    public static String routingKey(String conversationId) {
        String server = serverOf(conversationId);
        return server != null ? server : conversationId;
    }

    private static String requireServer(String serverId) {
        if (!isServer(serverId)) {
            throw new IllegalArgumentException("not a server id: " + serverId);
        }
        return serverId;
    }

    private static boolean digits(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return from < s.length();
    }
}
