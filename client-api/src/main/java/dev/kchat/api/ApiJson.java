package dev.kchat.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes JSON request bodies strictly: valid UTF-8 only, a JSON object at the top, no unknown fields,
 * no trailing content, field names in snake_case, and every value of the JSON type its field declares:
 * no coercion between strings, numbers and booleans ({@code "body": 42} is refused, not stored as
 * {@code "42"}; {@code "seq": "5"} and {@code "seq": 5.0} are refused too). Each failure becomes a 400
 * with a precise code:
 *
 * <ul>
 *   <li>{@code missing_body}, {@code invalid_utf8}, {@code invalid_json}: no body, bad bytes, bad syntax;</li>
 *   <li>{@code invalid_field}: the top is not a JSON object (null included), or a value of the right
 *       type is out of range or malformed;</li>
 *   <li>{@code invalid_type}: a field's value has the wrong JSON type (the message names the field and
 *       the type it takes);</li>
 *   <li>{@code unknown_field}: a field the request does not have.</li>
 * </ul>
 *
 * <p>The WebSocket edge binds its frames with the same mapper ({@link #convert}), so frames get the
 * same rules and codes.
 */
public final class ApiJson {

    /** The API's JSON mapper (snake_case, strict). */
    public static final ObjectMapper JSON = strict(JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build());

    private ApiJson() {
    }

    /**
     * No coercion of scalars: Jackson by default reads a number or boolean into a String field, a
     * numeric string ({@code "5"}) or {@code ""} into a number, and {@code 1} or {@code "true"} into a
     * Boolean (ALLOW_COERCION_OF_SCALARS, off above, covers only some of these). Every such coercion
     * fails instead, and so becomes {@code invalid_type}.
     */
    private static ObjectMapper strict(ObjectMapper mapper) {
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        for (LogicalType scalar : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            mapper.coercionConfigFor(scalar)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        return mapper;
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
        return present(mapped(() -> JSON.readValue(text, type)));
    }

    /** Binds a JSON tree (e.g. a WebSocket frame without its routing fields) as strictly as a body. */
    public static <T> T convert(JsonNode node, Class<T> type) {
        return present(mapped(() -> JSON.treeToValue(node, type)));
    }

    /** A JSON {@code null} at the top binds to null: refused like any other non-object. */
    private static <T> T present(T bound) {
        if (bound == null) {
            throw ApiException.badRequest("invalid_field", "the body must be a JSON object, not null");
        }
        return bound;
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
        } catch (MismatchedInputException e) {
            // Also InvalidFormatException: a coercion refused by strict(), or a string in the wrong format.
            String path = path(e);
            if (path.isEmpty()) {
                throw ApiException.badRequest("invalid_field", "the body must be a JSON object");
            }
            Class<?> target = e.getTargetType();
            if (e instanceof InvalidFormatException bad && bad.getValue() instanceof String && target != null
                    && !CharSequence.class.isAssignableFrom(target) && !Number.class.isAssignableFrom(target)
                    && !Boolean.class.equals(target) && !target.isPrimitive()) {
                // A string where a string belongs (an enum or a time), in a format the type does not take.
                throw ApiException.badRequest("invalid_field", "field '" + path + "' has the wrong format");
            }
            throw ApiException.badRequest("invalid_type", "field '" + path + "' must be " + describe(target));
        } catch (JsonMappingException e) {
            // A number out of range of its field (e.g. a seq beyond 2^63 - 1): the parser's error, wrapped with the path.
            if (e.getCause() instanceof InputCoercionException && !e.getPath().isEmpty()) {
                throw ApiException.badRequest("invalid_field", "field '" + path(e) + "' is out of range");
            }
            throw ApiException.badRequest("invalid_json", "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid_json", "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** The JSON type a field takes, for messages. */
    private static String describe(Class<?> target) {
        if (target == null) {
            return "of another type";
        }
        if (CharSequence.class.isAssignableFrom(target) || target.isEnum()) {
            return "a string";
        }
        if (target == Long.class || target == Integer.class || target == Short.class || target == long.class
                || target == int.class || target == short.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(target) || target == double.class || target == float.class) {
            return "a number";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "an array";
        }
        return "an object";
    }

    /** The field's path as a client writes it: {@code attachments[0].size_bytes}. */
    private static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                out.append(out.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }
}
