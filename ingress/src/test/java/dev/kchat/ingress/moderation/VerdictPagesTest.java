package dev.kchat.ingress.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.store.moderation.ModerationRepository.StoredVerdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The {@code before} cursor over a store that reads as {@code ModerationRepository} does, in memory. */
class VerdictPagesTest {

    private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");
    private static final Instant END = Instant.parse("2026-03-02T00:00:00Z");

    @Test
    void shouldPageWithoutGapsOrRepeatsWherePagesEndWithinAMillisecond() {
        // Given verdicts at 4 instants, three of them sharing one millisecond
        Store store = new Store(100, v("a", 4), v("b", 3), v("c", 3), v("d", 3), v("e", 2), v("f", 1));

        // Then every page size that fits three gets them all, once, in order
        for (int limit = 3; limit <= 7; limit++) {
            assertThat(all(store, limit, v -> true)).as("limit %d", limit).containsExactly("a", "b", "c", "d", "e", "f");
        }
    }

    @Test
    void shouldMoveOnWhenMoreThanAPageShareOneMillisecond() {
        // Given three verdicts of one millisecond and pages of two
        Store store = new Store(100, v("a", 4), v("b", 3), v("c", 3), v("d", 3), v("e", 2));

        // Then paging still ends, answering two of them (the documented limit)
        assertThat(all(store, 2, v -> true)).containsExactly("a", "b", "c", "e");
    }

    @Test
    void shouldGoOnPastAScanThatFoundTooFewAndSayThereIsMore() {
        // Given a store that scans 3 rows a read, and one match among 7 verdicts, the oldest
        Store store = new Store(3, v("a", 7), v("b", 6), v("c", 5), v("d", 5), v("e", 3), v("f", 2), v("x", 1));
        Predicate<StoredVerdict> onlyX = v -> v.verdictId().equals("x");

        // When the first page is read
        VerdictPages.Page first = VerdictPages.page(store, END, 10, onlyX, 3);

        // Then it is empty but has a cursor, and following cursors finds the match
        assertThat(first.verdicts()).isEmpty();
        assertThat(first.nextBefore()).isEqualTo(T.plusMillis(6));
        assertThat(all(store, 10, onlyX)).containsExactly("x");
    }

    @Test
    void shouldReadABeforeWithMicrosecondsAsTheMillisecondItFallsIn() {
        Store store = new Store(100, v("a", 2), v("b", 1));

        assertThat(VerdictPages.page(store, T.plusMillis(1).plusNanos(500_000), 10, v -> true, 100).verdicts())
                .extracting(StoredVerdict::verdictId).containsExactly("b");
        assertThat(VerdictPages.ceilToMillis(T.plusNanos(1))).isEqualTo(T.plusMillis(1));
        assertThat(VerdictPages.ceilToMillis(T)).isEqualTo(T);
    }

    private static List<String> all(Store store, int limit, Predicate<StoredVerdict> filter) {
        List<String> out = new ArrayList<>();
        Instant before = END;
        for (int pages = 0; pages < 100; pages++) {
            VerdictPages.Page page = VerdictPages.page(store, before, limit, filter, store.maxScanned);
            page.verdicts().forEach(v -> out.add(v.verdictId()));
            if (page.nextBefore() == null) {
                return out;
            }
            assertThat(page.nextBefore()).isBefore(before);
            before = page.nextBefore();
        }
        throw new AssertionError("paging does not end: " + out);
    }

    private static StoredVerdict v(String id, long millis) {
        return new StoredVerdict(id, "u", "flood", "LOW", T.plusMillis(millis), null, null, null, null, null);
    }

    /** Reads as the repository: newest first (ties by id), filter applied while scanning, at most maxScanned rows. */
    private record Store(int maxScanned, List<StoredVerdict> rows) implements VerdictPages.Query {

        Store(int maxScanned, StoredVerdict... rows) {
            this(maxScanned, java.util.Arrays.stream(rows).sorted(Comparator.comparing(StoredVerdict::detectedAt).reversed()
                    .thenComparing(StoredVerdict::verdictId)).toList());
        }

        @Override
        public List<StoredVerdict> read(Instant before, int limit, Predicate<StoredVerdict> filter) {
            List<StoredVerdict> out = new ArrayList<>();
            int scanned = 0;
            for (StoredVerdict v : rows) {
                if (!v.detectedAt().isBefore(before)) {
                    continue;
                }
                if (filter.test(v)) {
                    out.add(v);
                }
                if (out.size() >= limit || ++scanned >= maxScanned) {
                    break;
                }
            }
            return out;
        }
    }
}
