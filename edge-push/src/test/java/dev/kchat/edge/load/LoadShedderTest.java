package dev.kchat.edge.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.edge.load.LoadShedder.Level;
import dev.kchat.edge.load.LoadShedder.Reading;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadShedderTest {

    private static final ShedConfig CONFIG = new ShedConfig(Duration.ofSeconds(2), 1_000, 10_000, 0.9,
            Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(5));
    private static final Reading CALM = new Reading(10, 0, 0, 0.2);
    private static final Reading LATE = new Reading(2_500, 0, 0, 0.2);

    private Reading next = CALM;
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final LoadShedder shedder = new LoadShedder(CONFIG, () -> next, metrics);

    @Test
    void shouldShedOneMoreKindPerCheckWhileOverloadedInAFixedOrder() {
        // When: the pipeline delivers late for four checks
        next = LATE;
        List<Level> levels = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            levels.add(shedder.check(i * 500L));
        }

        // Then: typing, then presence, then receipts; messages are never a level
        assertThat(levels).containsExactly(Level.SHED_TYPING, Level.SHED_PRESENCE, Level.COALESCE_RECEIPTS,
                Level.COALESCE_RECEIPTS);
        assertThat(shedder.shedsTyping()).isTrue();
        assertThat(shedder.shedsPresence()).isTrue();
        assertThat(shedder.coalescesReceipts()).isTrue();
        assertThat(metrics.get("kchat.edge.shed.level").gauge().value()).isEqualTo(3.0);
    }

    @Test
    void shouldTakeBackOneStepPerCalmPeriodAndHoldBetweenCalmAndOverload() {
        // Given: everything shed
        next = LATE;
        for (int i = 0; i < 3; i++) {
            shedder.check(i * 500L);
        }

        // When: half-way readings (under the threshold, over half of it) for a long time
        next = new Reading(1_500, 0, 0, 0.2);
        for (long t = 2_000; t <= 20_000; t += 500) {
            shedder.check(t);
        }
        // Then: held
        assertThat(shedder.level()).isEqualTo(Level.COALESCE_RECEIPTS);

        // When: calm; the first calm check starts the period
        next = CALM;
        shedder.check(21_000);
        shedder.check(25_500);
        assertThat(shedder.level()).as("not yet calm for 5 s").isEqualTo(Level.COALESCE_RECEIPTS);
        shedder.check(26_000);
        assertThat(shedder.level()).isEqualTo(Level.SHED_PRESENCE);
        shedder.check(31_000);
        assertThat(shedder.level()).isEqualTo(Level.SHED_TYPING);
        shedder.check(36_000);
        shedder.check(41_000);
        assertThat(shedder.level()).isEqualTo(Level.NORMAL);
    }

    @Test
    void shouldReadEverySignalAndLeaveTheCpuOutWhenItsThresholdIsOne() {
        assertThat(new LoadShedder(CONFIG, () -> new Reading(0, 1_000, 0, 0), metrics).check(0)).isEqualTo(Level.SHED_TYPING);
        assertThat(new LoadShedder(CONFIG, () -> new Reading(0, 0, 10_000, 0), metrics).check(0)).isEqualTo(Level.SHED_TYPING);
        assertThat(new LoadShedder(CONFIG, () -> new Reading(0, 0, 0, 0.95), metrics).check(0)).isEqualTo(Level.SHED_TYPING);
        ShedConfig cpuOff = new ShedConfig(Duration.ofSeconds(2), 1_000, 10_000, 1.0, Duration.ofMillis(500),
                Duration.ofSeconds(5), Duration.ofSeconds(5));
        assertThat(new LoadShedder(cpuOff, () -> new Reading(0, 0, 0, 1.0), metrics).check(0)).isEqualTo(Level.NORMAL);
        assertThat(new LoadShedder(ShedConfig.OFF, () -> new Reading(60_000, 1_000_000, 1_000_000, 1.0), metrics).check(0))
                .isEqualTo(Level.NORMAL);
    }

    @Test
    void shouldCountWhatWasShedByKind() {
        shedder.shed(LoadShedder.Kind.TYPING_OUT, 3);
        shedder.shed(LoadShedder.Kind.RECEIPT, 1);

        assertThat(metrics.get("kchat.edge.shed").tag("kind", "typing_out").counter().count()).isEqualTo(3.0);
        assertThat(metrics.get("kchat.edge.shed").tag("kind", "receipt").counter().count()).isEqualTo(1.0);
        assertThat(metrics.get("kchat.edge.shed").tag("kind", "presence").counter().count()).isZero();
    }
}
