package dev.kchat.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pid of the child JVM that uses a data folder, kept in a file in that folder, so that the next
 * owner of the folder can make sure the previous child is gone before it starts its own.
 *
 * <p>When an owner dies by {@code kill -9}, its child notices at once ({@link OwnerWatch}) but takes a
 * while to exit: Kafka's controlled shutdown, Cassandra's drain (up to the watch's grace). An owner
 * started again in that window would find the ports bound and the data locked (Kafka's {@code .lock}
 * is an OS lock, held until the process is gone; the file itself staying behind is harmless). So before
 * starting, the owner waits for the recorded child to exit, and ends it if it outlives the wait (an
 * orphan from before {@link OwnerWatch}, say). A pid is only trusted while that process's command line
 * still names the data folder, so a pid reused by an unrelated process is never touched.
 */
public final class ChildPidFile {

    private static final Logger log = LoggerFactory.getLogger(ChildPidFile.class);

    private final Path file;
    private final String marker;

    /**
     * @param file   where the pid is kept (inside the data folder)
     * @param marker text the child's command line contains (the data folder's path)
     */
    public ChildPidFile(Path file, String marker) {
        this.file = file;
        this.marker = marker;
    }

    /** Records the child now using the folder. */
    public void record(long pid) {
        try {
            Files.writeString(file, Long.toString(pid), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Waits up to {@code wait} for the recorded child, if it still runs, to exit; then terminates it
     * (SIGTERM, then SIGKILL after {@code wait} more). Returns the pid it waited for, if any.
     */
    public Optional<Long> awaitPreviousGone(Duration wait) {
        Optional<ProcessHandle> previous = recorded().filter(ProcessHandle::isAlive).filter(this::usesFolder);
        if (previous.isEmpty()) {
            return Optional.empty();
        }
        ProcessHandle child = previous.get();
        log.warn("previous child pid {} still uses {}: waiting up to {} for it to exit", child.pid(), marker, wait);
        if (!exited(child, wait)) {
            log.warn("previous child pid {} still running after {}: terminating it", child.pid(), wait);
            child.destroy();
            if (!exited(child, wait)) {
                child.destroyForcibly();
                exited(child, wait);
            }
        }
        return Optional.of(child.pid());
    }

    private Optional<ProcessHandle> recorded() {
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            return ProcessHandle.of(Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim()));
        } catch (IOException | NumberFormatException e) {
            log.warn("ignoring unreadable pid file {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    private boolean usesFolder(ProcessHandle process) {
        return commandLine(process.pid()).contains(marker);
    }

    /** The full command line; {@code ProcessHandle.Info} truncates long ones, /proc does not. */
    static String commandLine(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid), "cmdline");
        try {
            if (Files.isReadable(proc)) {
                return new String(Files.readAllBytes(proc), StandardCharsets.UTF_8).replace('\0', ' ');
            }
        } catch (IOException e) {
            log.debug("cannot read {}: {}", proc, e.toString());
        }
        return ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("");
    }

    private static boolean exited(ProcessHandle process, Duration within) {
        CompletableFuture<ProcessHandle> exit = process.onExit();
        try {
            exit.get(within.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
