package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The moderation loop through the real platform with the Flink job in its child JVM: a spammer is
 * muted automatically and their next send is refused at their device; a message with a forbidden
 * phrase is redacted from every member's history and live view; a moderator unmutes and the sender
 * posts again.
 */
class ModerationEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @TempDir
    static Path dataDir;
    private static LocalPlatform platform;
    private static PlatformClient client;

    @BeforeAll
    static void start() {
        // A burst is 8 messages in 20 s here (the defaults are sized for production).
        platform = TestPlatforms.startWithModeration(dataDir, Map.of(
                "moderation.burst.max.messages", "8",
                "moderation.burst.window", "20s",
                "moderation.burst.mute", "10m",
                "moderation.sensitive.mute", "10m"));
        client = new PlatformClient(platform);
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void shouldMuteASpammerRefuseTheirNextSendAtTheirDeviceAndLetThemPostAgainOnceAModeratorUnmutes() throws Exception {
        // Given sid and una in a group, sid's phone connected
        String group = command("sid", "POST", "/v1/conversations", "{\"kind\":\"group\",\"name\":\"spam\",\"members\":[\"una\"]}")
                .get("conversation_id").asText();
        WsDevice phone = WsDevice.connect(platform.edgeUrl(), platform.token("sid", Duration.ofHours(1)), "sid", "sid-phone", 0);

        // When sid floods the group until a send is refused
        AtomicInteger sent = new AtomicInteger();
        await().atMost(DEADLINE).until(() -> {
            int n = sent.incrementAndGet();
            JsonNode answer = send("sid", group, "flood-" + n, "buy now, offer " + n);
            return answer.at("/error/code").asText().equals("muted");
        });

        // Then his device was told too, with when the mute ends; and the verdict is on record
        await().atMost(DEADLINE).until(() -> phone.framesOfType("rejected").stream()
                .anyMatch(f -> f.path("code").asText().equals("muted") && !f.path("until").asText().isEmpty()));
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(
                moderator("GET", "/v1/moderation/verdicts?user=sid", null, 200).get("verdicts").findValuesAsText("rule"))
                .contains("rate_burst"));

        // When a moderator lifts the mute
        moderator("POST", "/v1/moderation/users/sid/unmute", "{\"reason\":\"false positive\"}", 202);

        // Then sid posts again
        AtomicInteger after = new AtomicInteger();
        await().atMost(DEADLINE).until(() -> send("sid", group, "after-" + after.incrementAndGet(), "sorry").path("status")
                .asText().equals("accepted"));
        phone.close();
    }

    @Test
    void shouldRedactAMessageWithAForbiddenPhraseFromEveryMembersHistoryAndLiveView() throws Exception {
        // Given a moderator's rule, and val and wes in a group with wes's laptop connected
        moderator("PUT", "/v1/moderation/rules/test-phrases",
                "{\"enabled\":true,\"severity\":\"HIGH\",\"words\":[\"free crypto\"],\"params\":{}}", 202);
        String group = command("val", "POST", "/v1/conversations", "{\"kind\":\"group\",\"name\":\"g\",\"members\":[\"wes\"]}")
                .get("conversation_id").asText();
        WsDevice laptop = WsDevice.connect(platform.edgeUrl(), platform.token("wes", Duration.ofHours(1)), "wes", "wes-laptop", 0);

        // When val posts the phrase (again, until the job has the rule: rules reach it asynchronously)
        AtomicInteger tries = new AtomicInteger();
        long[] redactedSeq = {0};
        await().atMost(DEADLINE).pollInterval(Duration.ofSeconds(2)).until(() -> {
            JsonNode answer = send("val", group, "crypto-" + tries.incrementAndGet(), "get FREE  crypto here");
            if (answer.at("/error/code").asText().equals("muted")) {
                // val was muted for an earlier try: its redaction is on the way
                return redactedSeq[0] > 0 || laptopSawRedaction(laptop, group, redactedSeq);
            }
            return laptopSawRedaction(laptop, group, redactedSeq);
        });

        // Then wes's device got the redaction, and history shows the message without its content
        await().atMost(DEADLINE).untilAsserted(() -> {
            JsonNode events = request("GET", "wes", "/v1/conversations/" + group + "/messages?order=oldest", null, 200).get("events");
            JsonNode message = null;
            for (JsonNode e : events) {
                if (e.get("seq").asLong() == redactedSeq[0]) {
                    message = e;
                }
            }
            assertThat(message).as("message %d in history", redactedSeq[0]).isNotNull();
            assertThat(message.path("status").asText()).isEqualTo("REDACTED");
            assertThat(message.path("body").isNull() || message.path("body").isMissingNode()).isTrue();
        });
        laptop.close();
    }

    /** Whether wes's laptop got a MessageRedacted in the group; remembers the redacted seq. */
    private static boolean laptopSawRedaction(WsDevice laptop, String group, long[] redactedSeq) {
        for (JsonNode f : laptop.framesOfType("event")) {
            JsonNode item = f.path("entry").path("item");
            if (item.path("conversation_id").asText().equals(group)
                    && item.path("payload").path("type").asText().equals("MessageRedacted")) {
                redactedSeq[0] = item.path("payload").path("target_seq").asLong();
                return true;
            }
        }
        return false;
    }

    private static JsonNode send(String user, String conversationId, String clientMsgId, String body) throws Exception {
        return client.call(user, "POST", "/v1/conversations/" + conversationId + "/messages",
                "{\"client_msg_id\":\"" + clientMsgId + "\",\"body\":\"" + body + "\"}", true, null).body();
    }

    private static JsonNode command(String user, String method, String path, String body) throws Exception {
        PlatformClient.Answer answer = client.call(user, method, path, body, true, null);
        assertThat(answer.status()).as("%s %s -> %s", method, path, answer.body()).isBetween(200, 201);
        return answer.body();
    }

    private static JsonNode moderator(String method, String path, String body, int status) throws Exception {
        return client.expect("tess", method, path, body, status, "moderator");
    }

    private static JsonNode request(String method, String user, String path, String body, int status) throws Exception {
        return client.expect(user, method, path, body, status);
    }
}
