package dev.kchat.local;

import dev.kchat.process.OwnerWatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flink moderation job on a local MiniCluster, as a child JVM: flink-moderation keeps Kafka
 * clients 4.2 (its exactly-once sink breaks on the 4.3 clients of the rest of the platform), so it
 * cannot share this JVM's classpath. Its classpath is the module's jar plus the
 * {@code moderation.classpath} file its build writes; it is started with
 * {@code moderation.local=true} and the platform's settings as system properties, and runs as an
 * {@link AppProcess} named {@code job}: ready when its {@code /health/ready} answers 200, stopped with
 * SIGTERM, on which it cancels the job and keeps its last checkpoint (the next start resumes from it).
 */
final class ModerationJobProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModerationJobProcess.class);
    static final String MAIN_CLASS = "dev.kchat.moderation.job.ModerationJobMain";
    private static final String CLASSPATH_RESOURCE = "/dev/kchat/moderation/job/moderation.classpath";
    /** Flink itself, which a cluster provides and the job's own classpath leaves out. */
    private static final String FLINK_CLASSPATH_RESOURCE = "/dev/kchat/moderation/job/flink.classpath";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final AppProcess process;

    private ModerationJobProcess(AppProcess process) {
        this.process = process;
    }

    /**
     * Starts the job with {@code settings} (Kafka, registry, checkpoint folder, admin port, rules...)
     * and waits until it is ready.
     *
     * @param adminPort the job's health port ({@code moderation.admin.port}); must be free
     */
    static ModerationJobProcess start(Path dir, Map<String, String> settings, String host, int adminPort) {
        List<String> jvm = new ArrayList<>();
        jvm.add("-Xmx384m");
        jvm.add("-XX:+UseSerialGC");
        jvm.add("-cp");
        jvm.add(OwnerWatch.classpathEntry() + java.io.File.pathSeparator + classpath());
        settings.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
        jvm.add("-Dmoderation.local=true");
        jvm.add("-Dmoderation.restore=true");
        jvm.add("-Dmoderation.admin.host=" + host);
        jvm.add("-Dmoderation.admin.port=" + adminPort);
        jvm.add("-Dmoderation.checkpoint.dir=" + dir.resolve("checkpoints").toUri());
        // Actions are visible once the checkpoint that holds them completes (exactly-once sink):
        // the interval bounds the moderation loop. Locally 1 s unless the operator set one.
        if (!settings.containsKey("moderation.checkpoint.interval")) {
            jvm.add("-Dmoderation.checkpoint.interval=1s");
        }
        // The checkpoint folder (on the command line) tells this job from any other process.
        AppProcess process = AppProcess.launch("job", dir, jvm, MAIN_CLASS, dir.resolve("checkpoints").toUri().toString(),
                URI.create("http://" + host + ":" + adminPort + "/health/ready"), STOP_TIMEOUT);
        try {
            process.awaitReady();
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
        log.info("moderation job ready (pid {}, log {})", process.pid(), process.logFile());
        return new ModerationJobProcess(process);
    }

    long pid() {
        return process.pid();
    }

    Path logFile() {
        return process.logFile();
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
        process.close();
    }
}
