package dev.kchat.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a platform that a caller (a test, a second platform on one machine) picks before it starts.
 *
 * <p>A port from {@code new ServerSocket(0)} is released at once, and the kernel may hand it to the next
 * component that binds port 0 (the CQL server, Flink, an app's admin port) before the app it was picked
 * for starts. The ports here come from below the kernel's ephemeral range (32768 and up on Linux), where
 * nothing binding port 0 lands, and each is handed out once per JVM.
 */
public final class FreePorts {

    private static final int FIRST = 20_000;
    private static final int END = 32_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port free now, below the ephemeral range, not handed out before by this JVM. */
    public static int next() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(FIRST, END);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket probe = new ServerSocket(port)) {
                return probe.getLocalPort();
            } catch (IOException inUse) {
                // bound by something else: try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port between " + FIRST + " and " + END));
    }
}
