package dev.kchat.store.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import dev.kchat.schemas.registry.SchemaRegistryException;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class FailuresTest {

    @Test
    void shouldRetryOutagesAndRejectBadRecords() {
        // Then database and registry outages are transient, even wrapped
        assertThat(Failures.classify(new CompletionException(new DriverTimeoutException("slow"))))
                .isEqualTo(Failures.Kind.TRANSIENT);
        assertThat(Failures.classify(new NoNodeAvailableException())).isEqualTo(Failures.Kind.TRANSIENT);
        assertThat(Failures.classify(new SerializationException("cannot fetch schema",
                new SchemaRegistryException.Unavailable("registry down", null)))).isEqualTo(Failures.Kind.TRANSIENT);

        // And undecodable or invalid records are permanent, anything else unclassified
        assertThat(Failures.classify(new SerializationException("bad magic byte"))).isEqualTo(Failures.Kind.PERMANENT);
        assertThat(Failures.classify(new IllegalArgumentException("seq out of range"))).isEqualTo(Failures.Kind.PERMANENT);
        assertThat(Failures.classify(new IllegalStateException("?"))).isEqualTo(Failures.Kind.UNCLASSIFIED);
    }

    @Test
    void shouldDoubleTheBackoffUpToItsMaximum() {
        // Given a backoff from 100 ms to 1 s
        Backoff backoff = new Backoff(java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(1));

        // When it is asked six times
        long[] waits = new long[6];
        for (int i = 0; i < waits.length; i++) {
            waits[i] = backoff.next().toMillis();
        }

        // Then each wait is within 20 % of 100, 200, 400, 800, 1000, 1000 ms
        long[] expected = {100, 200, 400, 800, 1000, 1000};
        for (int i = 0; i < waits.length; i++) {
            assertThat(waits[i]).isBetween((long) (expected[i] * 0.8), (long) (expected[i] * 1.2));
        }
        assertThat(backoff.attempts()).isEqualTo(6);
    }
}
