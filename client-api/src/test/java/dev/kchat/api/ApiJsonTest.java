package dev.kchat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.NullNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Strict decoding: every value of the JSON type its field declares, and a JSON object at the top. */
class ApiJsonTest {

    @ParameterizedTest
    @ValueSource(strings = {"42", "true", "1.5", "[\"hi\"]", "{\"text\":\"hi\"}"})
    void shouldRefuseAStringFieldGivenAnotherJsonType(String value) {
        // When a message body is a number, a boolean, an array or an object
        ApiException refused = refusal("{\"client_msg_id\":\"k1\",\"body\":" + value + "}", Requests.SendMessage.class);

        // Then it is refused, naming the field and its type (it was stored as the string "42")
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.code()).isEqualTo("invalid_type");
        assertThat(refused.getMessage()).isEqualTo("field 'body' must be a string");
    }

    @Test
    void shouldRefuseEveryCoercionBetweenStringsNumbersAndBooleans() {
        assertType("{\"client_msg_id\":7,\"body\":\"x\"}", Requests.SendMessage.class, "client_msg_id", "a string");
        assertType("{\"client_msg_id\":\"k\",\"reply_to_seq\":\"5\"}", Requests.SendMessage.class, "reply_to_seq", "an integer");
        assertType("{\"client_msg_id\":\"k\",\"reply_to_seq\":\"\"}", Requests.SendMessage.class, "reply_to_seq", "an integer");
        assertType("{\"client_msg_id\":\"k\",\"reply_to_seq\":true}", Requests.SendMessage.class, "reply_to_seq", "an integer");
        assertType("{\"client_msg_id\":\"k\",\"reply_to_seq\":2.0}", Requests.SendMessage.class, "reply_to_seq", "an integer");
        assertType("{\"client_msg_id\":\"k\",\"mentions\":\"bob\"}", Requests.SendMessage.class, "mentions", "an array");
        assertType("{\"client_msg_id\":\"k\",\"mentions\":[\"bob\",1]}", Requests.SendMessage.class, "mentions[1]", "a string");
        assertType("{\"client_msg_id\":\"k\",\"attachments\":[\"https://x/y\"]}", Requests.SendMessage.class,
                "attachments[0]", "an object");
        assertType("{\"client_msg_id\":\"k\",\"attachments\":[{\"url\":\"https://x/y\",\"mime_type\":\"image/png\","
                + "\"size_bytes\":\"3\"}]}", Requests.SendMessage.class, "attachments[0].size_bytes", "an integer");
        assertType("{\"seq\":\"12\"}", Requests.MarkRead.class, "seq", "an integer");
        assertType("{\"kind\":1,\"members\":[\"bob\"]}", Requests.CreateConversation.class, "kind", "a string");
        assertType("{\"user_ids\":[true]}", Requests.AddMembers.class, "user_ids[0]", "a string");
        assertType("{\"role\":false}", Requests.ChangeRole.class, "role", "a string");
        assertType("{\"name\":{}}", Requests.Rename.class, "name", "a string");
        assertType("{\"emoji\":1}", Requests.React.class, "emoji", "a string");
        assertType("{\"body\":[]}", Requests.EditMessage.class, "body", "a string");
    }

    @Test
    void shouldRefuseANullOrNonObjectBodyAsInvalidField() {
        for (String body : List.of("null", " null ", "[1]", "42", "\"text\"", "true")) {
            ApiException refused = refusal(body, Requests.SendMessage.class);
            assertThat(refused.code()).as(body).isEqualTo("invalid_field");
            assertThat(refused.getMessage()).as(body).startsWith("the body must be a JSON object");
        }
        // A frame's fields bound from a tree get the same answer
        ApiException frame = catchThrowableOfType(() -> ApiJson.convert(NullNode.getInstance(), Requests.SendMessage.class),
                ApiException.class);
        assertThat(frame.code()).isEqualTo("invalid_field");
    }

    @Test
    void shouldRefuseANumberOutOfRangeOfItsFieldNamingIt() {
        ApiException refused = refusal("{\"seq\":99999999999999999999}", Requests.MarkRead.class);

        assertThat(refused.code()).isEqualTo("invalid_field");
        assertThat(refused.getMessage()).isEqualTo("field 'seq' is out of range");
    }

    @Test
    void shouldRefuseATreeWithAWrongTypeAsABodyIs() {
        // Given a WebSocket send frame's fields, as the edge binds them
        var fields = ApiJson.tree("{\"client_msg_id\":\"k\",\"body\":42}");

        // Then the same code as over HTTP
        ApiException refused = catchThrowableOfType(() -> ApiJson.convert(fields, Requests.SendMessage.class), ApiException.class);
        assertThat(refused.code()).isEqualTo("invalid_type");
    }

    @Test
    void shouldStillBindValuesOfTheRightTypes() {
        Requests.SendMessage send = ApiJson.read(("{\"client_msg_id\":\"k\",\"body\":\"42\",\"reply_to_seq\":7,"
                + "\"mentions\":[\"bob\"],\"attachments\":[{\"url\":\"https://x/y\",\"mime_type\":\"image/png\","
                + "\"size_bytes\":3,\"name\":null}]}").getBytes(StandardCharsets.UTF_8), Requests.SendMessage.class);

        assertThat(send.body()).isEqualTo("42");
        assertThat(send.replyToSeq()).isEqualTo(7L);
        assertThat(send.mentions()).containsExactly("bob");
        assertThat(send.attachments().get(0).sizeBytes()).isEqualTo(3L);
        assertThat(ApiJson.read("{\"seq\":9007199254740993}".getBytes(StandardCharsets.UTF_8), Requests.MarkRead.class).seq())
                .isEqualTo(9_007_199_254_740_993L);
    }

    private static void assertType(String body, Class<?> type, String field, String expected) {
        ApiException refused = refusal(body, type);
        assertThat(refused.code()).as(body).isEqualTo("invalid_type");
        assertThat(refused.getMessage()).as(body).isEqualTo("field '" + field + "' must be " + expected);
    }

    private static ApiException refusal(String body, Class<?> type) {
        ApiException refused = catchThrowableOfType(() -> ApiJson.read(body.getBytes(StandardCharsets.UTF_8), type),
                ApiException.class);
        assertThat(refused).as("%s is refused", body).isNotNull();
        return refused;
    }
}
