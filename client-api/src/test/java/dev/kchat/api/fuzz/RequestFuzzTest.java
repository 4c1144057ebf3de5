package dev.kchat.api.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.CommandFactory;
import dev.kchat.api.Limits;
import dev.kchat.api.Requests;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The validation every door shares (strict JSON into request records, records into commands), over
 * whatever a client may send: it either builds a command or refuses with a 4xx {@link ApiException}
 * and a machine code; it never fails any other way (which a door would answer 500).
 */
class RequestFuzzTest {

    private static final Instant NOW = Instant.parse("2026-11-26T08:00:00Z");
    private static final List<String> VALID = List.of(
            "{\"client_msg_id\":\"m-1\",\"body\":\"hi\",\"mentions\":[\"bob\"],\"reply_to_seq\":3}",
            "{\"client_msg_id\":\"m-2\",\"attachments\":[{\"url\":\"https://cdn.example/a.jpg\",\"mime_type\":\"image/jpeg\",\"size_bytes\":10}]}",
            "{\"kind\":\"group\",\"name\":\"team\",\"members\":[\"bob\",\"carol\"]}",
            "{\"user_ids\":[\"dave\"]}");

    private final CommandFactory factory = new CommandFactory(Limits.defaults());
    private final Caller alice = new Caller("alice", "phone");

    @Provide
    Arbitrary<byte[]> bodies() {
        return net.jqwik.api.Arbitraries.oneOf(FuzzInputs.texts(VALID, 70_000).map(FuzzInputs::utf8), FuzzInputs.bytes(300));
    }

    @Property(tries = 300)
    void shouldTurnAnyBodyIntoACommandOrA4xxRefusal(@ForAll("bodies") byte[] body) {
        try {
            factory.sendMessage(alice, "g-fuzz", ApiJson.read(body, Requests.SendMessage.class), NOW);
            factory.createConversation(alice, ApiJson.read(body, Requests.CreateConversation.class), NOW);
            factory.addMembers(alice, "g-fuzz", ApiJson.read(body, Requests.AddMembers.class), NOW);
        } catch (ApiException refused) {
            assertThat(refused.status()).as(refused.getMessage()).isBetween(400, 499);
            assertThat(refused.code()).isNotBlank();
        }
    }
}
