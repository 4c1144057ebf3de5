package dev.kchat.media.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.media.StoreClient;
import dev.kchat.media.store.MultipartPlan;
import dev.kchat.media.store.SignedUrl;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreTest {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;
    private MutableClock clock;
    private LocalObjectStore store;

    @BeforeEach
    void start() {
        clock = new MutableClock(Instant.parse("2026-11-26T10:00:00Z"));
        store = LocalObjectStore.start(dir, "127.0.0.1", 0, "127.0.0.1", KEY, clock);
    }

    @AfterEach
    void stop() {
        store.close();
    }

    @Test
    void shouldStoreWhatIsPutToASignedUrlAndServeItToASignedGet() throws Exception {
        byte[] body = "hello media".getBytes(StandardCharsets.UTF_8);
        SignedUrl put = store.signPut("u/alice/a", "text/plain", body.length, Duration.ofMinutes(5));

        assertThat(StoreClient.put(put, body)).isEqualTo(200);

        assertThat(store.size("u/alice/a")).hasValue(body.length);
        HttpResponse<byte[]> got = StoreClient.get(store.signGet("u/alice/a", "image/png", Duration.ofMinutes(1)).url());
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(body);
        assertThat(got.headers().firstValue("Content-Type")).hasValue("image/png");
    }

    @Test
    void shouldRefuseATamperedAnExpiredAndAnOversizedRequest() {
        SignedUrl put = store.signPut("u/alice/b", "text/plain", 4, Duration.ofMinutes(5));
        URI otherKey = URI.create(put.url().toString().replace("/u/alice/b?", "/u/alice/c?"));

        assertThat(StoreClient.put(new SignedUrl("PUT", otherKey, put.expiresAt(), put.headers()), new byte[4])).isEqualTo(403);
        assertThat(StoreClient.put(put, new byte[5])).isEqualTo(413);
        assertThat(store.size("u/alice/b")).isEmpty();

        clock.advance(Duration.ofMinutes(6));
        assertThat(StoreClient.put(put, new byte[4])).isEqualTo(403);
        assertThat(store.size("u/alice/b")).isEmpty();
    }

    @Test
    void shouldJoinTheParts_OfAMultipartUpload_OnlyOnceAllAreThere() {
        MultipartPlan plan = store.startMultipart("u/alice/big", "video/mp4", 3, 4, Duration.ofHours(1));
        assertThat(StoreClient.put(plan.parts().get(0), "aaaa".getBytes())).isEqualTo(200);
        assertThat(StoreClient.put(plan.parts().get(2), "cc".getBytes())).isEqualTo(200);

        assertThat(store.completeMultipart("u/alice/big", 3)).containsExactly(2);
        assertThat(store.size("u/alice/big")).isEmpty();

        // the client resumes: the missing part only
        assertThat(StoreClient.put(plan.parts().get(1), "bbbb".getBytes())).isEqualTo(200);
        assertThat(store.completeMultipart("u/alice/big", 3)).isEmpty();
        assertThat(store.size("u/alice/big")).hasValue(10);
    }

    @Test
    void shouldAnswer404ForAMissingObject() {
        HttpResponse<byte[]> got = StoreClient.get(store.signGet("u/alice/none", "image/png", Duration.ofMinutes(1)).url());
        assertThat(got.statusCode()).isEqualTo(404);
        assertThat(Arrays.copyOf(got.body(), 11)).isEqualTo("no_such_key".getBytes());
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
