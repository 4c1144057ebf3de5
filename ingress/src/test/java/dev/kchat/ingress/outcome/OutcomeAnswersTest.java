package dev.kchat.ingress.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeAnswersTest {

    private static final Duration MAX = Duration.ofSeconds(10);

    @Test
    void shouldReadTheWaitPreferenceCappedAtTheMaximumAndIgnoreWhatDoesNotParse() {
        assertThat(wait("wait=5")).contains(Duration.ofSeconds(5));
        assertThat(wait("respond-async, wait=3")).contains(Duration.ofSeconds(3));
        assertThat(wait("handling=lenient; WAIT = \"7\"")).contains(Duration.ofSeconds(7));
        assertThat(wait("wait=120")).contains(MAX);
        assertThat(wait("wait=0")).isEmpty();
        assertThat(wait("wait=-1")).isEmpty();
        assertThat(wait("wait=abc")).isEmpty();
        assertThat(wait("await=5")).isEmpty();
        assertThat(wait("wait=99999999999999999999")).as("too long a number is no preference").isEmpty();
        assertThat(OutcomeAnswers.requestedWait(null, MAX)).isEmpty();
    }

    @Test
    void shouldAnswer201ForANewMessageOrConversation200ForOtherCommandsAndMapRejectionCodes() {
        assertThat(OutcomeAnswers.status(accepted("SendMessage", false))).isEqualTo(201);
        assertThat(OutcomeAnswers.status(accepted("CreateConversation", true))).isEqualTo(201);
        assertThat(OutcomeAnswers.status(accepted("RenameConversation", false))).isEqualTo(200);
        assertThat(List.of("not_a_member", "forbidden", "muted", "conversation_not_found", "target_not_found",
                "conversation_exists", "edit_window_expired", "invalid_command", "some_future_code"))
                .extracting(code -> OutcomeAnswers.status(rejected(code)))
                .containsExactly(403, 403, 403, 404, 404, 409, 422, 422, 422);
    }

    @Test
    void shouldAddTheSeqToTheQueuedBodyOrAnswerTheErrorShapeWithTheCommandId() {
        ObjectNode queued = ApiJson.JSON.createObjectNode().put("conversation_id", "g:1").put("command_id", "c-1");

        ObjectNode ok = OutcomeAnswers.body(queued, accepted("SendMessage", true));
        ObjectNode no = OutcomeAnswers.body(queued, rejected("forbidden"));

        assertThat(ok.get("status").asText()).isEqualTo("accepted");
        assertThat(ok.get("seq").asLong()).isEqualTo(7);
        assertThat(ok.get("duplicate").asBoolean()).isTrue();
        assertThat(ok.get("conversation_id").asText()).isEqualTo("g:1");
        assertThat(queued.has("seq")).as("the queued body is not changed").isFalse();
        assertThat(no.at("/error/code").asText()).isEqualTo("forbidden");
        assertThat(no.at("/error/message").asText()).isEqualTo("because");
        assertThat(no.at("/error/command_id").asText()).isEqualTo("c-1");
        assertThat(no.at("/error/until").isMissingNode()).isTrue();
        CommandResult muted = result("SendMessage", CommandRejected.newBuilder().setCode("muted").setReason("spam")
                .setUntil(Instant.parse("2026-11-26T10:10:00Z")).build());
        assertThat(OutcomeAnswers.body(queued, muted).at("/error/until").asText()).isEqualTo("2026-11-26T10:10:00Z");
    }

    private static java.util.Optional<Duration> wait(String header) {
        return OutcomeAnswers.requestedWait(new ArrayDeque<>(List.of(header)), MAX);
    }

    private static CommandResult accepted(String type, boolean duplicate) {
        return result(type, CommandAccepted.newBuilder().setSeq(7).setDuplicate(duplicate).build());
    }

    private static CommandResult rejected(String code) {
        return result("AddMembers", CommandRejected.newBuilder().setCode(code).setReason("because").build());
    }

    private static CommandResult result(String type, Object outcome) {
        return CommandResult.newBuilder().setCommandId("c-1").setConversationId("g:1").setSenderId("alice")
                .setCommandType(type).setDecidedAt(Instant.EPOCH).setOutcome(outcome).build();
    }
}
