package dev.kchat.media.store;

import java.util.List;

/**
 * A started multipart upload: part {@code i + 1} is PUT to {@code parts.get(i)}; every part has
 * {@code partSize} bytes but the last.
 */
public record MultipartPlan(long partSize, List<SignedUrl> parts) {

    public MultipartPlan {
        parts = List.copyOf(parts);
    }
}
