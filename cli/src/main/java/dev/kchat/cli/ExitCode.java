package dev.kchat.cli;

/**
 * What {@code kchat} exits with, so scripts can tell outcomes apart. Picocli's own usage errors
 * (an unknown option, a missing argument) are {@link #USAGE} too.
 */
public final class ExitCode {

    public static final int OK = 0;
    /** Something unexpected (a bug, an answer the client does not understand). */
    public static final int FAILED = 1;
    /** The command line or the request was wrong (400, 413): fix it, retrying will not help. */
    public static final int USAGE = 2;
    /** The platform refused it (403, 404, 409, 422: not a member, no such conversation, ...). */
    public static final int REFUSED = 3;
    /** No token, or the token is invalid or expired (401): log in again. */
    public static final int UNAUTHORIZED = 4;
    /** The platform could not be reached or is unavailable (5xx, connection refused). */
    public static final int UNAVAILABLE = 5;
    /** Rate limited (429): retry after the time the message says. */
    public static final int RATE_LIMITED = 6;
    /** Kafka has the command but no decision came within the wait: it may still be accepted (retry with the same id). */
    public static final int UNDECIDED = 7;
    /** {@code tail --count N} saw fewer than N messages before its {@code --timeout}. */
    public static final int TIMEOUT = 124;

    private ExitCode() {
    }

    /** The exit code of an HTTP answer's status. */
    public static int ofStatus(int status) {
        if (status >= 200 && status < 300) {
            return OK;
        }
        return switch (status) {
            case 400, 413 -> USAGE;
            case 401 -> UNAUTHORIZED;
            case 403, 404, 409, 422 -> REFUSED;
            case 429 -> RATE_LIMITED;
            default -> status >= 500 ? UNAVAILABLE : FAILED;
        };
    }
}
