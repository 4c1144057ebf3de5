package dev.kchat.media.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.adobe.testing.s3mock.S3MockApplication;
import dev.kchat.media.MediaRefusal;
import dev.kchat.media.MediaUploads;
import dev.kchat.media.StoreClient;
import dev.kchat.media.TestImages;
import dev.kchat.media.check.ContentSniffer;
import dev.kchat.media.check.ImageProcessor;
import dev.kchat.media.check.MediaPolicy;
import dev.kchat.media.store.MultipartPlan;
import dev.kchat.media.store.SignedUrl;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 store against a real S3-compatible server: Adobe's S3Mock (from Maven Central), started
 * in this JVM on a free port; every request goes over HTTP, SigV4-signed by the AWS SDK, and the
 * presigned URLs are used by a plain HTTP client as a phone would.
 *
 * <p>S3Mock does not check signatures or their expiry (it accepts a tampered presigned URL), so
 * what is tested here is that the SDK's presigned URLs, multipart calls and reads work against the
 * S3 API; that a tampered or expired URL is refused is S3's (or MinIO's) own check, and the local
 * store's is tested in {@code LocalObjectStoreTest}.
 */
class S3ObjectStoreTest {

    private static final String BUCKET = "kchat-media";
    private static final long MIB = MediaPolicy.MIB;

    @TempDir
    static Path root;
    private static S3MockApplication s3mock;
    private static S3ObjectStore store;

    @BeforeAll
    static void startServer() {
        s3mock = S3MockApplication.start(new java.util.HashMap<>(Map.of(
                S3MockApplication.PROP_HTTP_PORT, S3MockApplication.RANDOM_PORT,
                S3MockApplication.PROP_HTTPS_PORT, S3MockApplication.RANDOM_PORT,
                S3MockApplication.PROP_ROOT_DIRECTORY, root.toString(),
                S3MockApplication.PROP_SILENT, true)));
        store = S3ObjectStore.create(URI.create("http://127.0.0.1:" + s3mock.getHttpPort()), "us-east-1", BUCKET, "test", "test");
        store.ensureBucket();
    }

    @AfterAll
    static void stopServer() {
        if (store != null) {
            store.close();
        }
        if (s3mock != null) {
            s3mock.stop();
        }
    }

    @Test
    void shouldTakeAPresignedPutAndServeAPresignedGet() throws Exception {
        byte[] body = TestImages.png(30, 20);
        SignedUrl put = store.signPut("u/alice/one", "image/png", body.length, Duration.ofMinutes(5));
        assertThat(put.headers()).containsEntry("content-type", "image/png");

        assertThat(StoreClient.put(put, body)).isEqualTo(200);

        assertThat(store.size("u/alice/one")).hasValue(body.length);
        assertThat(store.readPrefix("u/alice/one", 8)).isEqualTo(Arrays.copyOf(body, 8));
        HttpResponse<byte[]> got = StoreClient.get(store.signGet("u/alice/one", "image/png", Duration.ofMinutes(1)).url());
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(body);
        assertThat(got.headers().firstValue("Content-Type")).hasValue("image/png");
    }

    @Test
    void shouldCompleteAMultipartUploadFromPresignedPartUrlsAndSayWhichPartsAreMissing() {
        byte[] first = new byte[(int) (5 * MIB)];
        Arrays.fill(first, (byte) 'a');
        byte[] last = "tail".getBytes();
        MultipartPlan plan = store.startMultipart("u/alice/big", "video/mp4", 2, 5 * MIB, Duration.ofHours(1));

        assertThat(StoreClient.put(plan.parts().get(1), last)).isEqualTo(200);
        assertThat(store.completeMultipart("u/alice/big", 2)).containsExactly(1);

        assertThat(StoreClient.put(plan.parts().get(0), first)).isEqualTo(200);
        assertThat(store.completeMultipart("u/alice/big", 2)).isEmpty();
        assertThat(store.size("u/alice/big")).hasValue(first.length + last.length);
    }

    @Test
    void shouldCompleteAnImageUploadThroughTheFlow() throws Exception {
        MediaUploads uploads = new MediaUploads(store, MediaPolicy.DEFAULTS, new ContentSniffer(), new ImageProcessor(320),
                MediaUploads.Settings.DEFAULTS);
        byte[] photo = TestImages.jpegWithGps(800, 600);
        MediaUploads.Plan plan = uploads.plan("alice", "image/jpeg", photo.length, "paris.jpg");
        assertThat(StoreClient.put(plan.put(), photo)).isEqualTo(200);

        MediaUploads.Completed done = uploads.complete("alice", plan.mediaId(), "image/jpeg", 1);

        assertThat(done.width()).isEqualTo(800);
        byte[] stored = StoreClient.get(uploads.download(done.objectKey(), done.contentType()).url()).body();
        assertThat(ImageProcessor.hasGps(stored)).isFalse();
        assertThat(StoreClient.get(uploads.download(done.thumbnailKey(), "image/jpeg").url()).statusCode()).isEqualTo(200);
        // bob cannot complete alice's upload: it is not under his key
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> uploads.complete("bob", plan.mediaId(), "image/jpeg", 1))
                .isInstanceOfSatisfying(MediaRefusal.class, e -> assertThat(e.code()).isEqualTo("upload_not_found"));
    }
}
