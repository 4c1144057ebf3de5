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

    private final AtomicLong backlog = new AtomicLong();
    private final AtomicReference<Double> draw = new AtomicReference<>(0.5);
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    private WriteAdmission admission(Map<String, String> settings) {
        return new WriteAdmission(AdmissionConfig.from(Settings.of(settings)), backlog::get, draw::get, metrics, "http");
    }

    private final WriteAdmission marks1000To5000 = admission(Map.of(
            "limits.admission.backlog.low", "1000", "limits.admission.backlog.high", "5000", "limits.admission.retry.after", "2s"));

    @Test
    void shouldAdmitEverythingWhileTheBacklogIsAtOrBelowTheLowMark() {
        backlog.set(1000);
        draw.set(0.0);
        for (Limit limit : Limit.values()) {
            marks1000To5000.admit(limit);
        }
        assertThat(marks1000To5000.refuseShare()).isZero();
    }

    @Test
    void shouldRefuseEveryWriteThatAddsMessagesFromTheHighMarkWith503OverloadedAndTheWaitAndCountIt() {
        // Given a backlog at the high mark
        backlog.set(5000);
        draw.set(0.999);

        // Then sends, creates and member changes are refused with 503 overloaded and the configured wait
        for (Limit limit : new Limit[] {Limit.SEND, Limit.CREATE_CONVERSATION, Limit.MEMBER_CHANGE}) {
            assertThatThrownBy(() -> marks1000To5000.admit(limit)).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.code()).isEqualTo("overloaded");
                assertThat(e.retryAfter()).contains(Duration.ofSeconds(2));
                assertThat(e.getMessage()).contains("same id");
            });
        }
        // And typing, presence subscriptions and connections still pass (they are shed elsewhere, first)
        marks1000To5000.admit(Limit.TYPING);
        marks1000To5000.admit(Limit.PRESENCE_SUBSCRIBE);
        marks1000To5000.admit(Limit.CONNECT);
        assertThat(metrics.counter(WriteAdmission.METRIC_REFUSED, "door", "http", "limit", "send").count()).isEqualTo(1.0);
        assertThat(metrics.get(WriteAdmission.METRIC_REFUSE_SHARE).gauge().value()).isEqualTo(1.0);
    }

    @Test
    void shouldRefuseAShareRisingLinearlyBetweenTheMarks() {
        // Given a backlog three quarters of the way from the low mark to the high one
        backlog.set(4000);
        assertThat(marks1000To5000.refuseShare()).isEqualTo(0.75);

        // Then a write drawn below the share is refused, one drawn above it is admitted
        draw.set(0.74);
        assertThatThrownBy(() -> marks1000To5000.admit(Limit.SEND)).isInstanceOf(ApiException.class);
        draw.set(0.76);
        marks1000To5000.admit(Limit.SEND);
    }

    @Test
    void shouldNeverRefuseWhenOff() {
        WriteAdmission off = admission(Map.of("limits.admission.enabled", "false"));
        backlog.set(Long.MAX_VALUE);
        draw.set(0.0);
        off.admit(Limit.SEND);
        assertThat(off.refuseShare()).isZero();
    }

    @Test
    void shouldRefuseMarksThatDoNotRise() {
        assertThatThrownBy(() -> AdmissionConfig.from(Settings.of(Map.of(
                "limits.admission.backlog.low", "5000", "limits.admission.backlog.high", "5000"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backlog.low");
    }

    @Test
    void shouldRefuseForOverloadBeforeTakingARateLimitToken() {
        // Given a door whose send limit is 1 per hour and a pipeline far behind
        RateLimiter limiter = new RateLimiter(RateLimits.from(Settings.of(Map.of("limits.rate.send.user", "1/1h"))), "websocket",
                metrics, marks1000To5000);
        backlog.set(10_000);

        // When ada sends twice, she is refused for overload both times
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> limiter.check(Limit.SEND, "ada", "10.0.0.1"))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("overloaded"));
        }

        // Then once the pipeline caught up her one token is still there, and only the send after it is rate limited
        backlog.set(0);
        limiter.check(Limit.SEND, "ada", "10.0.0.1");
        assertThatThrownBy(() -> limiter.check(Limit.SEND, "ada", "10.0.0.1"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("rate_limited"));
    }
}
