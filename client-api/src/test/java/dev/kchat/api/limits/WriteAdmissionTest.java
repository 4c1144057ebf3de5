package dev.kchat.api.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.api.ApiException;
import dev.kchat.service.Settings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class WriteAdmissionTest {

    private final AtomicLong queued = new AtomicLong();
    private final AtomicReference<Double> rate = new AtomicReference<>(1000.0);
    private final AtomicReference<Double> draw = new AtomicReference<>(0.5);
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    private final WriteAdmission.Backlog backlog = new WriteAdmission.Backlog() {
        @Override
        public long records() {
            return queued.get();
        }

        @Override
        public double clearedPerSecond() {
            return rate.get();
        }
    };

    private WriteAdmission admission(Map<String, String> settings) {
        return new WriteAdmission(AdmissionConfig.from(Settings.of(settings)), backlog, draw::get, metrics, "http");
    }

    /** Refusing from 1 s of expected wait, all from 3 s; never below 100 records. */
    private final WriteAdmission oneToThreeSeconds = admission(Map.of(
            "limits.admission.wait.low", "1s", "limits.admission.wait.high", "3s",
            "limits.admission.backlog.min", "100", "limits.admission.retry.after", "2s"));

    @Test
    void shouldAdmitEverythingWhileTheExpectedWaitIsAtOrBelowTheLowMark() {
        // 1,000 records cleared at 1,000/s: a second's wait
        queued.set(1000);
        draw.set(0.0);
        for (Limit limit : Limit.values()) {
            oneToThreeSeconds.admit(limit);
        }
        assertThat(oneToThreeSeconds.expectedWait()).isEqualTo(Duration.ofSeconds(1));
        assertThat(oneToThreeSeconds.refuseShare()).isZero();
    }

    @Test
    void shouldRefuseEveryWriteThatAddsMessagesFromTheHighMarkWith503OverloadedAndTheWaitAndCountIt() {
        // Given 3,000 records at 1,000/s: three seconds' wait
        queued.set(3000);
        draw.set(0.999);

        // Then sends, creates and member changes are refused with 503 overloaded and the configured wait
        for (Limit limit : new Limit[] {Limit.SEND, Limit.CREATE_CONVERSATION, Limit.MEMBER_CHANGE}) {
            assertThatThrownBy(() -> oneToThreeSeconds.admit(limit)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.code()).isEqualTo("overloaded");
                assertThat(e.retryAfter()).contains(Duration.ofSeconds(2));
                assertThat(e.getMessage()).contains("same id");
            });
        }
        // And typing, presence subscriptions and connections still pass (they are shed elsewhere, first)
        oneToThreeSeconds.admit(Limit.TYPING);
        oneToThreeSeconds.admit(Limit.PRESENCE_SUBSCRIBE);
        oneToThreeSeconds.admit(Limit.CONNECT);
        assertThat(metrics.counter(WriteAdmission.METRIC_REFUSED, "door", "http", "limit", "send").count()).isEqualTo(1.0);
        assertThat(metrics.get(WriteAdmission.METRIC_REFUSE_SHARE).gauge().value()).isEqualTo(1.0);
    }

    @Test
    void shouldRefuseAShareRisingLinearlyBetweenTheMarksOnAnyHardware() {
        // Given 2,500 records at 1,000/s, three quarters of the way from 1 s to 3 s
        queued.set(2500);
        assertThat(oneToThreeSeconds.refuseShare()).isEqualTo(0.75);

        // Then a write drawn below the share is refused, one drawn above it is admitted
        draw.set(0.74);
        assertThatThrownBy(() -> oneToThreeSeconds.admit(Limit.SEND)).isInstanceOf(ApiException.class);
        draw.set(0.76);
        oneToThreeSeconds.admit(Limit.SEND);

        // And a pipeline ten times faster with ten times the backlog is in the same place
        queued.set(25_000);
        rate.set(10_000.0);
        assertThat(oneToThreeSeconds.refuseShare()).isEqualTo(0.75);
    }

    @Test
    void shouldRefuseEverythingWhenNothingIsClearedAndAQueueIsThereButNothingBelowTheMinimumBacklog() {
        // Given a stopped pipeline: nothing cleared
        rate.set(0.0);

        // Then a backlog at the minimum (an idle pipeline's transaction markers) refuses nothing
        queued.set(100);
        assertThat(oneToThreeSeconds.refuseShare()).isZero();

        // And one above it refuses every write: its wait has no end
        queued.set(101);
        assertThat(oneToThreeSeconds.refuseShare()).isEqualTo(1.0);
    }

    @Test
    void shouldNeverRefuseWhenOff() {
        WriteAdmission off = admission(Map.of("limits.admission.enabled", "false"));
        queued.set(Long.MAX_VALUE);
        rate.set(0.0);
        draw.set(0.0);
        off.admit(Limit.SEND);
        assertThat(off.refuseShare()).isZero();
    }

    @Test
    void shouldRefuseMarksThatDoNotRise() {
        assertThatThrownBy(() -> AdmissionConfig.from(Settings.of(Map.of(
                "limits.admission.wait.low", "2s", "limits.admission.wait.high", "2s"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wait.low");
    }

    @Test
    void shouldRefuseForOverloadBeforeTakingARateLimitToken() {
        // Given a door whose send limit is 1 per hour and a pipeline far behind
        RateLimiter limiter = new RateLimiter(RateLimits.from(Settings.of(Map.of("limits.rate.send.user", "1/1h"))), "websocket",
                metrics, oneToThreeSeconds);
        queued.set(10_000);

        // When ada sends twice, she is refused for overload both times
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> limiter.check(Limit.SEND, "ada", "10.0.0.1"))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("overloaded"));
        }

        // Then once the pipeline caught up her one token is still there, and only the send after it is rate limited
        queued.set(0);
        limiter.check(Limit.SEND, "ada", "10.0.0.1");
        assertThatThrownBy(() -> limiter.check(Limit.SEND, "ada", "10.0.0.1"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("rate_limited"));
    }
}
