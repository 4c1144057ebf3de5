package dev.kchat.media;

import dev.kchat.media.check.ContentSniffer;
import dev.kchat.media.check.ImageProcessor;
import dev.kchat.media.check.MediaPolicy;
import dev.kchat.media.store.MultipartPlan;
import dev.kchat.media.store.ObjectKeys;
import dev.kchat.media.store.ObjectNotFoundException;
import dev.kchat.media.store.ObjectStore;
import dev.kchat.media.store.SignedUrl;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upload flow over an {@link ObjectStore}, without Kafka or HTTP (the API wraps it): plan an
 * upload (the client's declared type and size checked against the {@link MediaPolicy}, signed
 * URLs handed out), then complete it (the object checked: it exists under the caller's own key,
 * its type is sniffed from its bytes and must be accepted and of the declared kind, its real size
 * within that kind's limit; images processed by the {@link ImageProcessor}), and sign downloads.
 *
 * <p>Keeps no state: the object's key holds the owner and the media id, so completing someone
 * else's id looks under the caller's own prefix and finds nothing ({@code 404 upload_not_found}),
 * exactly like an id that never existed; the declared size is enforced by the signed URL.
 */
public final class MediaUploads {

    private static final Logger log = LoggerFactory.getLogger(MediaUploads.class);

    private final ObjectStore store;
    private final MediaPolicy policy;
    private final ContentSniffer sniffer;
    private final ImageProcessor images;
    private final Settings settings;

    /**
     * @param uploadTtl         how long an upload URL (single PUT) is valid
     * @param partTtl           how long the part URLs of a multipart upload are valid
     * @param downloadTtl       how long a download URL is valid
     * @param multipartAbove    uploads larger than this are multipart
     * @param partSize          bytes per part (S3's minimum is 5 MiB, but for the last part)
     */
    public record Settings(Duration uploadTtl, Duration partTtl, Duration downloadTtl, long multipartAbove, long partSize) {

        public static final Settings DEFAULTS = new Settings(Duration.ofMinutes(15), Duration.ofHours(6), Duration.ofMinutes(5),
                16 * MediaPolicy.MIB, 8 * MediaPolicy.MIB);

        public Settings {
            if (partSize < 5 * MediaPolicy.MIB) {
                throw new IllegalArgumentException("parts need at least 5 MiB (S3's minimum), got " + partSize);
            }
            if (multipartAbove < partSize) {
                throw new IllegalArgumentException("multipart threshold " + multipartAbove + " is below the part size " + partSize);
            }
        }
    }

    /** An upload handed out: PUT the bytes to {@code put}, or each part to {@code multipart}'s URLs. */
    public record Plan(String mediaId, String objectKey, String declaredType, long declaredSize, String name,
            SignedUrl put, MultipartPlan multipart) {

        public int parts() {
            return multipart == null ? 1 : multipart.parts().size();
        }
    }

    /** A completed upload: what the media event and the attachment carry. */
    public record Completed(String mediaId, String ownerId, String contentType, long sizeBytes, String objectKey,
            Integer width, Integer height, String thumbnailKey, boolean locationRemoved) {
    }

    public MediaUploads(ObjectStore store, MediaPolicy policy, ContentSniffer sniffer, ImageProcessor images, Settings settings) {
        this.store = store;
        this.policy = policy;
        this.sniffer = sniffer;
        this.images = images;
        this.settings = settings;
    }

    /**
     * Plans an upload for {@code ownerId}. Multipart above {@link Settings#multipartAbove}.
     *
     * @throws MediaRefusal {@code 415 unsupported_media_type}, {@code 413 media_too_large}, {@code 400 invalid_size}
     */
    public Plan plan(String ownerId, String declaredType, long declaredSize, String name) {
        MediaPolicy.Kind kind = MediaPolicy.kindOf(declaredType).orElseThrow(() -> new MediaRefusal(415, "unsupported_media_type",
                "content type '" + declaredType + "' is not accepted; accepted: " + String.join(", ", new java.util.TreeSet<>(MediaPolicy.acceptedTypes()))));
        if (declaredSize < 1) {
            throw new MediaRefusal(400, "invalid_size", "size_bytes must be at least 1");
        }
        if (declaredSize > policy.maxBytes(kind)) {
            throw new MediaRefusal(413, "media_too_large", kind.name().toLowerCase(java.util.Locale.ROOT) + " uploads are limited to "
                    + policy.maxBytes(kind) + " bytes");
        }
        String type = declaredType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        String mediaId = UUID.randomUUID().toString();
        String key = ObjectKeys.original(ownerId, mediaId);
        if (declaredSize > settings.multipartAbove()) {
            int parts = (int) ((declaredSize + settings.partSize() - 1) / settings.partSize());
            MultipartPlan multipart = store.startMultipart(key, type, parts, settings.partSize(), settings.partTtl());
            return new Plan(mediaId, key, type, declaredSize, name, null, multipart);
        }
        return new Plan(mediaId, key, type, declaredSize, name, store.signPut(key, type, declaredSize, settings.uploadTtl()), null);
    }

    /**
     * Completes {@code ownerId}'s upload {@code mediaId}: checks the object and processes it.
     *
     * @param declaredType the type declared when the upload was planned (the kind must match the bytes')
     * @param parts        the number of parts of a multipart upload; 1 for a single PUT
     * @throws MediaRefusal {@code 404 upload_not_found}; {@code 409 upload_incomplete} (parts missing: PUT them
     *                      and complete again); object refusals (deleted): {@code 415 unsupported_media_type},
     *                      {@code 422 content_type_mismatch}, {@code 413 media_too_large}, {@code 422 image_unreadable},
     *                      {@code 422 image_too_large}
     */
    public Completed complete(String ownerId, String mediaId, String declaredType, int parts) {
        if (!ObjectKeys.isMediaId(mediaId)) {
            throw notFound(mediaId);
        }
        String key = ObjectKeys.original(ownerId, mediaId);
        if (parts > 1) {
            List<Integer> missing;
            try {
                missing = store.completeMultipart(key, parts);
            } catch (ObjectNotFoundException e) {
                missing = store.size(key).isPresent() ? List.of() : null;
            }
            if (missing == null) {
                throw notFound(mediaId);
            }
            if (!missing.isEmpty()) {
                throw new MediaRefusal(409, "upload_incomplete", "parts " + missing + " are missing: PUT them to their URLs and complete again");
            }
        }
        OptionalLong size = store.size(key);
        if (size.isEmpty()) {
            throw notFound(mediaId);
        }
        try {
            String sniffed = sniffer.sniff(store.readPrefix(key, ContentSniffer.PREFIX_BYTES));
            MediaPolicy.Kind kind = MediaPolicy.kindOf(sniffed).orElseThrow(() -> rejected(key, 415, "unsupported_media_type",
                    "the content is " + sniffed + ", which is not accepted"));
            if (declaredType != null && MediaPolicy.kindOf(declaredType).map(k -> k != kind).orElse(false)) {
                throw rejected(key, 422, "content_type_mismatch", "declared " + declaredType + " but the content is " + sniffed);
            }
            if (size.getAsLong() > policy.maxBytes(kind)) {
                throw rejected(key, 413, "media_too_large", "the object has " + size.getAsLong() + " bytes; "
                        + kind.name().toLowerCase(java.util.Locale.ROOT) + " is limited to " + policy.maxBytes(kind));
            }
            if (kind != MediaPolicy.Kind.IMAGE) {
                return new Completed(mediaId, ownerId, sniffed, size.getAsLong(), key, null, null, null, false);
            }
            byte[] bytes;
            try (InputStream in = store.open(key)) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, policy.maxBytes(kind)));
            }
            ImageProcessor.Processed image;
            try {
                image = images.process(bytes, sniffed);
            } catch (ImageProcessor.ImageRefused e) {
                throw rejected(key, 422, e.code(), e.getMessage());
            }
            if (image.cleaned() != bytes) {
                store.put(key, image.cleaned(), sniffed);
            }
            String thumbKey = ObjectKeys.thumbnail(ownerId, mediaId);
            store.put(thumbKey, image.thumbnail(), "image/jpeg");
            log.debug("media {}: {} {}x{}, {} bytes, location removed {}", mediaId, sniffed, image.width(), image.height(),
                    image.cleaned().length, image.locationRemoved());
            return new Completed(mediaId, ownerId, sniffed, image.cleaned().length, key, image.width(), image.height(), thumbKey,
                    image.locationRemoved());
        } catch (IOException e) {
            throw new UncheckedIOException("reading media " + key, e);
        }
    }

    /** A signed download URL of an object, served with {@code contentType}. */
    public SignedUrl download(String objectKey, String contentType) {
        return store.signGet(objectKey, contentType, settings.downloadTtl());
    }

    private MediaRefusal rejected(String key, int status, String code, String message) {
        store.delete(key);
        return new MediaRefusal(status, code, message, true);
    }

    private static MediaRefusal notFound(String mediaId) {
        return new MediaRefusal(404, "upload_not_found", "no upload '" + mediaId + "' of yours was found in storage");
    }
}
