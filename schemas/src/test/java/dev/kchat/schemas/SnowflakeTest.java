package dev.kchat.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SnowflakeTest {

    @Test
    void shouldPackTimeWorkerAndSequenceAndReadThemBack() {
        Instant at = Instant.parse("2026-11-23T10:00:00.123Z");

        long id = Snowflake.of(Snowflake.millisSinceEpoch(at), 517, 4095);

        assertThat(id).isPositive();
        assertThat(Snowflake.timestamp(id)).isEqualTo(at);
        assertThat(Snowflake.worker(id)).isEqualTo(517);
        assertThat(Snowflake.sequence(id)).isEqualTo(4095);
    }

    @Test
    void shouldOrderByTimeFirstThenWorkerThenSequence() {
        long early = Snowflake.of(1_000, Snowflake.MAX_WORKER, Snowflake.MAX_SEQUENCE);
        long later = Snowflake.of(1_001, 0, 0);
        long laterOtherWorker = Snowflake.of(1_001, 1, 0);
        long laterNextSequence = Snowflake.of(1_001, 0, 1);

        assertThat(early).isLessThan(later);
        assertThat(later).isLessThan(laterNextSequence).isLessThan(laterOtherWorker);
    }

    @Test
    void shouldRefuseValuesThatDoNotFitTheirBits() {
        assertThatThrownBy(() -> Snowflake.of(0, 1024, 0)).hasMessageContaining("worker");
        assertThatThrownBy(() -> Snowflake.of(0, 0, 4096)).hasMessageContaining("sequence");
        assertThatThrownBy(() -> Snowflake.of(-1, 0, 0)).hasMessageContaining("time");
        assertThat(Snowflake.millisSinceEpoch(Instant.parse("2025-12-31T23:59:59Z"))).isZero();
    }
}
