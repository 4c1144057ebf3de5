package dev.kchat.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * For tests of child JVMs (shared through this module's test jar): a JVM running a main from the test's
 * own classpath, standing for the owner of a broker or CQL server, that the test can {@code kill -9}.
 * The owner prints {@code @owner <key> <value>} lines; its whole output goes to a file.
 */
public final class OwnerJvm implements AutoCloseable {

    public static final String PREFIX = "@owner ";

    private final Process process;
    private final Path output;

    private OwnerJvm(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Starts {@code mainClass} with {@code args} and a 256 MB heap; its output goes to {@code output}. */
    public static OwnerJvm start(Class<?> mainClass, Path output, String... args) {
        return start(mainClass, List.of("-Xmx256m"), output, args);
    }

    /** Starts {@code mainClass} with these JVM options (heap, {@code -D} settings) and {@code args}. */
    public static OwnerJvm start(Class<?> mainClass, List<String> jvmOptions, Path output, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        try {
            return new OwnerJvm(new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + mainClass.getName(), e);
        }
    }

    /** Owner side: announces {@code key value} to the test. */
    public static void announce(String key, Object value) {
        System.out.println(PREFIX + key + " " + value);
        System.out.flush();
    }

    /**
     * Waits for the owner to announce {@code key} and returns its value.
     *
     * @throws IllegalStateException if the owner exits or stays silent for {@code within}; the message has
     *     the end of its output
     */
    public String await(String key, Duration within) throws InterruptedException {
        return awaitLine(PREFIX + key + " ", within);
    }

    /**
     * Waits for a line of the owner's output that starts with {@code start} and returns the rest of it
     * (the last such line).
     *
     * @throws IllegalStateException if the owner exits or prints no such line within {@code within}
     */
    public String awaitLine(String start, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        do {
            Optional<String> value = lineStarting(start);
            if (value.isPresent()) {
                return value.get();
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("owner exited with " + process.exitValue() + " before printing '" + start
                        + "':\n" + tail());
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("owner did not print '" + start + "' within " + within + ":\n" + tail());
    }

    private Optional<String> lineStarting(String start) {
        return lines().stream().map(String::strip).filter(l -> l.startsWith(start.strip()))
                .map(l -> l.substring(start.strip().length()).trim()).reduce((a, b) -> b);
    }

    private List<String> lines() {
        try {
            return Files.exists(output) ? Files.readAllLines(output, StandardCharsets.ISO_8859_1) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String tail() {
        List<String> all = lines();
        return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
    }

    /** Whether a server socket can bind this port on 127.0.0.1 now: nobody holds it. */
    public static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public long pid() {
        return process.pid();
    }

    /** {@code kill -9} (on Linux {@link Process#destroyForcibly()} is SIGKILL); returns once it is dead. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("owner pid " + process.pid() + " survived SIGKILL for 30 s");
        }
    }

    /** Stops the owner the ordinary way (SIGTERM: its shutdown hooks run) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
