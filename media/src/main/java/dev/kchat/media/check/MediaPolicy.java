package dev.kchat.media.check;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which content types the platform accepts and how large each may be. Types are grouped by kind
 * (image, video, audio, document); the limit is the kind's. Images are the types the JDK decodes
 * (thumbnails and dimensions are made for every image accepted); WebP, HEIC and SVG are not accepted.
 *
 * @param imageMaxBytes    largest image
 * @param videoMaxBytes    largest video
 * @param audioMaxBytes    largest audio file
 * @param documentMaxBytes largest document
 */
public record MediaPolicy(long imageMaxBytes, long videoMaxBytes, long audioMaxBytes, long documentMaxBytes) {

    public static final long MIB = 1024L * 1024;
    public static final MediaPolicy DEFAULTS = new MediaPolicy(20 * MIB, 200 * MIB, 50 * MIB, 50 * MIB);

    /** The kinds of media, each with its own limit. */
    public enum Kind { IMAGE, VIDEO, AUDIO, DOCUMENT }

    private static final Map<String, Kind> TYPES = Map.ofEntries(
            Map.entry("image/jpeg", Kind.IMAGE),
            Map.entry("image/png", Kind.IMAGE),
            Map.entry("image/gif", Kind.IMAGE),
            Map.entry("video/mp4", Kind.VIDEO),
            Map.entry("video/quicktime", Kind.VIDEO),
            Map.entry("video/webm", Kind.VIDEO),
            Map.entry("audio/mpeg", Kind.AUDIO),
            Map.entry("audio/mp4", Kind.AUDIO),
            Map.entry("audio/ogg", Kind.AUDIO),
            Map.entry("audio/vnd.wave", Kind.AUDIO),
            Map.entry("application/pdf", Kind.DOCUMENT));

    public MediaPolicy {
        if (imageMaxBytes < 1 || videoMaxBytes < 1 || audioMaxBytes < 1 || documentMaxBytes < 1) {
            throw new IllegalArgumentException("media size limits must be >= 1 byte");
        }
    }

    /** Every accepted type. */
    public static Set<String> acceptedTypes() {
        return TYPES.keySet();
    }

    /** The kind of an accepted type, else empty. Parameters ({@code ; charset=...}) are ignored, case too. */
    public static Optional<Kind> kindOf(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        String bare = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return Optional.ofNullable(TYPES.get(bare));
    }

    /** The largest size of a kind. */
    public long maxBytes(Kind kind) {
        return switch (kind) {
            case IMAGE -> imageMaxBytes;
            case VIDEO -> videoMaxBytes;
            case AUDIO -> audioMaxBytes;
            case DOCUMENT -> documentMaxBytes;
        };
    }

    /** The largest of all limits (what one upload can ever be). */
    public long largest() {
        return Math.max(Math.max(imageMaxBytes, videoMaxBytes), Math.max(audioMaxBytes, documentMaxBytes));
    }
}
