package dev.kchat.localcql;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How to start a {@link LocalCqlServer}.
 *
 * @param dataDir folder holding the server's configuration, data, commit log and logs; empty means a
 *     temporary folder that is deleted when the server is closed
 * @param javaHome JDK that runs the child JVM; empty means {@link #defaultJavaHome()}
 * @param initialHeap {@code -Xms} of the child, e.g. {@code 512m}
 * @param maxHeap {@code -Xmx} of the child, e.g. {@code 1g}
 * @param startTimeout how long to wait for CQL to answer before giving up
 * @param stopTimeout how long a clean stop may take before the child is killed
 */
public record LocalCqlConfig(
        Optional<Path> dataDir,
        Optional<Path> javaHome,
        String initialHeap,
        String maxHeap,
        Duration startTimeout,
        Duration stopTimeout) {

    /** JVM system property naming the JDK of the child JVM (environment: {@value #JAVA_HOME_ENV}). */
    public static final String JAVA_HOME_PROPERTY = "local.cql.java.home";
    /** Environment variable naming the JDK of the child JVM, same convention as the service settings. */
    public static final String JAVA_HOME_ENV = "KCHAT_LOCAL_CQL_JAVA_HOME";
    /** Where Debian-like systems install JDK 17, used when this JVM is too new for Cassandra. */
    public static final Path FALLBACK_JDK17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
    /**
     * Cassandra 5.0 installs a Security Manager at start; JDK 24 removed it, so the child must run on an
     * older JDK.
     */
    public static final int FIRST_UNSUPPORTED_JAVA = 24;

    public static final String DEFAULT_INITIAL_HEAP = "512m";
    public static final String DEFAULT_MAX_HEAP = "1g";
    /** Cold start takes ~16 s on an idle 2-core machine; leave room for a busy one. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(180);
    /** A clean stop (drain, flush) takes ~7 s. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);

    public LocalCqlConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(javaHome, "javaHome");
        Objects.requireNonNull(initialHeap, "initialHeap");
        Objects.requireNonNull(maxHeap, "maxHeap");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
    }

    /** Temporary data folder, JDK from {@link #defaultJavaHome()}, 512 MB to 1 GB of heap. */
    public static LocalCqlConfig defaults() {
        return new LocalCqlConfig(Optional.empty(), Optional.empty(), DEFAULT_INITIAL_HEAP, DEFAULT_MAX_HEAP,
                DEFAULT_START_TIMEOUT, DEFAULT_STOP_TIMEOUT);
    }

    /** A copy that keeps its data in this folder across restarts. */
    public LocalCqlConfig withDataDir(Path dir) {
        return new LocalCqlConfig(Optional.of(dir), javaHome, initialHeap, maxHeap, startTimeout, stopTimeout);
    }

    /** A copy whose child JVM runs on this JDK. */
    public LocalCqlConfig withJavaHome(Path jdk) {
        return new LocalCqlConfig(dataDir, Optional.of(jdk), initialHeap, maxHeap, startTimeout, stopTimeout);
    }

    /** A copy with this heap ({@code -Xms}, {@code -Xmx}). */
    public LocalCqlConfig withHeap(String initial, String max) {
        return new LocalCqlConfig(dataDir, javaHome, initial, max, startTimeout, stopTimeout);
    }

    /** A copy that waits this long for CQL to answer. */
    public LocalCqlConfig withStartTimeout(Duration timeout) {
        return new LocalCqlConfig(dataDir, javaHome, initialHeap, maxHeap, timeout, stopTimeout);
    }

    /**
     * The JDK the child runs on when none is configured: the one named by {@value #JAVA_HOME_PROPERTY}
     * or {@value #JAVA_HOME_ENV}; else this JVM's own if older than {@value #FIRST_UNSUPPORTED_JAVA};
     * else {@link #FALLBACK_JDK17}.
     */
    public static Path defaultJavaHome() {
        String configured = Optional.ofNullable(System.getProperty(JAVA_HOME_PROPERTY))
                .orElse(System.getenv(JAVA_HOME_ENV));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim());
        }
        if (Runtime.version().feature() < FIRST_UNSUPPORTED_JAVA) {
            return Path.of(System.getProperty("java.home"));
        }
        return FALLBACK_JDK17;
    }

    /** The {@code java} launcher of the JDK the child runs on; fails if it does not exist. */
    Path javaExecutable() {
        Path home = javaHome.orElseGet(LocalCqlConfig::defaultJavaHome);
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        Path java = home.resolve("bin").resolve(windows ? "java.exe" : "java");
        if (!Files.isExecutable(java)) {
            throw new IllegalStateException("no java launcher at " + java + ": Cassandra needs a JDK 17 to 23; set "
                    + JAVA_HOME_ENV + " or -D" + JAVA_HOME_PROPERTY + " to one");
        }
        return java;
    }
}
