package dev.kchat.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/**
 * Decodes JSON request bodies strictly: valid UTF-8 only, no unknown fields, no trailing content,
 * field names in snake_case; each failure becomes a 400 with a precise code.
 */
public final class ApiJson {

    /** The API's JSON mapper (snake_case, strict). */
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private ApiJson() {
    }

    /** Decodes a body into a request record, or throws a 400 {@link ApiException}. */
    public static <T> T read(byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw ApiException.badRequest("missing_body", "a JSON body is required");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("invalid_utf8", "the body is not valid UTF-8");
        }
        return mapped(() -> JSON.readValue(text, type));
    }

    /** Binds a JSON tree (e.g. a WebSocket frame without its routing fields) as strictly as a body. */
    public static <T> T convert(JsonNode node, Class<T> type) {
        return mapped(() -> JSON.treeToValue(node, type));
    }

    /** Decodes UTF-8 text into a JSON tree, or throws a 400 {@link ApiException}. */
    public static JsonNode tree(String text) {
        return mapped(() -> JSON.readTree(text));
    }

    private interface Binding<T> {
        T bind() throws JsonProcessingException;
    }

    private static <T> T mapped(Binding<T> binding) {
        try {
            return binding.bind();
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.badRequest("unknown_field", "unknown field '" + e.getPropertyName() + "'");
        } catch (InvalidFormatException e) {
            throw ApiException.badRequest("invalid_field", "field '" + path(e) + "' has the wrong type or format");
        } catch (MismatchedInputException e) {
            String path = path(e);
            throw ApiException.badRequest("invalid_field", path.isEmpty()
                    ? "the body must be a JSON object" : "field '" + path + "' has the wrong type");
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid_json", "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String path(MismatchedInputException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
