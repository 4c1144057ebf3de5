package dev.kchat.moderation.job;

import dev.kchat.moderation.ModerationConfig;
import dev.kchat.service.AdminServer;
import dev.kchat.service.Health;
import dev.kchat.service.Metrics;
import dev.kchat.service.Settings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the moderation job.
 *
 * <ul>
 *   <li>On a cluster: {@code flink run -c dev.kchat.moderation.job.ModerationJobMain
 *       flink-moderation-job.jar --kafka.bootstrap.servers=... --schema.registry.url=...}: submits the
 *       job and returns.</li>
 *   <li>Locally, with {@code moderation.local=true}: runs the job on a MiniCluster in this JVM
 *       (resuming from the newest retained checkpoint), serves {@code /health/live},
 *       {@code /health/ready} and {@code /metrics} on {@code moderation.admin.port}, and on SIGTERM
 *       cancels the job (its last checkpoint is kept) and exits.</li>
 * </ul>
 * {@code --help} lists every setting with its default.
 */
public final class ModerationJobMain {

    private static final Logger log = LoggerFactory.getLogger(ModerationJobMain.class);

    private ModerationJobMain() {
    }

    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(help());
                return;
            }
        }
        JobSettings settings;
        ModerationConfig config;
        try {
            Settings all = Settings.fromEnvironment().with(arguments(args));
            settings = JobSettings.from(all);
            config = ModerationConfig.from(all);
        } catch (Settings.ConfigException e) {
            log.error("{} (--help lists the settings)", e.getMessage());
            System.exit(2);
            return;
        }
        ModerationJob job = KafkaConnectors.job(settings, config);
        if (settings.local()) {
            runLocally(job, settings);
        } else {
            job.execute(StreamExecutionEnvironment.getExecutionEnvironment(Checkpoints.configuration(settings, Optional.empty())));
        }
    }

    /** The usage and every setting with its default. */
    public static String help() {
        return "Usage: ModerationJobMain [--key=value ...]\n"
                + "  The kchat moderation job (Flink). Submits to a cluster under `flink run`; with moderation.local=true\n"
                + "  runs on a local MiniCluster in this JVM.\n\n"
                + JobSettings.help() + "\n" + ModerationConfig.help();
    }

    /**
     * Runs the job on a MiniCluster in this JVM until it ends or the JVM is told to stop (SIGTERM,
     * Ctrl-C), which cancels it; checkpoints are retained, and the next start resumes from the
     * newest one when {@link JobSettings#restore} is set.
     */
    static void runLocally(ModerationJob job, JobSettings settings) throws Exception {
        Optional<Path> restore = settings.restore() ? Checkpoints.latest(settings.checkpointDir()) : Optional.empty();
        restore.ifPresentOrElse(p -> log.info("resuming from checkpoint {}", p), () -> log.info("starting without state"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                Math.max(1, settings.parallelism()), Checkpoints.configuration(settings, restore));
        JobClient client = job.executeAsync(env);
        log.info("moderation job {} running locally (parallelism {}, checkpoints in {})",
                client.getJobID(), Math.max(1, settings.parallelism()), settings.checkpointDir());
        AdminServer admin = settings.adminPort() < 0 ? null : AdminServer.start(settings.adminHost(), settings.adminPort(),
                metrics(), Map.of("job", () -> jobHealth(client)));
        Thread stop = new Thread(() -> {
            log.info("stopping: cancelling moderation job {}", client.getJobID());
            try {
                client.cancel().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("cancelling job {} failed", client.getJobID(), e);
            }
            if (admin != null) {
                admin.close();
            }
        }, "moderation-shutdown");
        Runtime.getRuntime().addShutdownHook(stop);
        try {
            client.getJobExecutionResult().get();
            log.info("moderation job {} finished", client.getJobID());
        } catch (ExecutionException e) {
            JobStatus status = client.getJobStatus().exceptionally(t -> null).get();
            if (status == JobStatus.CANCELED) {
                log.info("moderation job {} cancelled", client.getJobID());
            } else {
                throw e;
            }
        }
    }

    private static PrometheusMeterRegistry metrics() {
        return Metrics.newRegistry("flink-moderation");
    }

    private static Health jobHealth(JobClient client) {
        try {
            JobStatus status = client.getJobStatus().get(2, TimeUnit.SECONDS);
            return status == JobStatus.RUNNING ? Health.up("job " + client.getJobID() + " RUNNING") : Health.down("job " + status);
        } catch (Exception e) {
            return Health.down("job status unknown: " + e);
        }
    }

    /** {@code --key=value} and {@code --key value} program arguments as settings. */
    static Map<String, String> arguments(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new Settings.ConfigException(arg, "is not an argument: expected --key=value");
            }
            int eq = arg.indexOf('=');
            if (eq > 0) {
                out.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else if (i + 1 < args.length) {
                out.put(arg.substring(2), args[++i]);
            } else {
                throw new Settings.ConfigException(arg.substring(2), "has no value");
            }
        }
        return out;
    }
}
