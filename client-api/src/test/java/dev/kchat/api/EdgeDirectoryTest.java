package dev.kchat.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EdgeDirectoryTest {

    private static final int PARTITIONS = 4;
    private static final String A = "ws://a:1/v1/ws";
    private static final String B = "ws://b:1/v1/ws";

    /** Reads of the group the directory started; each completes when the test says. */
    private final List<CompletableFuture<Map<Integer, String>>> reads = new ArrayList<>();
    private final MutableClock clock = new MutableClock();
    private final EdgeDirectory directory = new EdgeDirectory(this::read, PARTITIONS, clock);
    private final ExecutorService callers = Executors.newCachedThreadPool();

    private synchronized CompletableFuture<Map<Integer, String>> read() {
        CompletableFuture<Map<Integer, String>> f = new CompletableFuture<>();
        reads.add(f);
        return f;
    }

    private synchronized int readCount() {
        return reads.size();
    }

    private synchronized CompletableFuture<Map<Integer, String>> lastRead() {
        return reads.get(reads.size() - 1);
    }

    @AfterEach
    void stop() {
        callers.shutdownNow();
    }

    private static Map<Integer, String> all(String edge) {
        Map<Integer, String> m = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            m.put(p, edge);
        }
        return m;
    }

    private void awaitReads(int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (readCount() < n && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertThat(readCount()).isEqualTo(n);
    }

    @Test
    void shouldShareOneReadOfTheGroupBetweenConcurrentCallers() throws Exception {
        List<Future<EdgeDirectory.Location>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String user = "u" + i;
            answers.add(callers.submit(() -> directory.locate(user)));
        }
        awaitReads(1);
        Thread.sleep(50);
        assertThat(readCount()).isEqualTo(1);

        lastRead().complete(all(A));

        for (Future<EdgeDirectory.Location> a : answers) {
            assertThat(a.get(5, TimeUnit.SECONDS).edgeUrl()).contains(A);
        }
        assertThat(readCount()).isEqualTo(1);
    }

    @Test
    void shouldAnswerFromTheCacheAndThenFromAStaleCopyWhileANewerReadIsInFlight() throws Exception {
        Future<EdgeDirectory.Location> first = callers.submit(() -> directory.locate("alice"));
        awaitReads(1);
        lastRead().complete(all(A));
        assertThat(first.get(5, TimeUnit.SECONDS).edgeUrl()).contains(A);

        clock.advance(Duration.ofSeconds(1));
        assertThat(directory.locate("alice").edgeUrl()).contains(A);
        assertThat(readCount()).isEqualTo(1);

        // Stale: answered at once from the copy, while one read renews it.
        clock.advance(Duration.ofSeconds(3));
        assertThat(directory.locate("alice").edgeUrl()).contains(A);
        assertThat(directory.locate("bob").edgeUrl()).contains(A);
        assertThat(readCount()).isEqualTo(2);

        lastRead().complete(all(B));
        assertThat(directory.locate("alice").edgeUrl()).contains(B);
        assertThat(readCount()).isEqualTo(2);
    }

    @Test
    void shouldWaitForTheGroupWhenTheCopyIsTooOldOrLacksThePartition() throws Exception {
        Future<EdgeDirectory.Location> first = callers.submit(() -> directory.locate("alice"));
        awaitReads(1);
        Map<Integer, String> none = Map.of();
        lastRead().complete(none);
        assertThat(first.get(5, TimeUnit.SECONDS).edgeUrl()).isEmpty();

        // Nobody owned the partition: the next call reads again and waits for it.
        Future<EdgeDirectory.Location> second = callers.submit(() -> directory.locate("alice"));
        awaitReads(2);
        assertThat(second.isDone()).isFalse();
        lastRead().complete(all(A));
        assertThat(second.get(5, TimeUnit.SECONDS).edgeUrl()).contains(A);

        // Older than the stale bound: waits for the new read.
        clock.advance(EdgeDirectory.STALE_FOR.plusSeconds(1));
        Future<EdgeDirectory.Location> third = callers.submit(() -> directory.locate("alice"));
        awaitReads(3);
        Thread.sleep(50);
        assertThat(third.isDone()).isFalse();
        lastRead().complete(all(B));
        assertThat(third.get(5, TimeUnit.SECONDS).edgeUrl()).contains(B);
    }

    @Test
    void shouldReportAFailedReadToItsWaitersAndReadAgainOnTheNextCall() throws Exception {
        Future<EdgeDirectory.Location> first = callers.submit(() -> directory.locate("alice"));
        awaitReads(1);
        lastRead().completeExceptionally(new IllegalStateException("broker down"));
        assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).hasRootCauseMessage("broker down");

        Future<Map<Integer, String>> owners = callers.submit(directory::ownersNow);
        awaitReads(2);
        lastRead().complete(all(B));
        assertThat(owners.get(5, TimeUnit.SECONDS)).isEqualTo(all(B));
    }

    @Test
    void shouldWaitForANewReadAfterARebalanceInsteadOfAnsweringFromTheCopyOrAnOlderRead() throws Exception {
        Future<EdgeDirectory.Location> first = callers.submit(() -> directory.locate("alice"));
        awaitReads(1);
        lastRead().complete(all(A));
        assertThat(first.get(5, TimeUnit.SECONDS).edgeUrl()).contains(A);

        // A stale read starts, then this edge sees a rebalance
        clock.advance(Duration.ofSeconds(3));
        directory.locate("alice");
        awaitReads(2);
        CompletableFuture<Map<Integer, String>> beforeRebalance = lastRead();
        directory.invalidate();

        Future<EdgeDirectory.Location> after = callers.submit(() -> directory.locate("alice"));
        awaitReads(3);
        beforeRebalance.complete(all(A));
        Thread.sleep(50);
        assertThat(after.isDone()).isFalse();
        lastRead().complete(all(B));
        assertThat(after.get(5, TimeUnit.SECONDS).edgeUrl()).contains(B);
        assertThat(directory.locate("alice").edgeUrl()).contains(B);
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
