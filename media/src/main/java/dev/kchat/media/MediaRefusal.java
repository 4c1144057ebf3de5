package dev.kchat.media;

/**
 * A media request refused, with what the client gets: an HTTP status, a machine code and a message.
 * {@code objectRejected} is true when completion refused the uploaded object itself (it was deleted
 * and the refusal is a state change: an {@code UploadRejected} event).
 */
public final class MediaRefusal extends RuntimeException {

    private final int status;
    private final String code;
    private final boolean objectRejected;

    public MediaRefusal(int status, String code, String message, boolean objectRejected) {
        super(message);
        this.status = status;
        this.code = code;
        this.objectRejected = objectRejected;
    }

    public MediaRefusal(int status, String code, String message) {
        this(status, code, message, false);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public boolean objectRejected() {
        return objectRejected;
    }
}
