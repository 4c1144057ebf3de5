package dev.kchat.ingress;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.Limits;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.Parameters;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.schemas.json.EventJson;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.ConversationSummary;
import dev.kchat.store.read.HistoryPage;
import dev.kchat.store.read.HistoryReader;
import dev.kchat.store.read.MemberPage;
import dev.kchat.store.read.MessageReceipts;
import dev.kchat.store.read.ReceiptsReader;
import dev.kchat.store.read.StoredEvent;
import dev.kchat.store.read.StoredInboxEntry;
import dev.kchat.store.read.SyncPage;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalLong;

/**
 * The conversation reads of the API, from the store: history pages (a member who left sees history up
 * to the seq they left at), the conversation list, inbox sync, member pages and receipts on demand.
 */
final class ConversationReadRoutes implements Doors.RouteGroup {

    private static final String MESSAGE_POSTED = "MessagePosted";

    private final ChatRepository repository;
    private final ConversationAccess access;
    private final Topic<String, InboxEntry> inbox;
    private final Limits limits;
    private final IngressConfig.Receipts receiptQueries;

    ConversationReadRoutes(ChatRepository repository, ConversationAccess access, Topic<String, InboxEntry> inbox, Limits limits,
            IngressConfig.Receipts receiptQueries) {
        this.repository = repository;
        this.access = access;
        this.inbox = inbox;
        this.limits = limits;
        this.receiptQueries = receiptQueries;
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes.get("/v1/conversations/{id}/messages", doors.withoutBody("history", this::history))
                .get("/v1/conversations/{id}/messages/{seq}/receipts", doors.withoutBody("receipts", this::receipts))
                .get("/v1/conversations/{id}/members", doors.withoutBody("members", this::members))
                .get("/v1/conversations", doors.withoutBody("conversations", this::conversations))
                .get("/v1/sync", doors.withoutBody("sync", this::sync));
    }

    private void history(HttpServerExchange ex, Caller caller) {
        String conversationId = Parameters.pathParam(ex, "id");
        CommandFactory.requireConversation(conversationId);
        int limit = pageSize(ex);
        OptionalLong before = Parameters.longParam(ex, "before");
        OptionalLong after = Parameters.longParam(ex, "after");
        if (before.isPresent() && after.isPresent()) {
            throw ApiException.badRequest("invalid_parameter", "give before or after, not both");
        }
        HistoryReader.Order order = switch (Parameters.stringParam(ex, "order", "newest")) {
            case "newest" -> HistoryReader.Order.NEWEST_FIRST;
            case "oldest" -> HistoryReader.Order.OLDEST_FIRST;
            default -> throw ApiException.badRequest("invalid_parameter", "order must be newest or oldest");
        };
        ConversationSummary membership = access.membership(caller, conversationId);
        // A member who left sees history up to the seq they left at, nothing newer.
        long visibleUpTo = membership.active() ? Long.MAX_VALUE : membership.lastSeq();
        HistoryPage page;
        if (after.isPresent()) {
            page = repository.history(conversationId, HistoryReader.Direction.AFTER, after.getAsLong(), limit, order);
        } else {
            long from = Math.min(before.orElse(Long.MAX_VALUE), visibleUpTo == Long.MAX_VALUE ? Long.MAX_VALUE : visibleUpTo + 1);
            page = from == Long.MAX_VALUE
                    ? repository.latest(conversationId, limit, order)
                    : repository.history(conversationId, HistoryReader.Direction.BEFORE, from, limit, order);
        }
        ObjectNode body = ApiJson.JSON.createObjectNode().put("conversation_id", conversationId);
        ArrayNode events = body.putArray("events");
        boolean cut = false;
        for (StoredEvent e : page.events()) {
            if (e.seq() > visibleUpTo) {
                cut = true;
                continue;
            }
            events.add(eventJson(e));
        }
        body.put("has_more", page.hasMore() && !cut);
        ApiAnswers.json(ex, 200, body);
    }

    private void conversations(HttpServerExchange ex, Caller caller) {
        int limit = limit(ex, ChatRepository.MAX_CONVERSATIONS);
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode list = body.putArray("conversations");
        for (ConversationSummary c : repository.conversations(caller.userId(), limit)) {
            list.add(ApiJson.JSON.valueToTree(c));
        }
        ApiAnswers.json(ex, 200, body);
    }

