package dev.kchat.local;

import dev.kchat.process.ChildPidFile;
import dev.kchat.process.OwnerWatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flink moderation job on a local MiniCluster, as a child JVM: flink-moderation keeps Kafka
 * clients 4.2 (its exactly-once sink breaks on the 4.3 clients of the rest of the platform), so it
 * cannot share this JVM's classpath. Its classpath is the module's jar plus the
 * {@code moderation.classpath} file its build writes; it is started with
 * {@code moderation.local=true} and the platform's settings as system properties, is ready when its
 * {@code /health/ready} answers 200, and is stopped with SIGTERM, on which it cancels the job and
 * keeps its last checkpoint (the next start resumes from it).
 */
final class ModerationJobProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModerationJobProcess.class);
    static final String MAIN_CLASS = "dev.kchat.moderation.job.ModerationJobMain";
    private static final String CLASSPATH_RESOURCE = "/dev/kchat/moderation/job/moderation.classpath";
    /** Flink itself, which a cluster provides and the job's own classpath leaves out. */
    private static final String FLINK_CLASSPATH_RESOURCE = "/dev/kchat/moderation/job/flink.classpath";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path logFile;

    private ModerationJobProcess(Process process, Path logFile) {
        this.process = process;
        this.logFile = logFile;
    }

    /**
     * Starts the job with {@code settings} (Kafka, registry, checkpoint folder, admin port, rules...)
     * and waits until it is ready.
     *
     * @param adminPort the job's health port ({@code moderation.admin.port}); must be free
     */
    static ModerationJobProcess start(Path dir, Map<String, String> settings, String host, int adminPort) {
        try {
            Files.createDirectories(dir);
            Path logFile = dir.resolve("job.log");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx384m");
            command.add("-XX:+UseSerialGC");
            command.add("-cp");
            command.add(OwnerWatch.classpathEntry() + java.io.File.pathSeparator + classpath());
            settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("-Dmoderation.local=true");
            command.add("-Dmoderation.restore=true");
            command.add("-Dmoderation.admin.host=" + host);
            command.add("-Dmoderation.admin.port=" + adminPort);
            command.add("-Dmoderation.checkpoint.dir=" + dir.resolve("checkpoints").toUri());
            // Actions are visible once the checkpoint that holds them completes (exactly-once sink):
            // the interval bounds the moderation loop. Locally 1 s unless the operator set one.
            if (!settings.containsKey("moderation.checkpoint.interval")) {
                command.add("-Dmoderation.checkpoint.interval=1s");
            }
            // The job ends with this JVM even on kill -9 (OwnerWatch: its stdin pipe closes), and a job
            // left by a killed owner is gone before the next one takes the folder and the admin port.
            command.addAll(OwnerWatch.mainArguments(MAIN_CLASS));
            ChildPidFile pidFile = new ChildPidFile(dir.resolve("job.pid"), dir.toString());
            pidFile.awaitPreviousGone(Duration.ofSeconds(60));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            pidFile.record(process.pid());
            ModerationJobProcess job = new ModerationJobProcess(process, logFile);
            try {
                job.awaitReady(URI.create("http://" + host + ":" + adminPort + "/health/ready"));
            } catch (RuntimeException e) {
                job.close();
                throw e;
            }
            log.info("moderation job ready (pid {}, log {})", process.pid(), logFile);
            return job;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the moderation job in " + dir, e);
        }
    }

    long pid() {
        return process.pid();
    }

    Path logFile() {
        return logFile;
    }

    private void awaitReady(URI ready) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the moderation job exited with " + process.exitValue() + "; see " + logFile);
            }
            try {
                HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                log.debug("moderation job not answering yet: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the moderation job", e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the moderation job", e);
            }
        }
        throw new IllegalStateException("the moderation job was not ready within " + READY_TIMEOUT + "; see " + logFile);
    }

    /** flink-moderation's jar (or classes folder) and the runtime classpath its build wrote next to its classes. */
    static String classpath() {
        URL resource = ModerationJobProcess.class.getResource(CLASSPATH_RESOURCE);
        if (resource == null) {
            throw new IllegalStateException("resource " + CLASSPATH_RESOURCE
                    + " is missing: build flink-moderation with Maven (maven-dependency-plugin writes it)");
        }
        return moduleLocation(resource) + java.io.File.pathSeparator + read(resource)
                + java.io.File.pathSeparator + read(ModerationJobProcess.class.getResource(FLINK_CLASSPATH_RESOURCE));
    }

    private static String read(URL resource) {
        if (resource == null) {
            throw new IllegalStateException("resource " + FLINK_CLASSPATH_RESOURCE
                    + " is missing: build flink-moderation with Maven (maven-dependency-plugin writes it)");
        }
        try (InputStream in = resource.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** The jar or folder that holds a resource: its URL up to the resource's path. */
    private static String moduleLocation(URL resource) {
        String url = resource.toString();
        try {
            if (url.startsWith("jar:")) {
                return Path.of(new URI(url.substring(4, url.indexOf("!/")))).toString();
            }
            String folder = url.substring(0, url.length() - CLASSPATH_RESOURCE.length() + 1);
            return Path.of(new URI(folder)).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate flink-moderation from " + url, e);
        }
    }

    /** SIGTERM (the job cancels itself, keeping its checkpoint), then a forced stop after 30 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("moderation job did not stop within {}; killing it", STOP_TIMEOUT);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
