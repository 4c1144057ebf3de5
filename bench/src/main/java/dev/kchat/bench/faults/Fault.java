package dev.kchat.bench.faults;

import dev.kchat.bench.PlatformProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a fault run does to the platform mid-load. The platform runs routing, fanout, presence, the
 * sink, ingress and the edge in one JVM (its broker and CQL server are child JVMs of it), so "kill a
 * Streams app" means killing that JVM whole.
 */
enum Fault {
    /** Nothing: the baseline. */
    NONE("none", false),
    /** {@code kill -9} of the platform JVM; its broker and CQL server stop by themselves (OwnerWatch); restart on the same data. */
    PLATFORM_KILL("platform-kill", true),
    /** {@code kill -9} of the broker, the CQL server and the platform JVM at once (nothing shuts down cleanly); restart. */
    ALL_KILL("all-kill", true),
    /** The CQL server stopped (SIGSTOP) for the pause, then continued (SIGCONT). */
    CQL_PAUSE("cql-pause", false),
    /** The broker stopped (SIGSTOP) for the pause, then continued (SIGCONT). */
    BROKER_PAUSE("broker-pause", false);

    private static final Logger log = LoggerFactory.getLogger(Fault.class);

    final String option;
    final boolean restarts;

    Fault(String option, boolean restarts) {
        this.option = option;
        this.restarts = restarts;
    }

    static Fault named(String option) {
        for (Fault f : values()) {
            if (f.option.equals(option)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown fault '" + option + "' (none, platform-kill, all-kill, cql-pause, broker-pause)");
    }

    /**
     * Injects the fault into {@code platform}; for a fault that kills, returns once everything it
     * killed is gone (the caller restarts the platform).
     */
    void inject(PlatformProcess platform, Duration pause) throws IOException, InterruptedException {
        switch (this) {
            case NONE -> log.info("no fault injected");
            case PLATFORM_KILL -> platform.kill();
            case ALL_KILL -> {
                // The children first, a few microseconds apart, so none of them sees its owner go first.
                signal("KILL", required(platform.brokerPid(), "broker"));
                signal("KILL", required(platform.cqlPid(), "CQL server"));
                platform.kill();
            }
            case CQL_PAUSE -> pause(required(platform.cqlPid(), "CQL server"), pause);
            case BROKER_PAUSE -> pause(required(platform.brokerPid(), "broker"), pause);
        }
    }

    private static long required(Optional<Long> pid, String what) {
        return pid.orElseThrow(() -> new IllegalStateException("the platform has no " + what + " child to fault"));
    }

    private static void pause(long pid, Duration pause) throws IOException, InterruptedException {
        signal("STOP", pid);
        try {
            Thread.sleep(pause.toMillis());
        } finally {
            signal("CONT", pid);
        }
    }

    /** Sends a signal with {@code kill(1)}: SIGSTOP and SIGCONT have no Java API. */
    static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + pid + " failed with " + kill.exitValue());
        }
        log.info("sent SIG{} to pid {}", name, pid);
        if (name.equals("KILL")) {
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
        }
    }
}
