package dev.kchat.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.api.ApiException;
import io.undertow.server.HttpServerExchange;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Query and path parameters: ASCII integers in range, else {@code 400 invalid_parameter} naming the parameter. */
class ParametersTest {

    @Test
    void shouldReadAbsentAndEmptyIntegersAsAbsent() {
        assertThat(Parameters.longParam(exchange(), "since")).isEmpty();
        assertThat(Parameters.longParam(exchange("since", ""), "since")).isEmpty();
    }

    @Test
    void shouldReadIntegersFromZeroToTwoToThe53MinusOne() {
        assertThat(Parameters.longParam(exchange("since", "0"), "since")).isEqualTo(OptionalLong.of(0));
        assertThat(Parameters.longParam(exchange("since", "0042"), "since")).isEqualTo(OptionalLong.of(42));
        assertThat(Parameters.longParam(exchange("since", "9007199254740991"), "since"))
                .isEqualTo(OptionalLong.of(Parameters.MAX_INTEGER));
    }

    @Test
    void shouldReadTheFirstOfRepeatedValues() {
        assertThat(Parameters.longParam(exchange("limit", "5", "limit", "6"), "limit")).isEqualTo(OptionalLong.of(5));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "+1", "1.5", "1e3", " 1", "1 ", "٣", "9007199254740992", "99999999999999999999", "0x10", "abc"})
    void shouldRefuseAnythingButAsciiDigitsInRangeNamingTheParameter(String value) {
        assertThatThrownBy(() -> Parameters.longParam(exchange("before", value), "before"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("invalid_parameter");
                    assertThat(e.getMessage()).isEqualTo("before must be an integer from 0 to 9007199254740991, not '" + value + "'");
                });
    }

    @Test
    void shouldQuoteOnlyTheStartOfALongRefusedValue() {
        String value = "1".repeat(50);

        assertThatThrownBy(() -> Parameters.longParam(exchange("after", value), "after"))
                .hasMessage("after must be an integer from 0 to 9007199254740991, not '" + "1".repeat(40) + "...'");
    }

    @Test
    void shouldReadPathSeqsFromOne() {
        assertThat(Parameters.seqPathParam(exchange("seq", "1"), "seq")).isEqualTo(1);
        assertThatThrownBy(() -> Parameters.seqPathParam(exchange("seq", "0"), "seq"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("invalid_parameter"))
                .hasMessage("seq must be an integer from 1 to 9007199254740991, not '0'");
    }

    @Test
    void shouldRefuseAMissingPathParameter() {
        assertThatThrownBy(() -> Parameters.pathParam(exchange(), "id"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("missing_parameter");
                })
                .hasMessage("missing path parameter id");
    }

    @Test
    void shouldReadStringsAsGivenOrTheDefaultWhenAbsent() {
        assertThat(Parameters.stringParam(exchange(), "order", "newest")).isEqualTo("newest");
        assertThat(Parameters.stringParam(exchange("order", ""), "order", "newest")).isEmpty();
        assertThat(Parameters.stringParam(exchange("order", "oldest"), "order", "newest")).isEqualTo("oldest");
    }

    /** An exchange with query parameters given as name, value, name, value, ... */
    private static HttpServerExchange exchange(String... namesAndValues) {
        HttpServerExchange ex = new HttpServerExchange(null);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            ex.addQueryParam(namesAndValues[i], namesAndValues[i + 1]);
        }
        return ex;
    }
}
