package dev.kchat.ingress.media;

/** Request bodies of the media API (snake_case JSON). */
final class MediaRequests {

    private MediaRequests() {
    }

    /** {@code POST /v1/media/uploads}: what the client is about to upload. */
    record CreateUpload(String contentType, Long sizeBytes, String fileName) {
    }

    /** {@code POST /v1/media/uploads/{id}/complete}: the part count of a multipart upload (1 or none for a single PUT). */
    record Complete(Integer parts) {
    }
}
