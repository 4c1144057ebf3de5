package dev.kchat.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExpirySweepTest {

    private static final Duration WINDOW = Duration.ofHours(1);
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final long NOW = 10 * WINDOW.toMillis();

    /** Values are their own time in epoch millis. */
    private KeyValueStore<String, Long> store;

    @BeforeEach
    void setUp() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("sweep-test"), Serdes.String(), Serdes.Long())
                .withLoggingDisabled().build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
    }

    private ExpirySweep<Long> sweep() {
        return new ExpirySweep<>(store, Long::longValue, WINDOW, INTERVAL);
    }

    /** 50 entries k00..k49; every fifth is older than the window. */
    private void fill() {
        for (int i = 0; i < 50; i++) {
            store.put(String.format("k%02d", i), i % 5 == 0 ? NOW - WINDOW.toMillis() - 1 : NOW - 1);
        }
    }

    private List<String> keys() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, Long> it = store.all()) {
            it.forEachRemaining((KeyValue<String, Long> kv) -> keys.add(kv.key));
        }
        return keys;
    }

    @Test
    void shouldWalkTheStoreAFewEntriesARunAndDeleteOnlyWhatHasExpired() {
        // Given: 50 entries, a small store, so each run visits the minimum
        fill();
        ExpirySweep<Long> sweep = sweep();
        assertThat(sweep.budget()).isEqualTo(ExpirySweep.MIN_VISITS);

        // When: the first run visits k00..k19
        int first = sweep.run(NOW);

        // Then: it deleted the four expired ones among them, nothing further on
        assertThat(first).isEqualTo(4);
        assertThat(keys()).contains("k20", "k25", "k45").doesNotContain("k00", "k05", "k10", "k15");

        // When: two more runs go on from the cursor, round the end of the store
        int more = sweep.run(NOW) + sweep.run(NOW);

        // Then: every expired entry is gone, every live one stays
        assertThat(more).isEqualTo(6);
        assertThat(keys()).hasSize(40).allSatisfy(key -> assertThat(Integer.parseInt(key.substring(1)) % 5).isNotZero());
    }

    @Test
    void shouldHideAnExpiredEntryFromLookUpsBeforeTheWalkReachesIt() {
        // Given
        fill();
        ExpirySweep<Long> sweep = sweep();

        // Then: an entry past its window reads as absent, one within it as itself
        assertThat(sweep.get("k45", NOW)).isNull();
        assertThat(sweep.get("k46", NOW)).isEqualTo(NOW - 1);
        // ... judged by the time given: an hour earlier, k45 was still live
        assertThat(sweep.get("k45", NOW - WINDOW.toMillis())).isNotNull();
        assertThat(sweep.get("missing", NOW)).isNull();
    }

    @Test
    void shouldStartAgainFromTheFirstKeyAfterARestartAndStillDeleteNothingLive() {
        // Given: a sweep that walked part of the store, then was lost with its task
        fill();
        sweep().run(NOW);
        store.put("k00", NOW - WINDOW.toMillis() - 1); // expired again, behind where the lost cursor was

        // When: a new sweep (a restarted task) runs
        int deleted = sweep().run(NOW);

        // Then: it began at the first key (k00, then k20 among the 20 it visited), and kept the live ones
        assertThat(deleted).isEqualTo(2);
        assertThat(keys()).doesNotContain("k00", "k20").contains("k01", "k19", "k21", "k25");
    }

    @Test
    void shouldVisitAShareOfALargeStoreSoTheWalkGoesRoundTwicePerWindow() {
        // Given: 40,000 entries, a one-hour window, one run a second
        for (int i = 0; i < 40_000; i++) {
            store.put(String.format("k%05d", i), NOW);
        }

        // Then: 40,000 / 1,800 runs per half window = 23 visits a run
        assertThat(sweep().budget()).isEqualTo(23);
        // ... and a store too large to go round in time is capped, so one run cannot stall its task
        ExpirySweep<Long> daily = new ExpirySweep<>(store, Long::longValue, Duration.ofSeconds(2), INTERVAL);
        assertThat(daily.budget()).isEqualTo(ExpirySweep.MAX_VISITS);
    }
}
