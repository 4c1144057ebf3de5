package dev.kchat.deploy;

import java.util.List;

/**
 * {@link FanoutStateMigration} will not run: each reason says what is not safe and what to do.
 * Nothing was written.
 */
public final class MigrationRefusedException extends RuntimeException {

    private final List<String> reasons;

    MigrationRefusedException(List<String> reasons) {
        super("refused, nothing written: " + String.join("; ", reasons));
        this.reasons = List.copyOf(reasons);
    }

    public List<String> reasons() {
        return reasons;
    }
}
