package dev.kchat.api;

/** A request is refused: the HTTP status, a machine-readable code and a message for the developer. */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final java.time.Duration retryAfter;

    public ApiException(int status, String code, String message) {
        this(status, code, message, null);
    }

    /** @param retryAfter when the client may try again (a 429's wait), or null */
    public ApiException(int status, String code, String message, java.time.Duration retryAfter) {
        super(message);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** When the client may try again, if the refusal says (a 429's wait). */
    public java.util.Optional<java.time.Duration> retryAfter() {
        return java.util.Optional.ofNullable(retryAfter);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(404, code, message);
    }
}
