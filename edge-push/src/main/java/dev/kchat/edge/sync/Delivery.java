package dev.kchat.edge.sync;

/** A message of another user that reached a device: its conversation, seq and inbox entry. */
public record Delivery(String conversationId, long seq, long inboxSeq) {
}
