package dev.kchat.media.store;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The platform's object keys: {@code u/<owner>/<media id>} for an upload and
 * {@code u/<owner>/<media id>.thumb.jpg} for its thumbnail. The owner is part of the key, so a
 * caller who completes someone else's media id looks under their own prefix and finds nothing.
 */
public final class ObjectKeys {

    /** What a key may contain: user ids and UUIDs only need these, and none of them escapes a directory. */
    public static final Pattern SAFE_KEY = Pattern.compile("[A-Za-z0-9_.\\-]+(/[A-Za-z0-9_.\\-]+)*");

    private ObjectKeys() {
    }

    public static String original(String ownerId, String mediaId) {
        return check("u/" + ownerId + "/" + mediaId);
    }

    public static String thumbnail(String ownerId, String mediaId) {
        return check("u/" + ownerId + "/" + mediaId + ".thumb.jpg");
    }

    /** True for the media ids the platform hands out (UUIDs in canonical form). */
    public static boolean isMediaId(String mediaId) {
        if (mediaId == null || mediaId.length() != 36) {
            return false;
        }
        try {
            return UUID.fromString(mediaId).toString().equals(mediaId);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code key} if it is a safe key (no {@code ..}, no empty segment), else an exception. */
    public static String check(String key) {
        if (!SAFE_KEY.matcher(key).matches() || key.contains("..")) {
            throw new IllegalArgumentException("not a valid object key: " + key);
        }
        return key;
    }
}
