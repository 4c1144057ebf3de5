package dev.kchat.api.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * What a careless or hostile client sends to a door, as jqwik arbitraries shared by the property tests
 * of every door (client-api's validation, ingress's HTTP API, the edge's WebSocket frames): JSON of
 * any shape, valid requests mutated by a few edits, random Unicode, huge values, deep nesting, random
 * bytes. Field names come partly from the protocol's own, so random JSON often reaches the validation
 * of real fields instead of stopping at the first unknown one.
 */
public final class FuzzInputs {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Names the doors read, plus a few they do not. */
    private static final List<String> FIELD_NAMES = List.of("type", "client_msg_id", "body", "conversation_id", "seq",
            "inbox_seq", "since_inbox_seq", "device_id", "kind", "name", "members", "user_ids", "mentions", "attachments",
            "reply_to_seq", "url", "mime_type", "size_bytes", "typing", "users", "status", "token", "emoji", "role", "x", "");

    private FuzzInputs() {
    }

    /** JSON values of any shape, nested up to {@code depth}: every kind of scalar, and field names the doors know. */
    public static Arbitrary<JsonNode> json(int depth) {
        Arbitrary<JsonNode> scalars = Arbitraries.oneOf(
                Arbitraries.just(NODES.nullNode()),
                Arbitraries.of(true, false).map(NODES::booleanNode),
                Arbitraries.longs().map(NODES::numberNode),
                Arbitraries.integers().between(-2, 5).map(NODES::numberNode),
                Arbitraries.doubles().map(NODES::numberNode),
                Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30)).map(NODES::numberNode),
                Arbitraries.bigDecimals().ofScale(5).map(d -> NODES.numberNode(new BigDecimal(d.toString()))),
                unicode(40).map(NODES::textNode),
                Arbitraries.of("hello", "send", "typing", "ack", "read", "ping", "hello", "refresh", "g-fuzz", "alice", "group",
                        "direct", "online").map(NODES::textNode));
        if (depth <= 0) {
            return scalars;
        }
        Arbitrary<JsonNode> inner = json(depth - 1);
        Arbitrary<JsonNode> arrays = inner.list().ofMaxSize(4).map(items -> {
            ArrayNode a = NODES.arrayNode();
            items.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> objects = Combinators.combine(Arbitraries.oneOf(Arbitraries.of(FIELD_NAMES), unicode(8)), inner)
                .as((k, v) -> new Object[] {k, v}).list().ofMaxSize(5).map(pairs -> {
                    ObjectNode o = NODES.objectNode();
                    for (Object[] kv : pairs) {
                        o.set((String) kv[0], (JsonNode) kv[1]);
                    }
                    return o;
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, scalars), net.jqwik.api.Tuple.of(2, arrays), net.jqwik.api.Tuple.of(5, objects));
    }

    /** Strings of any code points (letters, emoji, controls, lone surrogates), up to {@code max} chars. */
    public static Arbitrary<String> unicode(int max) {
        return Arbitraries.strings().all().ofMaxLength(max);
    }

    /**
     * Texts a client might send where a JSON object is expected: random JSON, one of {@code valid} with a
     * few random edits, random Unicode, a valid request with a huge string inside, nesting deeper than
     * any parser's limit, and plain garbage.
     *
     * @param huge length of the huge strings (pick one above the door's size limit to test it too)
     */
    public static Arbitrary<String> texts(List<String> valid, int huge) {
        return Arbitraries.oneOf(
                json(4).map(JsonNode::toString),
                mutated(valid),
                unicode(200),
                Arbitraries.of(valid).map(v -> v.replaceFirst("\"[^\"]*\"\\s*}", "\"" + "x".repeat(huge) + "\"}")),
                Arbitraries.integers().between(100, 20_000).map(n -> "[".repeat(n) + "]".repeat(n)),
                Arbitraries.integers().between(100, 5_000).map(n -> "{\"a\":".repeat(n) + "1" + "}".repeat(n)),
                Arbitraries.of("", " ", "null", "[]", "{}", "\"", "{", "}", "{\"type\":", "{\"type\":null}", "1e999999", "-0",
                        "{\"type\":\"send\",\"type\":\"ping\"}", "\uFEFF{}", "{\"type\":\"send\"}\u0000"));
    }

    /** One of {@code valid} with one to five random edits: a character deleted, inserted or replaced. */
    public static Arbitrary<String> mutated(List<String> valid) {
        Arbitrary<int[]> edit = Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().greaterOrEqual(0),
                Arbitraries.chars()).as((kind, at, c) -> new int[] {kind, at, c});
        return Combinators.combine(Arbitraries.of(valid), edit.list().ofMinSize(1).ofMaxSize(5)).as((text, edits) -> {
            StringBuilder b = new StringBuilder(text);
            for (int[] e : edits) {
                int at = b.length() == 0 ? 0 : e[1] % b.length();
                switch (e[0]) {
                    case 0 -> {
                        if (b.length() > 0) {
                            b.deleteCharAt(at);
                        }
                    }
                    case 1 -> b.insert(at, (char) e[2]);
                    default -> {
                        if (b.length() > 0) {
                            b.setCharAt(at, (char) e[2]);
                        }
                    }
                }
            }
            return b.toString();
        });
    }

    /** Random bytes (not always UTF-8), up to {@code max}. */
    public static Arbitrary<byte[]> bytes(int max) {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(max);
    }

    /** A text's UTF-8 bytes (a lone surrogate becomes '?', as any Java client would send it). */
    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
