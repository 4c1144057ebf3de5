package dev.kchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JVM the harness starts from its own classpath (the platform, an extra edge, a load-client worker)
 * and talks to over stdin/stdout: the child prints {@code @bench {json}} lines (the first says
 * {@code "event":"ready"}), answers one-line commands with one such line each, and stops when told
 * {@code stop} or when its stdin closes. Everything else the child prints goes to its log file.
 * Closing stops the child and whatever JVMs it started in turn.
 */
final class ChildJvm implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChildJvm.class);
    static final String PREFIX = "@bench ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Process process;
    private final Writer commands;
    private final BlockingQueue<JsonNode> replies;
    private final JsonNode ready;
    private final Path logFile;

    private ChildJvm(String name, Process process, Writer commands, BlockingQueue<JsonNode> replies, JsonNode ready, Path logFile) {
        this.name = name;
        this.process = process;
        this.commands = commands;
        this.replies = replies;
        this.ready = ready;
        this.logFile = logFile;
    }

    /**
     * Starts {@code mainClass} with this JVM's classpath and waits for its ready line.
     *
     * @param name        for logs and errors, e.g. {@code edge-2}
     * @param jvmOptions  options before the main class, e.g. {@code -Xmx1g}
     * @param properties  passed as {@code -Dkey=value}
     * @param logFile     where the child's other output goes (appended)
     * @param readyWithin how long it may take to print its ready line
     * @throws IllegalStateException if it exits or stays silent; it is then stopped
     */
    static ChildJvm start(String name, Class<?> mainClass, List<String> jvmOptions, Map<String, String> properties,
            Path logFile, Duration readyWithin) throws IOException, InterruptedException {
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        log.info("starting {} (log: {})", name, logFile);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        // If this JVM is stopped (Ctrl-C) at any point, the child and its own children go too.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopTree(p), name + "-stop-on-exit"));
        BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> pump(p, logFile, replies), name + "-stdout");
        reader.setDaemon(true);
        reader.start();
        JsonNode first = replies.poll(readyWithin.toSeconds(), TimeUnit.SECONDS);
        if (first == null || !first.path("event").asText().equals("ready")) {
            stopTree(p);
            throw new IllegalStateException(name + " did not start within " + readyWithin
                    + " (exit " + (p.isAlive() ? "none" : p.exitValue()) + "); see " + logFile);
        }
        Writer w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        return new ChildJvm(name, p, w, replies, first, logFile);
    }

    private static void pump(Process p, Path logFile, BlockingQueue<JsonNode> replies) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith(PREFIX)) {
                    replies.add(JSON.readTree(line.substring(PREFIX.length())));
                } else {
                    out.write(line);
                    out.write('\n');
                    out.flush();
                }
            }
        } catch (IOException e) {
            log.error("lost a child JVM's output ({})", logFile, e);
        }
    }

    /** The child's ready line. */
    JsonNode ready() {
        return ready;
    }

    long pid() {
        return process.pid();
    }

    /** Descendant processes (a platform's broker and CQL server). */
    List<ProcessHandle> descendants() {
        return process.descendants().toList();
    }

    /**
     * Sends one command line and waits for its reply.
     *
     * @throws IllegalStateException if no reply comes within {@code within}, or the reply is an error
     */
    synchronized JsonNode command(String line, Duration within) throws IOException, InterruptedException {
        commands.write(line);
        commands.write('\n');
        commands.flush();
        JsonNode reply = replies.poll(within.toMillis(), TimeUnit.MILLISECONDS);
        if (reply == null) {
            throw new IllegalStateException(name + " did not answer '" + line + "' within " + within + "; see " + logFile);
        }
        if (reply.path("event").asText().equals("error")) {
            throw new IllegalStateException(name + " refused '" + line + "': " + reply.path("message").asText());
        }
        return reply;
    }

    /** Terminates the process's children first (its broker and CQL server), then the process. */
    private static void stopTree(Process p) {
        if (!p.isAlive()) {
            return;
        }
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroy);
    }

    /** Asks the child to stop, waits up to {@code grace}, then terminates it and any child it left. */
    void stop(Duration grace) {
        List<ProcessHandle> children = process.descendants().toList();
        try {
            commands.write("stop\n");
            commands.flush();
            commands.close();
        } catch (IOException e) {
            log.warn("could not ask {} to stop ({}); terminating it", name, e.toString());
            process.destroy();
        }
        try {
            if (!process.waitFor(grace.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("{} did not stop within {}; terminating it", name, grace);
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                log.warn("{} child {} outlived it; terminating it", name, child.pid());
                child.destroy();
            }
        }
        log.info("{} stopped", name);
    }

    /** SIGKILL: no shutdown hook runs in the child; returns once it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " pid " + process.pid() + " survived SIGKILL for 60 s");
        }
        log.info("{} killed (SIGKILL)", name);
    }

    @Override
    public void close() {
        stop(Duration.ofMinutes(2));
    }

    // The child's side of the protocol.

    /** Prints a reply line (child side). */
    static void reply(ObjectNode o) {
        System.out.println(PREFIX + o);
        System.out.flush();
    }

    /** A child's command handler: returns the reply, or throws to reply with an error. */
    @FunctionalInterface
    interface Commands {
        ObjectNode answer(String command) throws Exception;
    }

    /**
     * Child side: prints the ready line, then answers commands from stdin until {@code stop} or the
     * end of stdin.
     */
    static void serve(ObjectNode ready, Commands commands) throws IOException {
        reply(ready.put("event", "ready").put("pid", ProcessHandle.current().pid()));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !line.equals("stop"); line = in.readLine()) {
            try {
                reply(commands.answer(line.trim()));
            } catch (Exception e) {
                log.warn("command '{}' failed", line, e);
                reply(JSON.createObjectNode().put("event", "error").put("message", line + ": " + e));
            }
        }
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }
}
