package dev.kchat.api.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.api.ApiException;
import dev.kchat.service.Settings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    private RateLimiter limiter(Map<String, String> settings) {
        return new RateLimiter(RateLimits.from(Settings.of(settings)), "http", metrics, now::get);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void shouldAllowTheBurstThenRefuseWithTheWaitUntilTheNextToken() {
        // Given 3 sends per 3 s per user
        RateLimiter limiter = limiter(Map.of("limits.rate.send.user", "3/3s"));

        // When ada sends 3 at once, then a 4th
        for (int i = 0; i < 3; i++) {
            limiter.check(Limit.SEND, "ada", "10.0.0.1");
        }

        // Then the 4th is refused with 429 rate_limited, the limit named, and 1 s to wait
        assertThatThrownBy(() -> limiter.check(Limit.SEND, "ada", "10.0.0.1"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.code()).isEqualTo("rate_limited");
                    assertThat(e.getMessage()).contains("send").contains("user");
                    assertThat(e.retryAfter()).contains(Duration.ofSeconds(1));
                });
        assertThat(metrics.counter(RateLimiter.METRIC_REFUSED, "door", "http", "limit", "send", "scope", "user").count())
                .isEqualTo(1.0);
    }

    @Test
    void shouldRefillEvenlyOverThePeriod() {
        RateLimiter limiter = limiter(Map.of("limits.rate.send.user", "3/3s"));
        for (int i = 0; i < 3; i++) {
            limiter.checkUser(Limit.SEND, "ada");
        }

        // When a second passes, one token is back, not more
        advance(Duration.ofSeconds(1));
        limiter.checkUser(Limit.SEND, "ada");

        assertThatThrownBy(() -> limiter.checkUser(Limit.SEND, "ada")).isInstanceOf(ApiException.class);
    }

    @Test
    void shouldKeepUsersLimitsAndLimitsApart() {
        RateLimiter limiter = limiter(Map.of("limits.rate.send.user", "1/1m", "limits.rate.typing.user", "1/1m"));
        limiter.checkUser(Limit.SEND, "ada");

        // Then another user, and another limit of the same user, still have their tokens
        limiter.checkUser(Limit.SEND, "bob");
        limiter.checkUser(Limit.TYPING, "ada");
        assertThatThrownBy(() -> limiter.checkUser(Limit.SEND, "ada")).isInstanceOf(ApiException.class);
    }

    @Test
    void shouldLimitASourceAddressAcrossUsers() {
        RateLimiter limiter = limiter(Map.of("limits.rate.connect.address", "2/1m"));
        limiter.check(Limit.CONNECT, "ada", "10.0.0.1");
        limiter.check(Limit.CONNECT, "bob", "10.0.0.1");

        assertThatThrownBy(() -> limiter.check(Limit.CONNECT, "cy", "10.0.0.1"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).contains("address"));
        limiter.check(Limit.CONNECT, "cy", "10.0.0.2");
        assertThat(metrics.counter(RateLimiter.METRIC_REFUSED, "door", "http", "limit", "connect", "scope", "address").count())
                .isEqualTo(1.0);
    }

    @Test
    void shouldNeverRefuseALimitThatIsOff() {
        RateLimiter limiter = limiter(Map.of("limits.rate.send.user", "off", "limits.rate.send.address", "off"));
        for (int i = 0; i < 10_000; i++) {
            limiter.check(Limit.SEND, "ada", "10.0.0.1");
        }
    }

    @Test
    void shouldBoundMemoryUnderAFloodOfDistinctAddresses() {
        // Given at most 100 buckets per limit
        RateLimiter limiter = limiter(Map.of("limits.rate.max.keys", "100"));

        // When 10,000 distinct addresses connect at the same instant
        for (int i = 0; i < 10_000; i++) {
            limiter.checkAddress(Limit.CONNECT, "10.0." + (i / 256) + "." + (i % 256));
        }

        // Then no more than 100 buckets are held
        assertThat(limiter.buckets(Limit.CONNECT, "address")).isEqualTo(100);
    }

    @Test
    void shouldDropBucketsIdleForTheirWholePeriod() {
        RateLimiter limiter = limiter(Map.of("limits.rate.send.user", "5/10s"));
        limiter.checkUser(Limit.SEND, "ada");
        limiter.checkUser(Limit.SEND, "bob");

        // When 10 s pass (both buckets are full again) and cy sends
        advance(Duration.ofSeconds(10));
        limiter.checkUser(Limit.SEND, "cy");

        // Then only cy's bucket is held
        assertThat(limiter.buckets(Limit.SEND, "user")).isEqualTo(1);
    }

    @Test
    void shouldReadDocumentedDefaultsThatLetAPersonTypeAndStopAScript() {
        RateLimits defaults = RateLimits.defaults();
        assertThat(defaults.user(Limit.SEND)).isEqualTo(new Rate(30, Duration.ofSeconds(10)));
        RateLimiter limiter = new RateLimiter(defaults, "http", metrics, now::get);

        // 300 sends in 10 s, one every 33 ms: at most 60 pass
        int accepted = 0;
        for (int i = 0; i < 300; i++) {
            try {
                limiter.check(Limit.SEND, "ada", "10.0.0.1");
                accepted++;
            } catch (ApiException refused) {
                assertThat(refused.status()).isEqualTo(429);
            }
            advance(Duration.ofMillis(33));
        }
        assertThat(accepted).isBetween(55, 60);
    }

    @Test
    void shouldDocumentEveryRateLimitWithTheDefaultItReads() {
        // Every door's --help lists Limits.DOCUMENTED; the documented defaults are the ones read
        Map<String, String> documented = new java.util.HashMap<>();
        dev.kchat.api.Limits.DOCUMENTED.forEach(row -> documented.put(row[0], row[1]));
        for (Limit limit : Limit.values()) {
            assertThat(Rate.parse(documented.get(RateLimits.userKey(limit)))).isEqualTo(RateLimits.defaults().user(limit));
            assertThat(Rate.parse(documented.get(RateLimits.addressKey(limit)))).isEqualTo(RateLimits.defaults().address(limit));
        }
        assertThat(documented).containsEntry(RateLimits.MAX_KEYS, "100000");
    }

    @Test
    void shouldRefuseAMalformedRateWithItsKey() {
        assertThatThrownBy(() -> RateLimits.from(Settings.of(Map.of("limits.rate.send.user", "30 per 10s"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("limits.rate.send.user");
        assertThatThrownBy(() -> Rate.parse("0/1s")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.parse("5/0s")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Rate.parse("5/500ms")).isEqualTo(new Rate(5, Duration.ofMillis(500)));
        assertThat(Rate.parse("600/1m")).isEqualTo(new Rate(600, Duration.ofMinutes(1)));
        assertThat(Rate.parse("off").off()).isTrue();
    }
}
