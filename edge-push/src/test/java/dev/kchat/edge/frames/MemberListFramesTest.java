package dev.kchat.edge.frames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.edge.members.ListRange;
import org.junit.jupiter.api.Test;

class MemberListFramesTest {

    @Test
    void shouldReadUpToThreeInclusiveRangesOfAtMostAHundred() throws Exception {
        assertThat(MemberListFrames.ranges(ApiJson.JSON.readTree("[[0,99],[100,199],[250,250]]")))
                .containsExactly(new ListRange(0, 99), new ListRange(100, 199), new ListRange(250, 250));
    }

    @Test
    void shouldRefuseEachMalformedRangeWithItsOwnCode() {
        assertThat(code("[[0,99],[100,199],[200,299],[300,399]]")).isEqualTo("too_many_ranges");
        assertThat(code("[[0,100]]")).isEqualTo("range_too_long");
        assertThat(code("[]")).isEqualTo("invalid_ranges");
        assertThat(code("[[5,4]]")).isEqualTo("invalid_ranges");
        assertThat(code("[[-1,4]]")).isEqualTo("invalid_ranges");
        assertThat(code("[[0,1.5]]")).isEqualTo("invalid_ranges");
        assertThat(code("[[\"0\",9]]")).isEqualTo("invalid_ranges");
        assertThat(code("[[0,9,10]]")).isEqualTo("invalid_ranges");
        assertThat(code("[[0,4294967296]]")).isEqualTo("invalid_ranges");
        assertThat(code("{\"first\":0}")).isEqualTo("invalid_ranges");
    }

    private static String code(String ranges) {
        try {
            MemberListFrames.ranges(ApiJson.JSON.readTree(ranges));
        } catch (ApiException e) {
            assertThat(e.getMessage()).isNotBlank();
            return e.code();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        throw new AssertionError("accepted " + ranges);
    }
}
