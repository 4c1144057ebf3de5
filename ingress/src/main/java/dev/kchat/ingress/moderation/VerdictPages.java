package dev.kchat.ingress.moderation;

import dev.kchat.store.moderation.ModerationRepository;
import dev.kchat.store.moderation.ModerationRepository.StoredVerdict;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Predicate;

/**
 * Pages of verdicts, newest first, with a {@code before} cursor that neither skips nor repeats a verdict
 * where a page ends among verdicts of the same millisecond.
 *
 * <p>The store reads verdicts {@code detected_at < before}, newest first, and a filtered read stops after
 * {@link ModerationRepository#MAX_SCANNED} rows. A page reads one verdict more than it answers: if there
 * is one, or if the scan stopped at its bound, the page ends at a boundary instant T (the first verdict
 * not answered, or the last row scanned): it answers the verdicts newer than T, and its cursor is T plus
 * one millisecond, so the next page starts with every verdict of T. Limits, said in the API docs: a
 * filtered page may hold fewer verdicts than asked (even none) and still have a cursor; and where more
 * than a page of verdicts share one millisecond, the page answers {@code limit} of them and the others
 * of that millisecond are skipped (the cursor is T itself), so that paging always moves on.
 */
final class VerdictPages {

    /** One read of the store: verdicts detected before {@code before}, newest first, matching, at most {@code limit}. */
    @FunctionalInterface
    interface Query {
        List<StoredVerdict> read(Instant before, int limit, Predicate<StoredVerdict> filter);
    }

    /** Verdicts and the {@code before} of the next page, null when there is none. */
    record Page(List<StoredVerdict> verdicts, Instant nextBefore) {
    }

    private VerdictPages() {
    }

    /**
     * A page of at most {@code limit} verdicts detected before {@code before} that match {@code filter}.
     *
     * @param maxScanned the rows after which the store stops a read ({@link ModerationRepository#MAX_SCANNED})
     */
    static Page page(Query query, Instant before, int limit, Predicate<StoredVerdict> filter, int maxScanned) {
        Instant from = ceilToMillis(before);
        Scan scan = new Scan(filter);
        List<StoredVerdict> found = query.read(from, limit + 1, scan);
        Instant boundary;
        if (found.size() > limit) {
            boundary = found.get(limit).detectedAt();
        } else if (scan.scanned >= maxScanned) {
            boundary = scan.last;
        } else {
            return new Page(found, null);
        }
        List<StoredVerdict> page = found.stream().limit(limit).filter(v -> v.detectedAt().isAfter(boundary)).toList();
        Instant next = boundary.plusMillis(1);
        if (page.isEmpty() && found.size() > limit) {
            // More than a page within one millisecond: answer a page of them and move on past it.
            return new Page(List.copyOf(found.subList(0, limit)), boundary);
        }
        // A whole scan within the last millisecond before `from`: move on past it.
        return new Page(page, next.isBefore(from) ? next : boundary);
    }

    /**
     * The store keeps milliseconds: "before 10:00:00.0005" means "up to 10:00:00.000 included", which is
     * "before 10:00:00.001".
     */
    static Instant ceilToMillis(Instant at) {
        Instant millis = at.truncatedTo(ChronoUnit.MILLIS);
        return millis.equals(at) ? at : millis.plusMillis(1);
    }

    /** The filter, counting the rows the store scanned and remembering the last one's instant. */
    private static final class Scan implements Predicate<StoredVerdict> {
        private final Predicate<StoredVerdict> filter;
        private int scanned;
        private Instant last;

        Scan(Predicate<StoredVerdict> filter) {
            this.filter = filter;
        }

        @Override
        public boolean test(StoredVerdict v) {
            scanned++;
            last = v.detectedAt();
            return filter.test(v);
        }
    }
}
