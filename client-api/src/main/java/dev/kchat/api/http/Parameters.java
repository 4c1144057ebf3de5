package dev.kchat.api.http;

import dev.kchat.api.ApiException;
import io.undertow.server.HttpServerExchange;
import java.util.Deque;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Query and path parameters of an exchange, read and checked the same way at every HTTP door. A
 * value that does not pass is refused with {@link ApiException} {@code 400}: {@code missing_parameter}
 * or {@code invalid_parameter}, the message naming the parameter. Path parameters are those Undertow's
 * routing handler puts among the query parameters. Where a parameter is given more than once, the
 * first value counts.
 */
public final class Parameters {

    /**
     * The largest seq, limit or other integer a parameter may carry: 2^53 - 1, the largest integer
     * every JSON client (JavaScript's numbers included) holds exactly. No conversation or inbox comes
     * near it, and it keeps {@code seq + 1} far from overflowing a long.
     */
    public static final long MAX_INTEGER = 9_007_199_254_740_991L;
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,16}");
    /** How much of a refused value a message repeats. */
    private static final int QUOTED_MAX = 40;

    private Parameters() {
    }

    /** A path parameter's value; {@code 400 missing_parameter} if there is none. */
    public static String pathParam(HttpServerExchange ex, String name) {
        Deque<String> values = ex.getQueryParameters().get(name);
        if (values == null || values.isEmpty()) {
            throw ApiException.badRequest("missing_parameter", "missing path parameter " + name);
        }
        return values.getFirst();
    }

    /** A query parameter's value as given (an empty value included), or {@code defaultValue} if it is absent. */
    public static String stringParam(HttpServerExchange ex, String name, String defaultValue) {
        Deque<String> values = ex.getQueryParameters().get(name);
        return values == null || values.isEmpty() ? defaultValue : values.getFirst();
    }

    /**
     * A non-negative integer query parameter, if present (an empty value counts as absent): ASCII
     * digits only, at most {@link #MAX_INTEGER}; anything else (a sign, a fraction, an exponent, spaces,
     * other scripts' digits, an overflow) is {@code 400 invalid_parameter}.
     */
    public static OptionalLong longParam(HttpServerExchange ex, String name) {
        String value = stringParam(ex, name, "");
        return value.isEmpty() ? OptionalLong.empty() : OptionalLong.of(integer(name, value, 0));
    }

    /** A path parameter that is a seq: an integer from 1 to {@link #MAX_INTEGER}, else {@code 400 invalid_parameter}. */
    public static long seqPathParam(HttpServerExchange ex, String name) {
        return integer(name, pathParam(ex, name), 1);
    }

    /**
     * {@code text} as an integer from {@code min} to {@link #MAX_INTEGER}, in ASCII digits only; else
     * {@code 400 invalid_parameter} naming the parameter, the range and (the start of) the value.
     */
    public static long integer(String name, String text, long min) {
        long value = DIGITS.matcher(text).matches() ? Long.parseLong(text) : -1;
        if (value < min || value > MAX_INTEGER) {
            throw ApiException.badRequest("invalid_parameter", name + " must be an integer from " + min + " to " + MAX_INTEGER
                    + ", not '" + abbreviated(text) + "'");
        }
        return value;
    }

    private static String abbreviated(String text) {
        return text.length() <= QUOTED_MAX ? text : text.substring(0, QUOTED_MAX) + "...";
    }
}
