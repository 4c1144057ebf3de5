package dev.kchat.store.read;

import java.util.List;

/**
 * Who of a conversation's current members has read and who has received one message, from the
 * positions the sink stores ({@link ReceiptsReader#receipts}). Members who joined after the message
 * are not counted (it was never theirs), nor is its author. Each member is in one list only, the
 * furthest: read, else delivered, else pending. Lists are ordered by user id.
 *
 * @param read           members whose read position reaches the message
 * @param delivered      members not in {@code read} whose stored delivered position reaches it; stored
 *                       only where fanout sends per-recipient statuses (see docs/storage.md), so
 *                       elsewhere a member who got the message but has not read it is in {@code pending}
 * @param pending        the other members counted
 * @param currentMembers every current member, the author and later joiners included
 * @param countsDelivered the delivered count of the last counts status the author was sent for this
 *                       message, null if none (conversations with per-recipient statuses get none)
 * @param countsRead     the read count of that status, null if none
 */
public record MessageReceipts(
        String conversationId,
        long seq,
        List<String> read,
        List<String> delivered,
        List<String> pending,
        int currentMembers,
        Integer countsDelivered,
        Integer countsRead) {

    public MessageReceipts {
        read = List.copyOf(read);
        delivered = List.copyOf(delivered);
        pending = List.copyOf(pending);
    }
}
