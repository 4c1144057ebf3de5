package dev.kchat.ingress.moderation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.RequestIds;
import dev.kchat.api.TopicPublisher;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.Parameters;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.Mute;
import dev.kchat.events.moderation.Redact;
import dev.kchat.ingress.Doors;
import dev.kchat.ingress.Doors.Action;
import dev.kchat.ingress.Doors.BodyAction;
import dev.kchat.store.moderation.ModerationRepository;
import dev.kchat.store.moderation.ModerationRepository.StoredAction;
import dev.kchat.store.moderation.ModerationRepository.StoredRule;
import dev.kchat.store.moderation.ModerationRepository.StoredVerdict;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.StoredEvent;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trust-and-safety API under {@code /v1/moderation}, for callers whose token grants the
 * {@value ModerationFactory#MODERATOR_ROLE} role; everyone else is answered {@code 403 not_a_moderator}
 * before anything is read or produced.
 *
 * <p>Reads come from the store (what the sink wrote from {@code moderation.verdicts}, {@code .actions}
 * and {@code .rules}). Every change is a record, and nothing else: an action on {@code moderation.actions}
 * (routing enforces it) or a rule on {@code moderation.rules} (the Flink job applies it), each naming
 * its actor {@code admin:<id>}, so those topics are the audit trail. A change is answered {@code 202} from
 * the producer's acknowledgement, {@code 503 kafka_unavailable} if Kafka does not take it.
 *
 * <p>Runs through the API's {@link Doors}: authentication, body limits, the worker executor for
 * blocking reads and the request metrics are theirs, as for every other route.
 */
public final class ModerationRoutes {

    private static final Logger log = LoggerFactory.getLogger(ModerationRoutes.class);
    private static final String MESSAGE_POSTED = "MessagePosted";
    private static final String REDACTED = "REDACTED";
    /** The default {@code before} of a user's verdicts: after any verdict. */
    private static final Instant FAR_FUTURE = Instant.parse("9999-12-31T23:59:59.999Z");
    /**
     * The header every record of this API carries: the actor ({@code admin:<id>}), which a tombstone
     * (no value) has no other place for.
     */
    public static final String ACTOR_HEADER = "actor";
    /** Longest {@code rule} filter. */
    private static final int MAX_RULE_FILTER_CHARS = 128;

    private final TopicPublisher<ModerationAction> actions;
    private final TopicPublisher<ModerationRule> rules;
    private final ModerationRepository moderation;
    private final ChatRepository chat;
    private final int maxPageSize;
    private final Clock clock;

    /**
     * @param maxPageSize the cap of {@code limit} ({@code limits.max.page.size})
     */
    public ModerationRoutes(TopicPublisher<ModerationAction> actions, TopicPublisher<ModerationRule> rules,
            ModerationRepository moderation, ChatRepository chat, int maxPageSize, Clock clock) {
        this.actions = actions;
        this.rules = rules;
        this.moderation = moderation;
        this.chat = chat;
        this.maxPageSize = maxPageSize;
        this.clock = clock;
    }

    /** Adds the {@code /v1/moderation} routes to {@code routes}, each run by {@code doors}. */
    public void register(RoutingHandler routes, Doors doors) {
        routes
                .get("/v1/moderation/verdicts", doors.withoutBody("moderation_verdicts", moderator(this::verdicts)))
                .get("/v1/moderation/users/{user}/actions", doors.withoutBody("moderation_actions", moderator(this::actionsOf)))
                .post("/v1/moderation/users/{user}/mute", doors.withBody("moderation_mute", moderator((ex, caller, body) ->
                        act(ex, doors, "moderation_mute", ModerationFactory.mute(caller, Parameters.pathParam(ex, "user"),
                                ApiJson.read(body, ModerationRequests.Mute.class), clock.instant(), requestId(ex))))))
                .post("/v1/moderation/users/{user}/unmute", doors.withBody("moderation_unmute", moderator((ex, caller, body) ->
                        act(ex, doors, "moderation_unmute", ModerationFactory.unmute(caller, Parameters.pathParam(ex, "user"),
                                ApiJson.read(body, ModerationRequests.Reason.class), clock.instant(), requestId(ex))))))
                .post("/v1/moderation/conversations/{id}/messages/{seq}/redact", doors.withBody("moderation_redact",
                        moderator((ex, caller, body) -> redact(ex, doors, caller, body))))
                .post("/v1/moderation/appeals", doors.withBody("moderation_appeal", moderator((ex, caller, body) ->
                        act(ex, doors, "moderation_appeal", ModerationFactory.appeal(caller,
                                ApiJson.read(body, ModerationRequests.Appeal.class), clock.instant(), requestId(ex))))))
                .get("/v1/moderation/rules", doors.withoutBody("moderation_rules", moderator(this::rules)))
                .get("/v1/moderation/stats", doors.withoutBody("moderation_stats", moderator(this::stats)))
                .put("/v1/moderation/rules/{rule_id}", doors.withBody("moderation_put_rule", moderator((ex, caller, body) ->
                        putRule(ex, doors, caller, body))))
                .delete("/v1/moderation/rules/{rule_id}", doors.withoutBody("moderation_delete_rule", moderator((ex, caller) ->
                        deleteRule(ex, doors, caller))));
    }

    private static Action moderator(Action action) {
        return (ex, caller) -> {
            ModerationFactory.requireModerator(caller);
            action.handle(ex, caller);
        };
    }

    private static BodyAction moderator(BodyAction action) {
        return (ex, caller, body) -> {
            ModerationFactory.requireModerator(caller);
            action.handle(ex, caller, body);
        };
    }

    private static String requestId(HttpServerExchange ex) {
        return ex.getRequestHeaders().getFirst(RequestIds.HEADER);
    }

    /**
     * {@code GET /v1/moderation/verdicts?user=&day=&rule=&severity=&before=&limit=}: a user's verdicts, or
     * a UTC day's (today by default), newest first, filtered, paged by {@code before}.
     */
    private void verdicts(HttpServerExchange ex, Caller caller) {
        String user = Parameters.stringParam(ex, "user", "");
        String dayText = Parameters.stringParam(ex, "day", "");
        if (!user.isEmpty() && !dayText.isEmpty()) {
            throw ApiException.badRequest("invalid_parameter", "give user or day, not both");
        }
        if (!user.isEmpty() && !dev.kchat.schemas.Ids.isUserId(user)) {
            throw ApiException.badRequest("invalid_parameter", "user must be a user id");
        }
        LocalDate day = dayText.isEmpty() ? LocalDate.now(clock.withZone(ZoneOffset.UTC)) : day(dayText);
        String rule = Parameters.stringParam(ex, "rule", "");
        if (rule.length() > MAX_RULE_FILTER_CHARS) {
            throw ApiException.badRequest("invalid_parameter", "rule must be at most " + MAX_RULE_FILTER_CHARS + " characters");
        }
        String severityText = Parameters.stringParam(ex, "severity", "");
        String severity = severityText.isEmpty() ? ""
                : ModerationFactory.severity(severityText, "invalid_parameter", "severity").name();
        String beforeText = Parameters.stringParam(ex, "before", "");
        int limit = limit(ex);
        Instant before = beforeText.isEmpty()
                ? (user.isEmpty() ? day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant() : FAR_FUTURE)
                : instant(beforeText);
        Predicate<StoredVerdict> filter = v -> (rule.isEmpty() || rule.equals(v.rule()))
                && (severity.isEmpty() || severity.equals(v.severity()));
        VerdictPages.Query query = user.isEmpty()
                ? (from, n, f) -> moderation.verdictsOfDay(day, from, n, f)
                : (from, n, f) -> moderation.verdictsOfUser(user, from, n, f);
        VerdictPages.Page page = VerdictPages.page(query, before, limit, filter, ModerationRepository.MAX_SCANNED);
        ObjectNode body = ApiJson.JSON.createObjectNode();
        if (user.isEmpty()) {
            body.put("day", day.toString());
        } else {
            body.put("user_id", user);
        }
        ArrayNode list = body.putArray("verdicts");
        page.verdicts().forEach(v -> list.add(verdictJson(v)));
        body.put("next_before", page.nextBefore() == null ? null : page.nextBefore().toString());
        ApiAnswers.json(ex, 200, body);
    }

    /** {@code GET /v1/moderation/users/{user}/actions?limit=}: the actions on a user, newest first. */
    private void actionsOf(HttpServerExchange ex, Caller caller) {
        String user = Parameters.pathParam(ex, "user");
        ModerationFactory.requireUser(user);
        int limit = limit(ex);
        var found = moderation.actionsOfUser(user, limit + 1);
        ObjectNode body = ApiJson.JSON.createObjectNode().put("user_id", user);
        ArrayNode list = body.putArray("actions");
        found.stream().limit(limit).forEach(a -> list.add(actionJson(a)));
        body.put("has_more", found.size() > limit);
        ApiAnswers.json(ex, 200, body);
    }

    /**
     * {@code GET /v1/moderation/stats?day=&limit=}: the job's per-minute counts of a UTC day (today by
     * default), newest window first.
     */
    private void stats(HttpServerExchange ex, Caller caller) {
        String dayText = Parameters.stringParam(ex, "day", "");
        LocalDate day = dayText.isEmpty() ? LocalDate.now(clock.withZone(ZoneOffset.UTC)) : day(dayText);
        int limit = limit(ex);
        ObjectNode body = ApiJson.JSON.createObjectNode().put("day", day.toString());
        ArrayNode list = body.putArray("windows");
        for (ModerationRepository.StoredStats w : moderation.statsOfDay(day, limit)) {
            ObjectNode window = list.addObject().put("window_start", text(w.windowStart())).put("window_end", text(w.windowEnd()))
                    .put("messages", w.messages()).put("moments", w.moments()).put("verdicts", w.verdicts())
                    .put("actions", w.actions());
            ObjectNode byRule = window.putObject("verdicts_by_rule");
            w.verdictsByRule().forEach(byRule::put);
            ObjectNode bySeverity = window.putObject("verdicts_by_severity");
            w.verdictsBySeverity().forEach(bySeverity::put);
        }
        ApiAnswers.json(ex, 200, body);
    }

    /** {@code GET /v1/moderation/rules}: every rule the store has, in id order. */
    private void rules(HttpServerExchange ex, Caller caller) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode list = body.putArray("rules");
        for (StoredRule r : moderation.rules()) {
            ObjectNode rule = list.addObject().put("rule_id", r.ruleId()).put("enabled", r.enabled())
                    .put("severity", r.severity());
            ArrayNode words = rule.putArray("words");
            r.words().forEach(words::add);
            ObjectNode params = rule.putObject("params");
            r.params().forEach(params::put);
            rule.put("updated_by", r.updatedBy()).put("updated_at", text(r.updatedAt()));
        }
        ApiAnswers.json(ex, 200, body);
    }

    /**
     * {@code POST /v1/moderation/conversations/{id}/messages/{seq}/redact}: a Redact of a stored message,
     * keyed by its author; {@code 404 message_not_found} if the store has no message there,
     * {@code 409 already_redacted} if it was redacted already.
     */
    private void redact(HttpServerExchange ex, Doors doors, Caller caller, byte[] body) {
        String conversationId = Parameters.pathParam(ex, "id");
        CommandFactory.requireConversation(conversationId);
        long seq = Parameters.seqPathParam(ex, "seq");
        ModerationRequests.Reason request = ApiJson.read(body, ModerationRequests.Reason.class);
        StoredEvent message = chat.event(conversationId, seq)
                .filter(e -> MESSAGE_POSTED.equals(e.eventType()))
                .orElseThrow(() -> ApiException.notFound("message_not_found",
                        "no message at seq " + seq + " in '" + conversationId + "'"));
        if (REDACTED.equals(message.status())) {
            throw new ApiException(409, "already_redacted", "message " + seq + " in '" + conversationId + "' is redacted already");
        }
        act(ex, doors, "moderation_redact", ModerationFactory.redact(caller, message.actorId(), conversationId, seq, request,
                clock.instant(), requestId(ex)));
    }

    /** {@code PUT /v1/moderation/rules/{rule_id}}: the rule's new version on {@code moderation.rules}. */
    private void putRule(HttpServerExchange ex, Doors doors, Caller caller, byte[] body) {
        String ruleId = Parameters.pathParam(ex, "rule_id");
        ModerationFactory.requireRuleId(ruleId);
        ModerationRule rule = ModerationFactory.rule(caller, ruleId, ApiJson.read(body, ModerationRequests.Rule.class),
                clock.instant());
        log.info("moderation_put_rule: {} by {} (enabled {}, {}, {} words)", ruleId, rule.getUpdatedBy(), rule.getEnabled(),
                rule.getSeverity(), rule.getWords().size());
        doors.publish(ex, "moderation_put_rule", () -> rules.publish(ruleId, rule, actorHeader(caller)), () -> ApiJson.JSON.createObjectNode()
                .put("rule_id", ruleId).put("updated_by", rule.getUpdatedBy()).put("updated_at", text(rule.getUpdatedAt())));
    }

    /**
     * {@code DELETE /v1/moderation/rules/{rule_id}}: a tombstone for the rule on the compacted
     * {@code moderation.rules}. A tombstone has no value: its {@value #ACTOR_HEADER} header names the
     * moderator. Deleting a rule the store does not have is no error (the tombstone changes nothing).
     */
    private void deleteRule(HttpServerExchange ex, Doors doors, Caller caller) {
        String ruleId = Parameters.pathParam(ex, "rule_id");
        ModerationFactory.requireRuleId(ruleId);
        log.info("moderation_delete_rule: {} by {}", ruleId, ModerationFactory.actor(caller));
        doors.publish(ex, "moderation_delete_rule", () -> rules.publish(ruleId, null, actorHeader(caller)), () -> ApiJson.JSON.createObjectNode()
                .put("rule_id", ruleId).put("deleted", true));
    }

    /** Produces a moderator's action and answers {@code 202} with what it is. */
    private void act(HttpServerExchange ex, Doors doors, String route, ModerationAction action) {
        log.info("{}: {} on {} by {} ({})", route, ((org.apache.avro.specific.SpecificRecord) action.getAction()).getSchema().getName(),
                action.getUserId(), action.getIssuedBy(), action.getActionId());
        doors.publish(ex, route, () -> actions.publish(action.getUserId(), action, Map.of(ACTOR_HEADER, action.getIssuedBy())), () -> {
            ObjectNode body = ApiJson.JSON.createObjectNode().put("action_id", action.getActionId())
                    .put("user_id", action.getUserId()).put("issued_by", action.getIssuedBy())
                    .put("issued_at", text(action.getIssuedAt()));
            if (action.getAction() instanceof Mute mute) {
                body.put("until", text(mute.getUntil()));
            } else if (action.getAction() instanceof Redact redact) {
                body.put("conversation_id", redact.getConversationId()).put("seq", redact.getSeq());
            }
            return body;
        });
    }

    private static Map<String, String> actorHeader(Caller caller) {
        return Map.of(ACTOR_HEADER, ModerationFactory.actor(caller));
    }

    private int limit(HttpServerExchange ex) {
        long limit = Parameters.longParam(ex, "limit").orElse(50);
        if (limit < 1) {
            throw ApiException.badRequest("invalid_parameter", "limit must be at least 1");
        }
        return (int) Math.min(limit, maxPageSize);
    }

    private static LocalDate day(String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("invalid_parameter", "day must be a date YYYY-MM-DD");
        }
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("invalid_parameter", "before must be an ISO-8601 instant such as 2026-05-01T12:00:00Z"
                    + " (the next_before of the previous page)");
        }
    }

    private static ObjectNode verdictJson(StoredVerdict v) {
        ObjectNode node = ApiJson.JSON.createObjectNode().put("verdict_id", v.verdictId()).put("user_id", v.userId())
                .put("rule", v.rule()).put("severity", v.severity()).put("detected_at", text(v.detectedAt()));
        node.put("conversation_id", v.conversationId()).put("seq", v.seq()).put("message_id", v.messageId())
                .put("post_id", v.postId()).put("evidence", v.evidence());
        return node;
    }

    private static ObjectNode actionJson(StoredAction a) {
        return ApiJson.JSON.createObjectNode().put("action_id", a.actionId()).put("action", a.action())
                .put("issued_by", a.issuedBy()).put("reason", a.reason()).put("verdict_id", a.verdictId())
                .put("issued_at", text(a.issuedAt())).put("until", text(a.muteUntil()))
                .put("conversation_id", a.conversationId()).put("seq", a.seq());
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }
}
