package dev.kchat.bench.faults;

import dev.kchat.bench.ConversationsApi;
import dev.kchat.bench.ConversationsApi.ApiFailure;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A paced load of acknowledged sends over HTTP, as a careful client sends: every member of every group
 * is a sender that sends its messages one at a time, the next only once the previous one was
 * acknowledged ({@code 202}: Kafka has it, acks=all), and retries a send that failed or got no answer
 * with the same {@code client_msg_id} until it is acknowledged or {@code giveUpAfter} has passed. So a
 * sender's messages have a defined order (each was in Kafka before the next was sent), and a retry of
 * a send whose first attempt did reach Kafka tests the platform's de-duplication.
 *
 * <p>Message {@code i} goes to sender {@code i % senders} at its slot {@code start + i / rate}.
 */
final class AckedLoad {

    private static final Logger log = LoggerFactory.getLogger(AckedLoad.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    /** What became of a message. */
    enum Outcome { PENDING, ACKED, REFUSED, GAVE_UP }

    private final ConversationsApi api;
    private final FaultWorld world;
    private final IntFunction<String> clientMsgId;
    private final Duration giveUpAfter;
    private final Outcome[] outcomes;
    private final LongAdder retries = new LongAdder();
    private final AtomicLong maxAckMillis = new AtomicLong();

    AckedLoad(ConversationsApi api, FaultWorld world, IntFunction<String> clientMsgId, int messages, Duration giveUpAfter) {
        this.api = api;
        this.world = world;
        this.clientMsgId = clientMsgId;
        this.giveUpAfter = giveUpAfter;
        this.outcomes = new Outcome[messages];
        java.util.Arrays.fill(outcomes, Outcome.PENDING);
    }

    /**
     * Sends every message at its slot; calls {@code atMessage} once, on the pacing thread, when message
     * {@code faultAt} has been scheduled; returns when every message is acknowledged or given up.
     */
    void run(double rate, int faultAt, Runnable atMessage) {
        int senders = world.senders();
        CompletableFuture<?>[] tails = new CompletableFuture<?>[senders];
        for (int s = 0; s < senders; s++) {
            tails[s] = CompletableFuture.completedFuture(null);
        }
        long start = System.nanoTime();
        for (int i = 0; i < outcomes.length; i++) {
            long slot = start + (long) (i * 1e9 / rate);
            LockSupport.parkNanos(slot - System.nanoTime());
            int id = i;
            int sender = i % senders;
            tails[sender] = tails[sender].thenCompose(v -> sendUntilAcked(id, sender, System.nanoTime(), 0, FIRST_BACKOFF));
            if (i == faultAt) {
                atMessage.run();
            }
            if (i > 0 && i % 1000 == 0) {
                log.info("scheduled {} of {} messages; {} acknowledged, {} retries so far", i, outcomes.length, acked(), retries.sum());
            }
        }
        CompletableFuture.allOf(tails).join();
    }

    private CompletableFuture<Void> sendUntilAcked(int id, int sender, long firstAttempt, int attempt, Duration backoff) {
        String user = world.senderUser(sender);
        return api.send(world.token(user), world.senderConversation(sender), clientMsgId.apply(id), "fault run message " + id)
                .handle((answer, error) -> {
                    if (error == null) {
                        record(id, Outcome.ACKED);
                        maxAckMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstAttempt), Math::max);
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (cause instanceof ApiFailure refused && refused.status() / 100 == 4 && refused.status() != 429) {
                        log.warn("message {} refused: {}", id, refused.getMessage());
                        record(id, Outcome.REFUSED);
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    if (System.nanoTime() - firstAttempt > giveUpAfter.toNanos()) {
                        log.warn("message {} not acknowledged after {} ({} attempts; last: {})", id, giveUpAfter, attempt + 1, cause.toString());
                        record(id, Outcome.GAVE_UP);
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    retries.increment();
                    Executor later = CompletableFuture.delayedExecutor(backoff.toMillis(), TimeUnit.MILLISECONDS);
                    Duration next = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                    return CompletableFuture.supplyAsync(() -> null, later)
                            .thenCompose(v -> sendUntilAcked(id, sender, firstAttempt, attempt + 1, next));
                }).thenCompose(f -> f);
    }

    private synchronized void record(int id, Outcome outcome) {
        outcomes[id] = outcome;
    }

    synchronized Outcome outcome(int id) {
        return outcomes[id];
    }

    int messages() {
        return outcomes.length;
    }

    synchronized long count(Outcome o) {
        return java.util.Arrays.stream(outcomes).filter(x -> x == o).count();
    }

    long acked() {
        return count(Outcome.ACKED);
    }

    long retries() {
        return retries.sum();
    }

    /** The longest time from a message's first attempt to its acknowledgement. */
    long maxAckMillis() {
        return maxAckMillis.get();
    }
}
