package dev.kchat.ingress;

import static dev.kchat.store.TestEvents.created;
import static dev.kchat.store.TestEvents.posted;
import static dev.kchat.store.TestEvents.redacted;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.kchat.events.common.ConversationKind;
import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.Mute;
import dev.kchat.events.moderation.Redact;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Unmute;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.ingress.moderation.ModerationRoutes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trust-and-safety API ({@code /v1/moderation}) over HTTP against the real ingress: a real Kafka
 * broker whose {@code moderation.actions} and {@code moderation.rules} are read back, and the real CQL
 * server, written by the sink's writers as the sink would. Each test uses its own users, conversations
 * and rules, so records of one test never meet another's.
 */
class ModerationApiTest {

    private static final String MODERATOR = "mia";
    private static final String ADMIN = "admin:" + MODERATOR;
    private static final Instant DAY_START = Instant.parse("2025-03-01T00:00:00Z");

    private static TestIngress ingress;
    private static ApiClient users;
    private static ApiClient moderators;

    @BeforeAll
    static void start() {
        ingress = TestIngress.start("ingress_moderation", Map.of());
        users = new ApiClient(TestIngress.SECRET, ingress::port);
        moderators = users.withRoles("moderator");
        ingress.store(created("g-refused", ConversationKind.GROUP, "spammer", "alice"), posted("g-refused", 2, "spammer", "buy now"));
        ingress.store(created("g-redact", ConversationKind.GROUP, "author3", "alice"), posted("g-redact", 2, "author3", "scam link"),
                posted("g-redact", 3, "author3", "more"), redacted("g-redact", 4, 3, "sensitive_word"));
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
    }

    @Test
    void shouldRefuseEveryEndpointToAUserWhoIsNotAModeratorAndProduceNothing() throws Exception {
        // Given alice (no roles) and sam, whose token grants another role
        for (ApiClient client : List.of(users, users.withRoles("support"))) {
            String who = client == users ? "alice" : "sam";
            // When they call every endpoint with a valid request
            String[][] calls = {
                    {"GET", "/v1/moderation/verdicts?user=victim", null},
                    {"GET", "/v1/moderation/users/victim/actions", null},
                    {"POST", "/v1/moderation/users/victim/mute", "{\"duration_seconds\":60,\"reason\":\"spam\"}"},
                    {"POST", "/v1/moderation/users/victim/unmute", "{\"reason\":\"ok\"}"},
                    {"POST", "/v1/moderation/conversations/g-refused/messages/2/redact", "{\"reason\":\"scam\"}"},
                    {"GET", "/v1/moderation/rules", null},
                    {"GET", "/v1/moderation/stats", null},
                    {"PUT", "/v1/moderation/rules/r-refused", "{\"enabled\":true,\"severity\":\"HIGH\",\"words\":[\"x\"]}"},
                    {"DELETE", "/v1/moderation/rules/r-refused", null},
                    {"POST", "/v1/moderation/appeals", "{\"user_id\":\"victim\",\"reason\":\"sorry\"}"}};
            for (String[] call : calls) {
                // Then each is refused 403 not_a_moderator
                ApiClient.assertError(client.call(who, call[0], call[1], call[2], 403), "not_a_moderator");
            }
        }
        ApiClient.assertError(users.call(null, "POST", "/v1/moderation/users/victim/mute",
                "{\"duration_seconds\":60,\"reason\":\"spam\"}", 401), "missing_token");

        // And nothing was produced: a moderator's marker is the first record under each key
        moderators.call(MODERATOR, "POST", "/v1/moderation/users/victim/mute", "{\"duration_seconds\":60,\"reason\":\"marker\"}", 202);
        moderators.call(MODERATOR, "POST", "/v1/moderation/users/spammer/unmute", "{\"reason\":\"marker\"}", 202);
        moderators.call(MODERATOR, "PUT", "/v1/moderation/rules/r-refused", "{\"enabled\":false,\"severity\":\"LOW\"}", 202);
        assertThat(ingress.recordsUpTo(ingress.topics().moderationActions(), "victim", a -> a.getReason().equals("marker")))
                .singleElement().satisfies(a -> assertThat(a.getIssuedBy()).isEqualTo(ADMIN));
        assertThat(ingress.recordsUpTo(ingress.topics().moderationActions(), "spammer", a -> a.getReason().equals("marker")))
                .singleElement().satisfies(a -> assertThat(a.getIssuedBy()).isEqualTo(ADMIN));
        assertThat(ingress.recordsUpTo(ingress.topics().moderationRules(), "r-refused", r -> r != null && !r.getEnabled()))
                .singleElement().satisfies(r -> assertThat(r.getUpdatedBy()).isEqualTo(ADMIN));

        // And the refusals are counted by route and status
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ingress.adminPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("(?m)^kchat_ingress_requests_seconds_count\\{[^}]*route=\"moderation_mute\"[^}]*"
                + "status=\"403\"[^}]*} 2(\\.0)?$");
    }

