package dev.kchat.ingress;

import static dev.kchat.ingress.ApiClient.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.SendMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits at the HTTP door, against the real ingress and broker: past a user's bucket a send is
 * answered 429 {@code rate_limited} with {@code Retry-After} and produces nothing; once the bucket
 * refills the user sends again. Small buckets here (the defaults are sized for people, not tests).
 */
class RateLimitApiTest {

    private static TestIngress ingress;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        ingress = TestIngress.start("ingress_rates", Map.of(
                // 3 at once, then one every 2 s: a burst of 10 within a few seconds cannot all pass
                "limits.rate.send.user", "3/6s",
                "limits.rate.create_conversation.user", "2/1h",
                "limits.rate.member_change.user", "1/1h"));
        api = new ApiClient(TestIngress.SECRET, ingress::port);
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
    }

    @Test
    void shouldRefuseSendsBeyondTheUsersBucketWith429AndRetryAfterAndProduceNothingForThem() throws Exception {
        String conversation = "g-rates";
        String messages = "/v1/conversations/" + conversation + "/messages";

        // When zed-sender sends 10 messages as fast as she can
        List<String> accepted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String id = "burst-" + i;
            HttpResponse<String> response = api.send("zed-sender", "POST", messages,
                    HttpRequest.BodyPublishers.ofString("{\"client_msg_id\":\"" + id + "\",\"body\":\"hi " + i + "\"}"));
            if (response.statusCode() == 429) {
                // Then each refusal says which limit, with a machine code and when to retry
                JsonNode body = ApiClient.expect(response, 429, id);
                assertError(body, "rate_limited");
                assertThat(body.at("/error/message").asText()).contains("send");
                assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(
                        seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 6));
                refused.add(id);
            } else {
                ApiClient.expect(response, 202, id);
                accepted.add(id);
            }
        }
        assertThat(accepted).hasSizeGreaterThanOrEqualTo(3);
        assertThat(refused).isNotEmpty();

        // When the bucket has refilled, her next send is taken
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> api.send("zed-sender", "POST",
                messages, HttpRequest.BodyPublishers.ofString("{\"client_msg_id\":\"marker\",\"body\":\"again\"}"))
                .statusCode() == 202);

        // Then chat.commands holds the accepted sends and the marker, and none of the refused ones
        List<ChatCommand> commands = ingress.recordsUpTo(ingress.topics().commands(), conversation,
                c -> c.getPayload() instanceof SendMessage s && s.getClientMsgId().equals("marker"));
        List<String> produced = commands.stream().map(c -> ((SendMessage) c.getPayload()).getClientMsgId()).toList();
        List<String> expected = new ArrayList<>(accepted);
        expected.add("marker");
        assertThat(produced).containsExactlyElementsOf(expected);

        // and the refusals are counted by door and limit, not by user
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ingress.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        // (the refusals while waiting for the marker count too)
        java.util.regex.Matcher count = java.util.regex.Pattern.compile(
                "kchat_limits_refused_total\\{app=\"ingress\",door=\"http\",limit=\"send\",scope=\"user\"} ([0-9.]+)").matcher(scrape);
        assertThat(count.find()).as("refusal counter in %s", scrape).isTrue();
        assertThat(Double.parseDouble(count.group(1))).isGreaterThanOrEqualTo(refused.size());
        assertThat(scrape).doesNotContain("zed-sender");
    }

    @Test
    void shouldLimitConversationCreatesAndMemberChangesPerUser() throws Exception {
        String create = "{\"kind\":\"group\",\"name\":\"g\",\"members\":[\"bob\"]}";
        api.call("cy", "POST", "/v1/conversations", create, 202);
        api.call("cy", "POST", "/v1/conversations", create, 202);

        assertThat(api.call("cy", "POST", "/v1/conversations", create, 429).at("/error/message").asText())
                .contains("create_conversation");
        // another user has a bucket of their own
        api.call("dee", "POST", "/v1/conversations", create, 202);

        api.call("cy", "POST", "/v1/conversations/g-cy/members", "{\"user_ids\":[\"eve\"]}", 202);
        assertThat(api.call("cy", "DELETE", "/v1/conversations/g-cy/members/eve", null, 429).at("/error/message").asText())
                .contains("member_change");
    }
}
