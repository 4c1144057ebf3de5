package dev.kchat.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time and resident memory of processes and their threads, from {@code /proc} (Linux). CPU is
 * read twice, around a measured window, so each component's share is known: the platform JVM's
 * threads are grouped by name (routing and fanout stream threads, Undertow I/O, GC, JIT, ...).
 */
public final class ProcStats {

    /** Clock ticks per second of {@code /proc/<pid>/stat}; 100 on every Linux this runs on. */
    static final double TICKS_PER_SECOND = 100.0;

    private ProcStats() {
    }

    /** VmRSS of a process, in bytes; -1 if it is gone. */
    public static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return -1;
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the status of process " + pid, e);
        }
    }

    /** A process's command line, arguments separated by spaces; empty if it is gone. */
    public static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline")).replace('\0', ' ');
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the command line of process " + pid, e);
        }
    }

    /** CPU seconds (user + system) a process has used; -1 if it is gone. */
    public static double cpuSeconds(long pid) {
        String stat = read(Path.of("/proc", String.valueOf(pid), "stat"));
        return stat == null ? -1 : ticks(stat) / TICKS_PER_SECOND;
    }

    /** CPU seconds per thread group of a process (see {@link #group}). */
    public static Map<String, Double> threadCpuSeconds(long pid) {
        Map<String, Double> out = new HashMap<>();
        Path tasks = Path.of("/proc", String.valueOf(pid), "task");
        List<Path> list;
        try (Stream<Path> s = Files.list(tasks)) {
            list = s.toList();
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the threads of process " + pid, e);
        }
        for (Path task : list) {
            String stat = read(task.resolve("stat"));
            if (stat == null) {
                continue; // the thread ended between the listing and the read
            }
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            String name = stat.substring(open + 1, close);
            out.merge(group(name), ticks(stat) / TICKS_PER_SECOND, Double::sum);
        }
        return out;
    }

    /**
     * A thread's group: Linux keeps 15 characters of a Java thread's name, so Kafka Streams threads
     * ({@code kchat-routing-<uuid>-StreamThread-1}) are known by their application id, and numbered
     * pools (GC, compiler, XNIO) are merged.
     */
    static String group(String comm) {
        for (String app : List.of("kchat-routing", "kchat-fanout", "kchat-presence", "store-sink")) {
            if (comm.startsWith(app)) {
                return app;
            }
        }
        if (comm.startsWith("XNIO")) {
            return comm.contains("I/O") ? "undertow-io" : "undertow-worker";
        }
        if (comm.startsWith("kafka-producer")) {
            return "kafka-producer-network";
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
            return "gc";
        }
        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
            return "jit";
        }
        return comm.replaceAll("[-#_ ]*[0-9]+$", "");
    }

    private static long ticks(String stat) {
        // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            // A thread can vanish while its stat is read (ESRCH): treat it as gone.
            if (String.valueOf(e.getMessage()).contains("No such process")) {
                return null;
            }
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }
}
