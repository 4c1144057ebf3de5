package dev.kchat.streams;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SortableKeysTest {

    @Test
    void shouldWriteWhatTheFormatterWrites() {
        for (long n : new long[] {0, 1, 9, 10, 4_200, 1_700_000_000_000L, Long.MAX_VALUE, -1, -42, Long.MIN_VALUE}) {
            assertThat(SortableKeys.padded(n)).as("%d", n).isEqualTo(String.format("%019d", n));
        }
    }

    @Test
    void shouldSortAsTheNumbersDo() {
        assertThat(SortableKeys.padded(9)).isLessThan(SortableKeys.padded(10));
        assertThat(SortableKeys.padded(999_999)).isLessThan(SortableKeys.padded(1_000_000));
        assertThat(SortableKeys.padded(Long.MAX_VALUE - 1)).isLessThan(SortableKeys.padded(Long.MAX_VALUE));
    }
}
