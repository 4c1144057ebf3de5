package dev.kchat.process;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child main for the tests: {@code SleepingChild <marker file> <hook millis>} registers a shutdown hook
 * that takes {@code hook millis} and then writes the marker file, and sleeps until the JVM ends.
 */
public final class SleepingChild {

    private SleepingChild() {
    }

    public static void main(String[] args) throws Exception {
        Path marker = Path.of(args[0]);
        long hookMillis = Long.parseLong(args[1]);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(hookMillis);
                Files.writeString(marker, "hook ran");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        Thread.sleep(Long.MAX_VALUE);
    }
}
