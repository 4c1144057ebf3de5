package dev.kchat.moderation.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;

/** The Flink configuration of the job's checkpoints, and finding the newest one to resume from. */
public final class Checkpoints {

    private Checkpoints() {
    }

    /**
     * The job's Flink configuration: exactly-once checkpoints every {@link JobSettings#checkpointInterval},
     * retained when the job is cancelled (so a restart resumes), stored under
     * {@link JobSettings#checkpointDir} when set, restored from {@code restoreFrom} when given.
     */
    public static Configuration configuration(JobSettings settings, Optional<Path> restoreFrom) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, settings.checkpointInterval());
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (settings.checkpointDir() != null) {
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, uri(settings.checkpointDir()).toString());
        }
        if (settings.parallelism() > 0) {
            conf.set(CoreOptions.DEFAULT_PARALLELISM, settings.parallelism());
        }
        restoreFrom.ifPresent(path -> conf.set(StateRecoveryOptions.SAVEPOINT_PATH, path.toUri().toString()));
        return conf;
    }

    /**
     * The newest completed checkpoint under a checkpoint directory: the {@code chk-N} directory
     * (of any job id below it) whose {@code _metadata} was written last.
     */
    public static Optional<Path> latest(String checkpointDir) {
        Path root = Path.of(uri(checkpointDir));
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.find(root, 3, (p, attrs) -> p.getFileName().toString().equals("_metadata")
                && p.getParent().getFileName().toString().startsWith("chk-"))) {
            return files.max(Comparator.comparing(Checkpoints::modified)).map(Path::getParent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints under " + root, e);
        }
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A checkpoint directory as a URI: a URI as given, a plain path as a file URI. */
    static URI uri(String dir) {
        return dir.contains(":/") ? URI.create(dir) : Path.of(dir).toAbsolutePath().toUri();
    }
}
