package dev.kchat.process;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a child JVM's real main and ends the JVM when its owner dies, however it died.
 *
 * <p>The owner starts the child as {@code java ... -cp <classpathEntry()>:... dev.kchat.process.OwnerWatch
 * <main class> <args>} and keeps the child's stdin pipe open without writing to it. The only writer of
 * that pipe is the owner process, so the kernel closes it when the owner exits for any reason: a normal
 * exit, a crash, or {@code kill -9}, which runs no shutdown hook. A daemon thread here reads stdin; at its
 * end it calls {@link System#exit}, so the child's own shutdown hooks run (Kafka's controlled shutdown,
 * Cassandra's drain: the data is left clean), and halts the JVM if those hooks have not finished within
 * the grace ({@value #GRACE_PROPERTY}, default 30 s).
 *
 * <p>Why a pipe and not a poll of {@code ProcessHandle.of(ownerPid).isAlive()}: the end of the pipe comes
 * at once, costs no timer, and cannot be fooled by a new process that reuses the owner's pid. Why not
 * Linux's {@code PR_SET_PDEATHSIG}: it fires when the owner's <em>thread</em> that forked the child ends,
 * which in a JVM is any pool thread, and it needs native code. The pipe has one caveat, and the owner
 * side keeps to it: the owner must neither close the child's stdin nor redirect it (a {@code
 * ProcessBuilder}'s default pipe is right), and the child's main must not read stdin itself.
 */
public final class OwnerWatch {

    private static final Logger log = LoggerFactory.getLogger(OwnerWatch.class);

    /** System property of the child: how long its shutdown hooks may run after the owner is gone. */
    public static final String GRACE_PROPERTY = "kchat.owner.watch.grace.seconds";
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    /** Exit status when the owner is gone: the child did not fail, it was orphaned. */
    static final int OWNER_GONE_STATUS = 0;
    static final int HALT_STATUS = 137;

    private OwnerWatch() {
    }

    /**
     * Child side: {@code args[0]} is the main class to run, the rest are its arguments.
     *
     * @throws Exception whatever the wrapped main throws, unwrapped
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help")) {
            System.err.println("usage: java -cp <classpath> " + OwnerWatch.class.getName() + " <main class> [args...]\n"
                    + "Runs <main class> and exits when stdin (the owner's pipe) ends; "
                    + "-D" + GRACE_PROPERTY + "=30 bounds the shutdown hooks before a halt.");
            return;
        }
        Duration grace = Duration.ofSeconds(Long.getLong(GRACE_PROPERTY, DEFAULT_GRACE.toSeconds()));
        watch(System.in, grace);
        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Starts the daemon thread that ends this JVM once {@code ownerPipe} ends. */
    static Thread watch(InputStream ownerPipe, Duration grace) {
        Thread watcher = new Thread(() -> {
            drain(ownerPipe);
            log.warn("owner process is gone (its pipe closed): exiting, halting after {} if shutdown hooks hang", grace);
            Thread halt = new Thread(() -> {
                sleepQuietly(grace);
                log.error("shutdown hooks still running {} after the owner died: halting", grace);
                Runtime.getRuntime().halt(HALT_STATUS);
            }, "owner-watch-halt");
            halt.setDaemon(true);
            halt.start();
            System.exit(OWNER_GONE_STATUS);
        }, "owner-watch");
        watcher.setDaemon(true);
        watcher.start();
        return watcher;
    }

    /** Reads until the end of the stream; a read error means the pipe is broken, which is an end too. */
    private static void drain(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // The owner writes nothing; anything that arrives is ignored.
            }
        } catch (IOException e) {
            log.warn("reading the owner's pipe failed ({}): treating the owner as gone", e.toString());
        }
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Owner side: the arguments that go between the JVM options and the real main's arguments, i.e.
     * {@code command.addAll(OwnerWatch.mainArguments(mainClass))}.
     */
    public static List<String> mainArguments(String mainClass) {
        return List.of(OwnerWatch.class.getName(), mainClass);
    }

    /** Owner side: the jar or classes folder holding this class, to put first on the child's classpath. */
    public static String classpathEntry() {
        try {
            return Path.of(OwnerWatch.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the classes of " + OwnerWatch.class.getName(), e);
        }
    }
}
