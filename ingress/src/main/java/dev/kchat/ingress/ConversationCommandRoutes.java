package dev.kchat.ingress;

import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.Limits;
import dev.kchat.api.ReceiptFactory;
import dev.kchat.api.RequestIds;
import dev.kchat.api.Requests;
import dev.kchat.api.TopicPublisher;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.Parameters;
import dev.kchat.events.chat.Receipt;
import dev.kchat.ingress.outcome.CommandAnswers;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.util.SameThreadExecutor;
import java.time.Clock;

/**
 * The conversation commands of the API: create, members, messages (send, edit, remove), reactions,
 * roles, rename, each validated into a command and produced ({@link CommandAnswers}: 202, or
 * routing's decision if the caller asked to wait); and the read marker, a ReadUpTo receipt.
 */
final class ConversationCommandRoutes implements Doors.RouteGroup {

    private final CommandFactory validation;
    private final CommandAnswers answers;
    private final TopicPublisher<Receipt> receipts;
    private final ConversationAccess access;
    private final Clock clock;
    private final Doors doors;

    /** @param doors how a failure of a send is answered (the routes are run by the doors {@link #register} is given) */
    ConversationCommandRoutes(Limits limits, CommandAnswers answers, TopicPublisher<Receipt> receipts, ConversationAccess access,
            Doors doors, Clock clock) {
        this.validation = new CommandFactory(limits);
        this.answers = answers;
        this.receipts = receipts;
        this.access = access;
        this.doors = doors;
        this.clock = clock;
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes
                .post("/v1/conversations", doors.withBody("create_conversation", (ex, caller, body) ->
                        accept(ex, validation.createConversation(caller, ApiJson.read(body, Requests.CreateConversation.class), clock.instant()))))
                .post("/v1/conversations/{id}/members", doors.withBody("add_members", (ex, caller, body) ->
                        accept(ex, validation.addMembers(caller, Parameters.pathParam(ex, "id"),
                                ApiJson.read(body, Requests.AddMembers.class), clock.instant()))))
                .delete("/v1/conversations/{id}/members/{user}", doors.withoutBody("remove_member", (ex, caller) ->
                        accept(ex, validation.removeMember(caller, Parameters.pathParam(ex, "id"),
                                Parameters.pathParam(ex, "user"), clock.instant()))))
                .post("/v1/conversations/{id}/messages", doors.withBody("send_message", (ex, caller, body) ->
                        accept(ex, validation.sendMessage(caller, Parameters.pathParam(ex, "id"),
                                ApiJson.read(body, Requests.SendMessage.class), clock.instant()))))
                .add("PATCH", "/v1/conversations/{id}/messages/{seq}", doors.withBody("edit_message", (ex, caller, body) ->
                        accept(ex, validation.editMessage(caller, Parameters.pathParam(ex, "id"), seqParam(ex),
                                ApiJson.read(body, Requests.EditMessage.class), clock.instant()))))
                .delete("/v1/conversations/{id}/messages/{seq}", doors.withoutBody("remove_message", (ex, caller) ->
                        accept(ex, validation.removeMessage(caller, Parameters.pathParam(ex, "id"), seqParam(ex),
                                Parameters.stringParam(ex, "mode", "delete"), clock.instant()))))
                .post("/v1/conversations/{id}/messages/{seq}/reactions", doors.withBody("react", (ex, caller, body) ->
                        accept(ex, validation.react(caller, Parameters.pathParam(ex, "id"), seqParam(ex),
                                ApiJson.read(body, Requests.React.class).emoji(), true, clock.instant()))))
                .delete("/v1/conversations/{id}/messages/{seq}/reactions/{emoji}", doors.withoutBody("unreact", (ex, caller) ->
                        accept(ex, validation.react(caller, Parameters.pathParam(ex, "id"), seqParam(ex),
                                Parameters.pathParam(ex, "emoji"), false, clock.instant()))))
                .put("/v1/conversations/{id}/members/{user}/role", doors.withBody("change_role", (ex, caller, body) ->
                        accept(ex, validation.changeRole(caller, Parameters.pathParam(ex, "id"), Parameters.pathParam(ex, "user"),
                                ApiJson.read(body, Requests.ChangeRole.class), clock.instant()))))
                .add("PATCH", "/v1/conversations/{id}", doors.withBody("rename", (ex, caller, body) ->
                        accept(ex, validation.rename(caller, Parameters.pathParam(ex, "id"),
                                ApiJson.read(body, Requests.Rename.class), clock.instant()))))
                .post("/v1/conversations/{id}/read", doors.withBody("mark_read", this::markRead));
    }

    /**
     * Produces the command, identified by the caller's {@code Idempotency-Key} if it sent one, and
     * answers 202, or routing's decision if the caller asked to wait ({@link CommandAnswers}).
     */
    private void accept(HttpServerExchange ex, CommandFactory.Accepted accepted) {
        CommandFactory.Accepted identified = RequestIds.apply(accepted, ex.getRequestHeaders().getFirst(RequestIds.HEADER));
        answers.answer(ex, identified, failure -> doors.fail(ex, "publish", failure));
    }

    /** {@code POST /v1/conversations/{id}/read}: a ReadUpTo receipt; fanout moves the read position. */
    private void markRead(HttpServerExchange ex, Caller caller, byte[] body) {
        String conversationId = Parameters.pathParam(ex, "id");
        CommandFactory.requireConversation(conversationId);
        Requests.MarkRead request = ApiJson.read(body, Requests.MarkRead.class);
        if (request.seq() == null || request.seq() < 1) {
            throw ApiException.badRequest("missing_field", "seq (1 or more) is required");
        }
        if (request.seq() > Parameters.MAX_INTEGER) {
            throw ApiException.badRequest("invalid_field", "seq must be at most " + Parameters.MAX_INTEGER);
        }
        access.currentMembership(caller, conversationId);
        Receipt receipt = ReceiptFactory.readUpTo(caller, conversationId, request.seq(), clock.instant());
        ex.dispatch(SameThreadExecutor.INSTANCE, () -> receipts.publish(conversationId, receipt).whenComplete((metadata, failure) -> {
            if (failure != null) {
                doors.fail(ex, "mark_read", failure);
            } else {
                ApiAnswers.json(ex, 202, ApiJson.JSON.createObjectNode().put("conversation_id", conversationId)
                        .put("read_seq", request.seq()));
            }
        }));
    }

    private static long seqParam(HttpServerExchange ex) {
        return Parameters.seqPathParam(ex, "seq");
    }
}
