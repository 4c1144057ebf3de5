package dev.kchat.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.media.check.ContentSniffer;
import dev.kchat.media.check.ImageProcessor;
import dev.kchat.media.check.MediaPolicy;
import dev.kchat.media.local.LocalObjectStore;
import dev.kchat.media.store.ObjectKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MediaUploadsTest {

    private static final long MIB = MediaPolicy.MIB;

    @TempDir
    Path dir;
    private LocalObjectStore store;
    private MediaUploads uploads;

    @BeforeEach
    void start() {
        store = LocalObjectStore.start(dir, "127.0.0.1", 0, "127.0.0.1", "k".repeat(32).getBytes(StandardCharsets.US_ASCII),
                Clock.systemUTC());
        MediaPolicy policy = new MediaPolicy(1 * MIB, 12 * MIB, 1 * MIB, 1 * MIB);
        uploads = new MediaUploads(store, policy, new ContentSniffer(), new ImageProcessor(64),
                new MediaUploads.Settings(MediaUploads.Settings.DEFAULTS.uploadTtl(), MediaUploads.Settings.DEFAULTS.partTtl(),
                        MediaUploads.Settings.DEFAULTS.downloadTtl(), 5 * MIB, 5 * MIB));
    }

    @AfterEach
    void stop() {
        store.close();
    }

    @Test
    void shouldCompleteAnImageWithDimensionsAThumbnailAndNoLocation() throws Exception {
        byte[] photo = TestImages.jpegWithGps(400, 300);
        MediaUploads.Plan plan = uploads.plan("alice", "image/jpeg", photo.length, "trip.jpg");
        assertThat(plan.parts()).isEqualTo(1);
        assertThat(StoreClient.put(plan.put(), photo)).isEqualTo(200);

        MediaUploads.Completed done = uploads.complete("alice", plan.mediaId(), "image/jpeg", 1);

        assertThat(done.contentType()).isEqualTo("image/jpeg");
        assertThat(done.width()).isEqualTo(400);
        assertThat(done.height()).isEqualTo(300);
        assertThat(done.locationRemoved()).isTrue();
        assertThat(ImageProcessor.hasGps(store.readPrefix(done.objectKey(), Integer.MAX_VALUE))).isFalse();
        assertThat(store.size(done.thumbnailKey())).isPresent();
        assertThat(done.sizeBytes()).isEqualTo(store.size(done.objectKey()).getAsLong());
    }

    @Test
    void shouldRefuseAForgedAndAForeignUploadIdAlike() {
        byte[] photo = TestImages.png(10, 10);
        MediaUploads.Plan plan = uploads.plan("alice", "image/png", photo.length, null);
        StoreClient.put(plan.put(), photo);

        assertThatThrownBy(() -> uploads.complete("bob", plan.mediaId(), "image/png", 1))
                .isInstanceOfSatisfying(MediaRefusal.class, e -> assertThat(e.code()).isEqualTo("upload_not_found"));
        assertThatThrownBy(() -> uploads.complete("alice", UUID.randomUUID().toString(), "image/png", 1))
                .isInstanceOfSatisfying(MediaRefusal.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> uploads.complete("alice", "../bob/x", "image/png", 1))
                .isInstanceOfSatisfying(MediaRefusal.class, e -> assertThat(e.code()).isEqualTo("upload_not_found"));
    }

    @Test
    void shouldRejectAndDeleteAScriptDeclaredAsAnImage() {
        byte[] script = "<?php system($_GET['c']); ?>".getBytes(StandardCharsets.UTF_8);
        MediaUploads.Plan plan = uploads.plan("alice", "image/jpeg", script.length, "cat.jpg");
        StoreClient.put(plan.put(), script);

        assertThatThrownBy(() -> uploads.complete("alice", plan.mediaId(), "image/jpeg", 1))
                .isInstanceOfSatisfying(MediaRefusal.class, e -> {
                    assertThat(e.code()).isEqualTo("unsupported_media_type");
                    assertThat(e.objectRejected()).isTrue();
                });
        assertThat(store.size(plan.objectKey())).isEmpty();
    }

    @Test
    void shouldRefuseATypeThatIsNotAcceptedAndASizeOverItsKindsLimit() {
        assertThatThrownBy(() -> uploads.plan("alice", "application/x-msdownload", 10, "setup.exe"))
                .isInstanceOfSatisfying(MediaRefusal.class, e -> assertThat(e.code()).isEqualTo("unsupported_media_type"));
        assertThatThrownBy(() -> uploads.plan("alice", "image/png", 2 * MIB, null))
                .isInstanceOfSatisfying(MediaRefusal.class, e -> {
                    assertThat(e.status()).isEqualTo(413);
                    assertThat(e.code()).isEqualTo("media_too_large");
                });
    }

    @Test
    void shouldResumeAMultipartUploadUntilEveryPartIsThere() {
        byte[] video = new byte[(int) (6 * MIB)];
        byte[] header = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0, 'm', 'p', '4', '2', 'i', 's', 'o', 'm'};
        System.arraycopy(header, 0, video, 0, header.length);
        MediaUploads.Plan plan = uploads.plan("alice", "video/mp4", video.length, "clip.mp4");
        assertThat(plan.parts()).isEqualTo(2);
        assertThat(StoreClient.put(plan.multipart().parts().get(0), Arrays.copyOf(video, (int) (5 * MIB)))).isEqualTo(200);

        assertThatThrownBy(() -> uploads.complete("alice", plan.mediaId(), "video/mp4", 2))
                .isInstanceOfSatisfying(MediaRefusal.class, e -> {
                    assertThat(e.code()).isEqualTo("upload_incomplete");
                    assertThat(e.getMessage()).contains("[2]");
                });

        StoreClient.put(plan.multipart().parts().get(1), Arrays.copyOfRange(video, (int) (5 * MIB), video.length));
        MediaUploads.Completed done = uploads.complete("alice", plan.mediaId(), "video/mp4", 2);
        assertThat(done.contentType()).isEqualTo("video/mp4");
        assertThat(done.sizeBytes()).isEqualTo(video.length);
        assertThat(done.thumbnailKey()).isNull();
        assertThat(ObjectKeys.isMediaId(done.mediaId())).isTrue();
    }
}
