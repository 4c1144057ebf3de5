package dev.kchat.routing;

/**
 * Keys of the routing stores. {@code |} never occurs in user or conversation ids (see
 * {@code dev.kchat.schemas.Ids}), so the parts cannot run into each other; a client_msg_id may
 * contain it, which is harmless because it is always the last part. Numbers are zero-padded to 19
 * digits so that the byte order of the keys (RocksDB's order) is the numeric order: the expiry
 * indexes are scanned as a range up to a cut-off time.
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

    /** Expiry index key: entries are ordered by time, then by the key they expire. */
    static String expiry(long epochMillis, String key) {
        return padded(Math.max(0, epochMillis)) + SEPARATOR + key;
    }

    /** Exclusive upper bound of the expiry keys whose time is at or before {@code epochMillis}. */
    static String expiryUpperBound(long epochMillis) {
        return padded(Math.max(0, epochMillis) + 1) + SEPARATOR;
    }

    static String padded(long n) {
        return String.format("%019d", n);
    }
}
