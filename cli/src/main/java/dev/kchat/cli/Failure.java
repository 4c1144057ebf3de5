package dev.kchat.cli;

/** A command that cannot go on: its message goes to stderr and {@code kchat} exits with its code. */
public final class Failure extends RuntimeException {

    private final int exitCode;

    public Failure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** An error answer of the API: its status's exit code, and its code and message. */
    static Failure of(Api.Answer answer) {
        return new Failure(ExitCode.ofStatus(answer.status()),
                answer.status() + " " + answer.errorCode() + (answer.errorMessage().isEmpty() ? "" : ": " + answer.errorMessage()));
    }

    public int exitCode() {
        return exitCode;
    }
}
