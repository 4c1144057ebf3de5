package dev.kchat.routing;

import dev.kchat.streams.SortableKeys;

/**
 * Keys of the routing stores. {@code |} never occurs in user or conversation ids (see
 * {@code dev.kchat.schemas.Ids}), so the parts cannot run into each other; a client_msg_id may
 * contain it, which is harmless because it is always the last part. Numbers are zero-padded to 19
 * digits so that the byte order of the keys (RocksDB's order) is the numeric order: a conversation's
 * messages are a range in seq order.
 */
final class StoreKeys {

    static final char SEPARATOR = '|';

    private StoreKeys() {
    }

    static String member(String conversationId, String userId) {
        return conversationId + SEPARATOR + userId;
    }

    static String sent(String conversationId, String senderId, String clientMsgId) {
        return conversationId + SEPARATOR + senderId + SEPARATOR + clientMsgId;
    }

    static String message(String conversationId, long seq) {
        return conversationId + SEPARATOR + padded(seq);
    }

    /** A server's role: {@code server|role} (the @everyone role: {@code server|server}). */
    static String serverRole(String serverId, String roleId) {
        return serverId + SEPARATOR + roleId;
    }

    /** The prefix of every key of one server in a store keyed {@code server|...}. */
    static String serverPrefix(String serverId) {
        return serverId + SEPARATOR;
    }

    /** The prefix of every channel id of a server ({@code <server id>:c}). */
    static String channelPrefix(String serverId) {
        return serverId + ":c";
    }

    /** A channel's overwrite: {@code channel|ROLE|role} or {@code channel|MEMBER|user}. */
    static String overwrite(String channelId, String targetKind, String targetId) {
        return channelId + SEPARATOR + targetKind + SEPARATOR + targetId;
    }

    /** The prefix of a channel's overwrites. */
    static String overwritePrefix(String channelId) {
        return channelId + SEPARATOR;
    }

    /** A server's invite: {@code server|code} (codes are URL-safe: no separator). */
    static String invite(String serverId, String code) {
        return serverId + SEPARATOR + code;
    }

    static String padded(long n) {
        return SortableKeys.padded(n);
    }
}