    private void sync(HttpServerExchange ex, Caller caller) {
        long since = Parameters.longParam(ex, "since").orElse(0);
        SyncPage page = repository.sync(caller.userId(), since, pageSize(ex));
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode entries = body.putArray("entries");
        for (StoredInboxEntry e : page.entries()) {
            entries.add(EventJson.toJson(inbox.valueSerde().deserializer().deserialize(inbox.name(), bytes(e.entry()))));
        }
        body.put("latest_inbox_seq", page.latestInboxSeq()).put("has_more", page.hasMore());
        ApiAnswers.json(ex, 200, body);
    }

    /**
     * {@code GET /v1/conversations/{id}/members?after=&limit=}: current members, paged by user id; for
     * current members only (who joins after one leaves is none of one's business).
     */
    private void members(HttpServerExchange ex, Caller caller) {
        String conversationId = Parameters.pathParam(ex, "id");
        CommandFactory.requireConversation(conversationId);
        String after = Parameters.stringParam(ex, "after", "");
        if (!after.isEmpty() && !dev.kchat.schemas.Ids.isUserId(after)) {
            throw ApiException.badRequest("invalid_parameter", "after must be a user id (the next_after of the previous page)");
        }
        int limit = pageSize(ex);
        access.currentMembership(caller, conversationId);
        MemberPage page = repository.members(conversationId, after, limit);
        ObjectNode body = ApiJson.JSON.createObjectNode().put("conversation_id", conversationId);
        ArrayNode members = body.putArray("members");
        page.members().forEach(m -> members.addObject().put("user_id", m.userId()).put("role", m.role())
                .put("joined_seq", m.joinedSeq()));
        body.put("next_after", page.nextAfter());
        ApiAnswers.json(ex, 200, body);
    }

    /**
     * {@code GET /v1/conversations/{id}/messages/{seq}/receipts}: who read and who received one's own
     * message ("Message info"), from the positions the store keeps. Current members only, and only the
     * message's author: who read a message is the author's to know.
     */
    private void receipts(HttpServerExchange ex, Caller caller) {
        String conversationId = Parameters.pathParam(ex, "id");
        CommandFactory.requireConversation(conversationId);
        long seq = seqParam(ex);
        ConversationSummary membership = access.currentMembership(caller, conversationId);
        StoredEvent message = repository.event(conversationId, seq)
                .filter(e -> MESSAGE_POSTED.equals(e.eventType()))
                .orElseThrow(() -> ApiException.notFound("message_not_found",
                        "no message at seq " + seq + " in '" + conversationId + "'"));
        if (!caller.userId().equals(message.actorId())) {
            throw new ApiException(403, "not_author", "only the author of a message sees who read it");
        }
        MessageReceipts found;
        try {
            found = repository.receipts(conversationId, seq, caller.userId(), receiptQueries.maxMembers(),
                    receiptQueries.parallelism());
        } catch (ReceiptsReader.TooManyMembersException e) {
            throw new ApiException(422, "conversation_too_large", "receipts are answered for conversations of up to "
                    + e.limit() + " members; use the counts in MessageStatusChanged");
        }
        // Delivered positions are stored only where fanout sends per-recipient statuses.
        boolean deliveredPerMember = "DIRECT".equals(membership.kind()) || found.currentMembers() <= receiptQueries.perRecipientMax();
        int known = found.read().size() + found.delivered().size();
        ObjectNode body = ApiJson.JSON.createObjectNode().put("conversation_id", conversationId).put("seq", seq);
        userList(body.putArray("read"), found.read());
        userList(body.putArray("delivered"), found.delivered());
        userList(body.putArray("pending"), found.pending());
        body.put("delivered_per_member", deliveredPerMember)
                .put("read_count", found.read().size())
                .put("delivered_count", deliveredPerMember || found.countsDelivered() == null
                        ? known : Math.max(known, found.countsDelivered()));
        ApiAnswers.json(ex, 200, body);
    }

    private static void userList(ArrayNode into, List<String> userIds) {
        userIds.forEach(u -> into.addObject().put("user_id", u));
    }

    private static long seqParam(HttpServerExchange ex) {
        return Parameters.seqPathParam(ex, "seq");
    }

    private int pageSize(HttpServerExchange ex) {
        return limit(ex, limits.maxPageSize());
    }

    /** The {@code limit} parameter (50 when absent), at least 1, capped at {@code max}. */
    private static int limit(HttpServerExchange ex, int max) {
        long limit = Parameters.longParam(ex, "limit").orElse(50);
        if (limit < 1) {
            throw ApiException.badRequest("invalid_parameter", "limit must be at least 1");
        }
        return (int) Math.min(limit, max);
    }

    private static ObjectNode eventJson(StoredEvent e) {
        ObjectNode node = ApiJson.JSON.valueToTree(e);
        node.remove("event");
        return node;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
