package dev.kchat.schemas.registry;

/**
 * The registry refused a request, with the Confluent error code it answered (e.g. 40401 subject not
 * found, 409 incompatible schema, 42201 invalid schema), or could not be reached at all
 * ({@link Unavailable}).
 */
public class SchemaRegistryException extends RuntimeException {

    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int INCOMPATIBLE_SCHEMA = 409;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    public static final int BACKEND_ERROR = 50001;

    private final int errorCode;

    public SchemaRegistryException(int errorCode, String message) {
        super(message + " (error_code " + errorCode + ")");
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(int errorCode, String message, Throwable cause) {
        super(message + " (error_code " + errorCode + ")", cause);
        this.errorCode = errorCode;
    }

    /** The Confluent error code; the HTTP status is its first three digits. */
    public int errorCode() {
        return errorCode;
    }

    /** The HTTP status the registry API answers with this error. */
    public int httpStatus() {
        return errorCode < 1000 ? errorCode : errorCode / 100;
    }

    /** The registry could not be reached, or answered something that is not the registry API. */
    public static final class Unavailable extends SchemaRegistryException {
        public Unavailable(String message, Throwable cause) {
            super(BACKEND_ERROR, message, cause);
        }
    }
}