    @Test
    void shouldRefuseATokenWhoseRolesClaimIsNotAnArrayOfStrings() throws Exception {
        // Given a well-signed token whose roles claim is a string
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject("mallory")
                .expirationTime(Date.from(Instant.now().plusSeconds(60))).claim("roles", "moderator").build());
        jwt.sign(new MACSigner(TestIngress.SECRET.getBytes(StandardCharsets.UTF_8)));

        // When mallory asks for the rules with it
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(users.uri("/v1/moderation/rules"))
                .header("Authorization", "Bearer " + jwt.serialize()).build(), HttpResponse.BodyHandlers.ofString());

        // Then 401 invalid_token
        ApiClient.assertError(ApiClient.expect(response, 401, "roles: \"moderator\""), "invalid_token");
    }

    @Test
    void shouldProduceAModeratorsMuteUnmuteAndAppealNamingTheModerator() throws Exception {
        // When mia mutes troll for an hour (twice, with one Idempotency-Key), unmutes, then upholds an appeal
        JsonNode mute = send("POST", "/v1/moderation/users/troll/mute", "{\"duration_seconds\":3600,\"reason\":\"spam\"}", "k-1");
        JsonNode again = send("POST", "/v1/moderation/users/troll/mute", "{\"duration_seconds\":3600,\"reason\":\"spam\"}", "k-1");
        JsonNode unmute = moderators.call(MODERATOR, "POST", "/v1/moderation/users/troll/unmute", "{\"reason\":\"reviewed\"}", 202);
        JsonNode appeal = moderators.call(MODERATOR, "POST", "/v1/moderation/appeals",
                "{\"user_id\":\"troll\",\"verdict_id\":\"v-9\",\"reason\":\"it was a quote\"}", 202);

        // Then the answers name the actions, the mute's end an hour after it was issued
        assertThat(mute.get("user_id").asText()).isEqualTo("troll");
        assertThat(Duration.between(Instant.parse(mute.get("issued_at").asText()), Instant.parse(mute.get("until").asText())))
                .isEqualTo(Duration.ofHours(1));
        assertThat(again.get("action_id").asText()).as("a retry with the same key is the same action")
                .isEqualTo(mute.get("action_id").asText());

        // And moderation.actions has exactly these records under troll, each by admin:mia
        List<ConsumerRecord<String, ModerationAction>> records = ingress.consumerRecordsUpTo(ingress.topics().moderationActions(),
                "troll", r -> r.value().getReason().startsWith("appeal:"));
        List<ModerationAction> actions = records.stream().map(ConsumerRecord::value).toList();
        assertThat(actions).hasSize(4).allSatisfy(a -> {
            assertThat(a.getIssuedBy()).isEqualTo(ADMIN);
            assertThat(a.getUserId()).isEqualTo("troll");
        });
        assertThat(actions.get(0).getAction()).isInstanceOfSatisfying(Mute.class, m -> assertThat(m.getUntil())
                .isEqualTo(Instant.parse(mute.get("until").asText())));
        assertThat(actions.get(0).getActionId()).isEqualTo(mute.get("action_id").asText());
        assertThat(actions.get(0).getReason()).isEqualTo("spam");
        assertThat(actions.get(1).getActionId()).isEqualTo(mute.get("action_id").asText());
        assertThat(actions.get(2).getAction()).isInstanceOf(Unmute.class);
        assertThat(actions.get(2).getActionId()).isEqualTo(unmute.get("action_id").asText());
        assertThat(actions.get(2).getVerdictId()).isNull();
        assertThat(actions.get(3).getAction()).isInstanceOf(Unmute.class);
        assertThat(actions.get(3).getActionId()).isEqualTo(appeal.get("action_id").asText());
        assertThat(actions.get(3).getVerdictId()).isEqualTo("v-9");
        assertThat(actions.get(3).getReason()).isEqualTo("appeal: it was a quote");
        assertThat(records).allSatisfy(r -> assertThat(new String(r.headers().lastHeader(ModerationRoutes.ACTOR_HEADER).value(),
                StandardCharsets.UTF_8)).isEqualTo(ADMIN));
    }

    @Test
    void shouldRedactAStoredMessageAsAnActionOnItsAuthorAndRefuseMessagesThatAreNotThere() throws Exception {
        // When mia redacts what is not a message: an unknown seq, a seq that is not a message, a bad seq,
        // a message redacted already, an unknown conversation
        ApiClient.assertError(moderators.call(MODERATOR, "POST", "/v1/moderation/conversations/g-redact/messages/9/redact",
                "{\"reason\":\"scam\"}", 404), "message_not_found");
        ApiClient.assertError(moderators.call(MODERATOR, "POST", "/v1/moderation/conversations/g-redact/messages/1/redact",
                "{\"reason\":\"scam\"}", 404), "message_not_found");
        ApiClient.assertError(moderators.call(MODERATOR, "POST", "/v1/moderation/conversations/g-redact/messages/x/redact",
                "{\"reason\":\"scam\"}", 400), "invalid_parameter");
        ApiClient.assertError(moderators.call(MODERATOR, "POST", "/v1/moderation/conversations/g-redact/messages/3/redact",
                "{\"reason\":\"scam\"}", 409), "already_redacted");
        ApiClient.assertError(moderators.call(MODERATOR, "POST", "/v1/moderation/conversations/g-none/messages/2/redact",
                "{\"reason\":\"scam\"}", 404), "message_not_found");
        ApiClient.assertError(moderators.call(MODERATOR, "POST", "/v1/moderation/conversations/g-redact/messages/2/redact",
                "{}", 400), "missing_field");
        // And then redacts message 2 of author3
        JsonNode answer = moderators.call(MODERATOR, "POST", "/v1/moderation/conversations/g-redact/messages/2/redact",
                "{\"reason\":\"scam link\"}", 202);

        // Then one Redact of g-redact 2, keyed by its author, by admin:mia
        assertThat(answer.get("user_id").asText()).isEqualTo("author3");
        assertThat(answer.get("conversation_id").asText()).isEqualTo("g-redact");
        assertThat(answer.get("seq").asLong()).isEqualTo(2);
        List<ModerationAction> actions = ingress.recordsUpTo(ingress.topics().moderationActions(), "author3",
                a -> a.getAction() instanceof Redact);
        assertThat(actions).singleElement().satisfies(a -> {
            assertThat(a.getIssuedBy()).isEqualTo(ADMIN);
            assertThat(a.getUserId()).isEqualTo("author3");
            assertThat(a.getReason()).isEqualTo("scam link");
            assertThat(a.getActionId()).isEqualTo(answer.get("action_id").asText());
            assertThat((Redact) a.getAction()).isEqualTo(Redact.newBuilder().setConversationId("g-redact").setSeq(2).build());
        });
    }

    @Test
    void shouldProduceARuleAndItsTombstoneAndListTheStoredRules() throws Exception {
        // When mia puts a rule, then deletes it
        JsonNode put = moderators.call(MODERATOR, "PUT", "/v1/moderation/rules/banned-words",
                "{\"enabled\":true,\"severity\":\"HIGH\",\"words\":[\"scam\",\"free money\"],\"params\":{\"mute\":\"10m\"}}", 202);
        JsonNode deleted = moderators.call(MODERATOR, "DELETE", "/v1/moderation/rules/banned-words", null, 202);

        // Then moderation.rules has the rule, by admin:mia, then a tombstone that names her in its header
        assertThat(put.get("updated_by").asText()).isEqualTo(ADMIN);
        assertThat(deleted.get("deleted").asBoolean()).isTrue();
        List<ConsumerRecord<String, ModerationRule>> records = ingress.consumerRecordsUpTo(ingress.topics().moderationRules(),
                "banned-words", r -> r.value() == null);
        assertThat(records).hasSize(2);
        ModerationRule rule = records.get(0).value();
        assertThat(rule.getRuleId()).isEqualTo("banned-words");
        assertThat(rule.getEnabled()).isTrue();
        assertThat(rule.getSeverity()).isEqualTo(Severity.HIGH);
        assertThat(rule.getWords()).containsExactly("scam", "free money");
        assertThat(rule.getParams()).containsExactlyEntriesOf(Map.of("mute", "10m"));
        assertThat(rule.getUpdatedBy()).isEqualTo(ADMIN);
        assertThat(rule.getUpdatedAt()).isEqualTo(Instant.parse(put.get("updated_at").asText()));
        assertThat(new String(records.get(1).headers().lastHeader(ModerationRoutes.ACTOR_HEADER).value(), StandardCharsets.UTF_8))
                .isEqualTo(ADMIN);

        // And the rules the sink stored are listed
        ingress.store(ModerationRule.newBuilder().setRuleId("stored-rule").setEnabled(false).setSeverity(Severity.CRITICAL)
                .setWords(List.of("w")).setParams(Map.of("max_messages", "20")).setUpdatedBy("admin:ops")
                .setUpdatedAt(Instant.parse("2025-03-01T10:00:00Z")).build());
        JsonNode rules = moderators.get(MODERATOR, "/v1/moderation/rules", 200);
        assertThat(rules.get("rules")).anySatisfy(r -> {
            assertThat(r.get("rule_id").asText()).isEqualTo("stored-rule");
            assertThat(r.get("enabled").asBoolean()).isFalse();
            assertThat(r.get("severity").asText()).isEqualTo("CRITICAL");
            assertThat(r.get("words").get(0).asText()).isEqualTo("w");
            assertThat(r.get("params").get("max_messages").asText()).isEqualTo("20");
            assertThat(r.get("updated_by").asText()).isEqualTo("admin:ops");
            assertThat(r.get("updated_at").asText()).isEqualTo("2025-03-01T10:00:00Z");
        });
    }

    @Test
    void shouldRefuseBadInputPreciselyAndProduceNothing() throws Exception {
        // When mia sends mutes and rules that are wrong
        String mute = "/v1/moderation/users/badinput/mute";
        expectError("POST", mute, "{\"duration_seconds\":0,\"reason\":\"r\"}", 400, "invalid_duration");
        expectError("POST", mute, "{\"duration_seconds\":2678401,\"reason\":\"r\"}", 400, "invalid_duration");
        expectError("POST", mute, "{\"duration_seconds\":\"60\",\"reason\":\"r\"}", 400, "invalid_type");
        expectError("POST", mute, "{\"duration_seconds\":60.5,\"reason\":\"r\"}", 400, "invalid_type");
        expectError("POST", mute, "{\"reason\":\"r\"}", 400, "missing_field");
        expectError("POST", mute, "{\"duration_seconds\":60,\"reason\":\"  \"}", 400, "missing_field");
        expectError("POST", mute, "{\"duration_seconds\":60,\"reason\":\"" + "x".repeat(501) + "\"}", 400, "invalid_reason");
        expectError("POST", mute, "{\"duration_seconds\":60,\"reason\":\"r\",\"until\":1}", 400, "unknown_field");
        expectError("POST", mute, "[]", 400, "invalid_field");
        expectError("POST", "/v1/moderation/users/bad:id/mute", "{\"duration_seconds\":60,\"reason\":\"r\"}", 400, "invalid_user_id");
        expectError("POST", "/v1/moderation/users/badinput/unmute", "{\"reason\":7}", 400, "invalid_type");
        expectError("POST", "/v1/moderation/appeals", "{\"reason\":\"r\"}", 400, "missing_field");
        expectError("POST", "/v1/moderation/appeals", "{\"user_id\":\"badinput\",\"verdict_id\":5,\"reason\":\"r\"}", 400, "invalid_type");
        String rule = "/v1/moderation/rules/r-bad";
        expectError("PUT", rule, "{\"enabled\":true,\"severity\":\"SEVERE\"}", 400, "invalid_severity");
        expectError("PUT", rule, "{\"enabled\":true,\"severity\":\"high\"}", 400, "invalid_severity");
        expectError("PUT", rule, "{\"enabled\":\"yes\",\"severity\":\"HIGH\"}", 400, "invalid_type");
        expectError("PUT", rule, "{\"enabled\":true,\"severity\":\"HIGH\",\"words\":[1]}", 400, "invalid_type");
        expectError("PUT", rule, "{\"enabled\":true,\"severity\":\"HIGH\",\"words\":\"scam\"}", 400, "invalid_type");
        expectError("PUT", rule, "{\"enabled\":true,\"severity\":\"HIGH\",\"words\":[\"\"]}", 400, "invalid_words");
        expectError("PUT", rule, "{\"enabled\":true,\"severity\":\"HIGH\",\"params\":{\"mute\":600}}", 400, "invalid_type");
        expectError("PUT", rule, "{\"enabled\":true,\"severity\":\"HIGH\",\"params\":{\"Mute!\":\"10m\"}}", 400, "invalid_params");
        expectError("PUT", rule, "{\"severity\":\"HIGH\"}", 400, "missing_field");
        expectError("PUT", "/v1/moderation/rules/bad$rule", "{\"enabled\":true,\"severity\":\"HIGH\"}", 400, "invalid_rule_id");
        expectError("DELETE", "/v1/moderation/rules/bad$rule", null, 400, "invalid_rule_id");

        // Then nothing was produced: the first records under badinput and r-bad are the valid ones that
        // follow (the longest mute, 31 days, is taken)
        moderators.call(MODERATOR, "POST", mute, "{\"duration_seconds\":2678400,\"reason\":\"marker\"}", 202);
        moderators.call(MODERATOR, "PUT", rule, "{\"enabled\":true,\"severity\":\"MEDIUM\"}", 202);
        assertThat(ingress.recordsUpTo(ingress.topics().moderationActions(), "badinput", a -> true))
                .singleElement().satisfies(a -> assertThat(a.getReason()).isEqualTo("marker"));
        assertThat(ingress.recordsUpTo(ingress.topics().moderationRules(), "r-bad", r -> true))
                .singleElement().satisfies(r -> assertThat(r.getSeverity()).isEqualTo(Severity.MEDIUM));
    }

    @Test
    void shouldListAUsersVerdictsAndADaysVerdictsFilteredAndPagedWithoutGapsOrRepeats() throws Exception {
        // Given verdicts on 2025-03-01: eight about v-a (two share a millisecond), two about v-b; one the day before
        Instant t = DAY_START.plus(Duration.ofHours(10));
        List<Verdict> all = new ArrayList<>(List.of(
                verdict("va-1", "v-a", "flood", Severity.LOW, t),
                verdict("va-2", "v-a", "rate_burst", Severity.MEDIUM, t.plusSeconds(1)),
                verdict("va-3", "v-a", "flood", Severity.HIGH, t.plusSeconds(2)),
                verdict("va-4", "v-a", "sensitive_word", Severity.HIGH, t.plusSeconds(3)),
                verdict("va-5a", "v-a", "flood", Severity.MEDIUM, t.plusSeconds(4)),
                verdict("va-5b", "v-a", "flood", Severity.MEDIUM, t.plusSeconds(4)),
                verdict("va-6", "v-a", "flood", Severity.CRITICAL, t.plusSeconds(5)),
                verdict("va-7", "v-a", "stranger_spam", Severity.LOW, t.plusSeconds(6)),
                verdict("vb-1", "v-b", "flood", Severity.HIGH, t.plusMillis(1500)),
                verdict("vb-2", "v-b", "rate_burst", Severity.LOW, t.plusMillis(2500))));
        all.forEach(v -> ingress.store(v));
        ingress.store(verdict("va-0", "v-a", "flood", Severity.LOW, DAY_START.minusSeconds(60)));

        // Then v-a's verdicts, newest first, the day before's included
        assertThat(ids(moderators.get(MODERATOR, "/v1/moderation/verdicts?user=v-a", 200)))
                .containsExactly("va-7", "va-6", "va-5a", "va-5b", "va-4", "va-3", "va-2", "va-1", "va-0");
        // And the day's, filtered by rule, by severity, by both
        assertThat(ids(moderators.get(MODERATOR, "/v1/moderation/verdicts?day=2025-03-01&rule=flood", 200)))
                .containsExactly("va-6", "va-5a", "va-5b", "va-3", "vb-1", "va-1");
        assertThat(ids(moderators.get(MODERATOR, "/v1/moderation/verdicts?day=2025-03-01&severity=HIGH", 200)))
                .containsExactly("va-4", "va-3", "vb-1");
        assertThat(ids(moderators.get(MODERATOR, "/v1/moderation/verdicts?day=2025-03-01&rule=flood&severity=HIGH", 200)))
                .containsExactly("va-3", "vb-1");
        JsonNode one = moderators.get(MODERATOR, "/v1/moderation/verdicts?user=v-b&limit=1", 200).get("verdicts").get(0);
        assertThat(one.get("verdict_id").asText()).isEqualTo("vb-2");
        assertThat(one.get("rule").asText()).isEqualTo("rate_burst");
        assertThat(one.get("severity").asText()).isEqualTo("LOW");
        assertThat(one.get("detected_at").asText()).isEqualTo(t.plusMillis(2500).toString());
        assertThat(one.get("conversation_id").asText()).isEqualTo("g:1");
        assertThat(one.get("seq").asLong()).isEqualTo(42);
        assertThat(one.get("evidence").asText()).isEqualTo("evidence of vb-2");

        // And paging through the day by 2, 3 or 4, where pages end between va-5a and va-5b (the same
        // millisecond) or just before them, gets every verdict once, in order, the last page without a cursor
        for (int limit : new int[] {2, 3, 4}) {
            assertThat(pages("/v1/moderation/verdicts?day=2025-03-01&limit=" + limit)).as("limit %d", limit)
                    .containsExactly("va-7", "va-6", "va-5a", "va-5b", "va-4", "vb-2", "va-3", "vb-1", "va-2", "va-1");
        }
        assertThat(pages("/v1/moderation/verdicts?user=v-a&rule=flood&limit=2"))
                .containsExactly("va-6", "va-5a", "va-5b", "va-3", "va-1", "va-0");
        JsonNode last = moderators.get(MODERATOR, "/v1/moderation/verdicts?user=v-b&limit=2", 200);
        assertThat(last.get("next_before").isNull()).as("a page that is not full has no cursor").isTrue();

        // And bad parameters are refused
        for (String query : List.of("severity=SEVERE", "before=yesterday", "day=2025-3-1", "user=v-a&day=2025-03-01",
                "user=bad:id", "limit=0", "limit=-1")) {
            expectError("GET", "/v1/moderation/verdicts?" + query, null, 400, "invalid_parameter");
        }
    }

    @Test
    void shouldListADaysCountsNewestWindowFirst() throws Exception {
        // Given two minutes of the job's counts
        for (int minute = 0; minute < 2; minute++) {
            Instant start = DAY_START.plusSeconds(60L * minute);
            ingress.store(dev.kchat.events.moderation.ModerationStats.newBuilder().setWindowStart(start).setWindowEnd(start.plusSeconds(60))
                    .setMessages(500 + minute).setMoments(3).setVerdicts(2).setActions(1)
                    .setVerdictsByRule(java.util.Map.of("rate_burst", 2L)).setVerdictsBySeverity(java.util.Map.of("MEDIUM", 2L)).build());
        }

        // When a moderator asks for that day
        JsonNode stats = moderators.get(MODERATOR, "/v1/moderation/stats?day=2025-03-01", 200);

        // Then
        assertThat(stats.get("windows").findValuesAsText("window_start"))
                .containsExactly("2025-03-01T00:01:00Z", "2025-03-01T00:00:00Z");
        assertThat(stats.at("/windows/0/messages").asLong()).isEqualTo(501);
        assertThat(stats.at("/windows/0/verdicts_by_rule/rate_burst").asLong()).isEqualTo(2);
        assertThat(stats.at("/windows/0/verdicts_by_severity/MEDIUM").asLong()).isEqualTo(2);
    }

    @Test
    void shouldListTodaysVerdictsByDefault() throws Exception {
        // Given a verdict detected now
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        ingress.store(verdict("today-1", "v-today", "flood", Severity.LOW, now));

        // Then the review queue of today (UTC) shows it
        assertThat(ids(moderators.get(MODERATOR, "/v1/moderation/verdicts?rule=flood", 200))).contains("today-1");
    }

    @Test
    void shouldListTheActionsOnAUserNewestFirstWithWhoIssuedThem() throws Exception {
        // Given a mute by the job, an unmute by an admin, a redaction by the job
        Instant t = DAY_START.plus(Duration.ofHours(12));
        ingress.store(action("a-1", "listed", "flink-moderation", t, new Mute(t.plusSeconds(600))),
                action("a-2", "listed", "admin:ops", t.plusSeconds(60), new Unmute()),
                action("a-3", "listed", "flink-moderation", t.plusSeconds(120), new Redact("g:1", 7L)));

        // When mia lists them
        JsonNode body = moderators.get(MODERATOR, "/v1/moderation/users/listed/actions", 200);

        // Then newest first, with their issuer and what each did
        JsonNode list = body.get("actions");
        assertThat(list).extracting(a -> a.get("action_id").asText()).containsExactly("a-3", "a-2", "a-1");
        assertThat(list).extracting(a -> a.get("issued_by").asText()).containsExactly("flink-moderation", "admin:ops", "flink-moderation");
        assertThat(list).extracting(a -> a.get("action").asText()).containsExactly("Redact", "Unmute", "Mute");
        assertThat(list.get(0).get("conversation_id").asText()).isEqualTo("g:1");
        assertThat(list.get(0).get("seq").asLong()).isEqualTo(7);
        assertThat(list.get(2).get("until").asText()).isEqualTo(t.plusSeconds(600).toString());
        assertThat(list.get(2).get("reason").asText()).isEqualTo("reason a-1");
        assertThat(body.get("has_more").asBoolean()).isFalse();
        JsonNode page = moderators.get(MODERATOR, "/v1/moderation/users/listed/actions?limit=2", 200);
        assertThat(page.get("actions")).extracting(a -> a.get("action_id").asText()).containsExactly("a-3", "a-2");
        assertThat(page.get("has_more").asBoolean()).isTrue();
        expectError("GET", "/v1/moderation/users/bad:id/actions", null, 400, "invalid_user_id");
    }

    private static JsonNode send(String method, String path, String body, String idempotencyKey) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(users.uri(path))
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", "Bearer " + new dev.kchat.api.auth.TokenMinter(TestIngress.SECRET, null)
                        .mint(MODERATOR, Duration.ofMinutes(5), "moderator"))
                .header("Idempotency-Key", idempotencyKey).build(), HttpResponse.BodyHandlers.ofString());
        return ApiClient.expect(response, 202, method + " " + path);
    }

    private static void expectError(String method, String path, String body, int status, String code) throws Exception {
        ApiClient.assertError(moderators.call(MODERATOR, method, path, body, status), code);
    }

    /** Every verdict id of every page, following next_before until there is none. */
    private static List<String> pages(String first) throws Exception {
        List<String> out = new ArrayList<>();
        Set<String> cursors = new LinkedHashSet<>();
        String path = first;
        for (int page = 0; page < 50; page++) {
            JsonNode body = moderators.get(MODERATOR, path, 200);
            out.addAll(ids(body));
            JsonNode next = body.get("next_before");
            if (next.isNull()) {
                return out;
            }
            assertThat(cursors.add(next.asText())).as("cursor %s repeats", next.asText()).isTrue();
            path = first + "&before=" + next.asText();
        }
        throw new AssertionError("no last page after 50: " + out);
    }

    private static List<String> ids(JsonNode body) {
        List<String> ids = new ArrayList<>();
        body.get("verdicts").forEach(v -> ids.add(v.get("verdict_id").asText()));
        return ids;
    }

    private static Verdict verdict(String id, String user, String rule, Severity severity, Instant at) {
        return Verdict.newBuilder().setVerdictId(id).setSubjectUserId(user).setRule(rule).setSeverity(severity)
                .setRef(ChatMessageRef.newBuilder().setConversationId("g:1").setSeq(42).setMessageId(null).build())
                .setDetectedAt(at).setEvidence("evidence of " + id).build();
    }

    private static ModerationAction action(String id, String user, String issuedBy, Instant at, Object what) {
        return ModerationAction.newBuilder().setActionId(id).setUserId(user).setIssuedBy(issuedBy).setReason("reason " + id)
                .setVerdictId(null).setIssuedAt(at).setAction(what).build();
    }
}
