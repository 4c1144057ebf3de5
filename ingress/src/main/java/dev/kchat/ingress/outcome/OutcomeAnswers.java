package dev.kchat.ingress.outcome;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.CreateConversation;
import dev.kchat.events.chat.SendMessage;
import java.time.Duration;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP side of command outcomes, as plain functions: what a caller's {@code Prefer} header asks
 * for, and which status and body answer routing's decision.
 *
 * <p>Statuses: an accepted send or create is {@code 201} (a message or conversation now exists),
 * any other accepted command {@code 200}; a repeated command is answered as the first one was, with
 * {@code "duplicate": true}. Rejections map by their code: {@code 403} (not_a_member, forbidden,
 * muted), {@code 404} (conversation_not_found, target_not_found), {@code 409} (conversation_exists),
 * {@code 422} (edit_window_expired, invalid_command, and any code this version does not know).
 */
public final class OutcomeAnswers {

    /** The {@code Prefer} token of RFC 7240 that asks the server to wait for the result. */
    private static final Pattern WAIT = Pattern.compile("(?:^|[,;\\s])wait\\s*=\\s*\"?(\\d{1,6})\"?(?=$|[,;\\s])");

    private static final Map<String, Integer> STATUS_BY_CODE = Map.ofEntries(
            Map.entry("not_a_member", 403),
            Map.entry("forbidden", 403),
            Map.entry("muted", 403),
            Map.entry("banned", 403),
            Map.entry("conversation_not_found", 404),
            Map.entry("target_not_found", 404),
            Map.entry("invite_not_found", 404),
            Map.entry("conversation_exists", 409),
            Map.entry("invite_expired", 410),
            Map.entry("invite_exhausted", 410),
            Map.entry("edit_window_expired", 422),
            Map.entry("invalid_command", 422));

    private OutcomeAnswers() {
    }

    /**
     * How long the caller wants to wait for the decision: the {@code wait} preference of its
     * {@code Prefer} headers, capped at {@code max}; empty if it did not ask (or asked for 0 s). A
     * preference that does not parse is ignored, as RFC 7240 asks.
     */
    public static Optional<Duration> requestedWait(Deque<String> preferHeaders, Duration max) {
        if (preferHeaders == null) {
            return Optional.empty();
        }
        for (String header : preferHeaders) {
            Matcher m = WAIT.matcher(header.toLowerCase(java.util.Locale.ROOT));
            if (m.find()) {
                long seconds = Long.parseLong(m.group(1));
                if (seconds <= 0) {
                    return Optional.empty();
                }
                Duration asked = Duration.ofSeconds(seconds);
                return Optional.of(asked.compareTo(max) > 0 ? max : asked);
            }
        }
        return Optional.empty();
    }

    /** The status that answers a decision. */
    /** Server commands that make something new: answered 201 like a send or a conversation's create. */
    private static final java.util.Set<String> CREATES = java.util.Set.of("CreateServer", "CreateChannel", "CreateRole", "CreateInvite",
            "JoinServer");

    public static int status(CommandResult result) {
        if (result.getOutcome() instanceof CommandRejected rejected) {
            return STATUS_BY_CODE.getOrDefault(rejected.getCode(), 422);
        }
        String type = result.getCommandType();
        boolean creates = SendMessage.class.getSimpleName().equals(type) || CreateConversation.class.getSimpleName().equals(type)
                || CREATES.contains(type);
        return creates ? 201 : 200;
    }

    /**
     * The body of a decided command: the 202 body's fields plus {@code status} ({@code accepted}),
     * {@code seq} and {@code duplicate}; a rejection is the API's error shape with the command id.
     */
    public static ObjectNode body(ObjectNode acceptedBody, CommandResult result) {
        if (result.getOutcome() instanceof CommandRejected rejected) {
            ObjectNode body = ApiJson.JSON.createObjectNode();
            ObjectNode error = body.putObject("error").put("code", rejected.getCode()).put("message", rejected.getReason())
                    .put("command_id", result.getCommandId());
            if (rejected.getUntil() != null) {
                error.put("until", rejected.getUntil().toString());
            }
            return body;
        }
        CommandAccepted accepted = (CommandAccepted) result.getOutcome();
        ObjectNode body = acceptedBody.deepCopy();
        body.put("status", "accepted").put("seq", accepted.getSeq()).put("duplicate", accepted.getDuplicate());
        if (accepted.getMessageId() != null) {
            body.put("message_id", accepted.getMessageId());
        }
        return body;
    }
}
