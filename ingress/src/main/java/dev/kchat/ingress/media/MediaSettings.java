package dev.kchat.ingress.media;

import dev.kchat.media.MediaUploads;
import dev.kchat.media.check.MediaPolicy;
import dev.kchat.service.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Media settings of ingress ({@code media.*}): which object store, its connection, URL lifetimes,
 * multipart sizes and per-kind limits. {@code media.store} is {@code none} by default: the media
 * routes then answer {@code 503 media_storage_not_configured} (a deployment names its bucket; the
 * local runner sets {@code local}).
 */
public record MediaSettings(
        Store store,
        Path localDir,
        String localHost,
        int localPort,
        String localPublicHost,
        byte[] signingKey,
        boolean signingKeyGenerated,
        Optional<String> s3Endpoint,
        Optional<String> s3PublicEndpoint,
        String s3Region,
        String s3Bucket,
        Optional<String> s3AccessKey,
        Optional<String> s3SecretKey,
        boolean s3CreateBucket,
        MediaUploads.Settings uploads,
        MediaPolicy policy,
        int thumbnailSize) {

    /** Where media bytes live. */
    public enum Store { NONE, LOCAL, S3 }

    public static final String STORE = "media.store";

    /** Documented settings: key, default, meaning. */
    public static final List<String[]> DOCUMENTED = List.of(
            new String[] {STORE, "none", "object storage for uploads: none (media routes answer 503), local (files + signed URLs"
                    + " served by ingress's own media server), s3 (an S3-compatible bucket)"},
            new String[] {"media.local.dir", "media", "local store: the directory of the objects"},
            new String[] {"media.local.host", "127.0.0.1", "local store: address its URL server binds to"},
            new String[] {"media.local.port", "8070", "local store: port of its URL server (0: any free port)"},
            new String[] {"media.local.public.host", "(media.local.host)", "local store: host name in the URLs it signs"},
            new String[] {"media.signing.key", "(random at start)", "local store: HMAC key of its URLs, 32+ bytes"
                    + " (hex, or text); random means URLs die with the process and instances cannot check each other's"},
            new String[] {"media.s3.endpoint", "(AWS)", "s3: endpoint URL of an S3-compatible server (MinIO, Ceph); path-style addressing"},
            new String[] {"media.s3.public.endpoint", "(media.s3.endpoint)", "s3: the endpoint in the URLs clients get, when they"
                    + " reach the server at another address than ingress does"},
            new String[] {"media.s3.region", "us-east-1", "s3: region (signing)"},
            new String[] {"media.s3.bucket", "kchat-media", "s3: the bucket"},
            new String[] {"media.s3.access.key", "(default chain)", "s3: access key; unset: the AWS SDK's default credentials chain"},
            new String[] {"media.s3.secret.key", "(default chain)", "s3: secret key"},
            new String[] {"media.s3.create.bucket", "false", "s3: create the bucket at start if it is missing"},
            new String[] {"media.upload.url.ttl", "15m", "lifetime of a single-PUT upload URL"},
            new String[] {"media.part.url.ttl", "6h", "lifetime of the part URLs of a multipart upload (a resumed upload re-PUTs within it)"},
            new String[] {"media.download.url.ttl", "5m", "lifetime of a download URL from GET /v1/media/{id}"},
            new String[] {"media.multipart.above.bytes", "16777216", "uploads larger than this are multipart"},
            new String[] {"media.part.bytes", "8388608", "bytes per part (5 MiB at least: S3's minimum)"},
            new String[] {"media.max.image.bytes", "20971520", "largest image (jpeg, png, gif)"},
            new String[] {"media.max.video.bytes", "209715200", "largest video (mp4, quicktime, webm)"},
            new String[] {"media.max.audio.bytes", "52428800", "largest audio file (mpeg, mp4, ogg, wav)"},
            new String[] {"media.max.document.bytes", "52428800", "largest document (pdf)"},
            new String[] {"media.thumbnail.size", "320", "longer side of an image's JPEG thumbnail, in pixels"});

    public static MediaSettings from(Settings s) {
        MediaUploads.Settings d = MediaUploads.Settings.DEFAULTS;
        MediaPolicy p = MediaPolicy.DEFAULTS;
        Store store;
        try {
            store = Store.valueOf(s.string(STORE, "none").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Settings.ConfigException(STORE, "must be none, local or s3");
        }
        Optional<String> key = s.find("media.signing.key");
        byte[] signingKey = key.map(MediaSettings::keyBytes).orElseGet(() -> {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            return random;
        });
        String localHost = s.string("media.local.host", "127.0.0.1");
        return new MediaSettings(store,
                Path.of(s.string("media.local.dir", "media")),
                localHost,
                s.integer("media.local.port", 8070),
                s.string("media.local.public.host", localHost),
                signingKey,
                key.isEmpty(),
                s.find("media.s3.endpoint"),
                s.find("media.s3.public.endpoint"),
                s.string("media.s3.region", "us-east-1"),
                s.string("media.s3.bucket", "kchat-media"),
                s.find("media.s3.access.key"),
                s.find("media.s3.secret.key"),
                s.bool("media.s3.create.bucket", false),
                new MediaUploads.Settings(s.duration("media.upload.url.ttl", d.uploadTtl()), s.duration("media.part.url.ttl", d.partTtl()),
                        s.duration("media.download.url.ttl", d.downloadTtl()), s.longValue("media.multipart.above.bytes", d.multipartAbove()),
                        s.longValue("media.part.bytes", d.partSize())),
                new MediaPolicy(s.longValue("media.max.image.bytes", p.imageMaxBytes()), s.longValue("media.max.video.bytes", p.videoMaxBytes()),
                        s.longValue("media.max.audio.bytes", p.audioMaxBytes()), s.longValue("media.max.document.bytes", p.documentMaxBytes())),
                s.integer("media.thumbnail.size", 320));
    }

    /** A key given as hex (64+ digits) or as text. */
    private static byte[] keyBytes(String value) {
        if (value.matches("([0-9a-fA-F]{2}){32,}")) {
            return HexFormat.of().parseHex(value);
        }
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        if (text.length < 32) {
            throw new Settings.ConfigException("media.signing.key", "needs at least 32 bytes");
        }
        return text;
    }
}
