package dev.kchat.moderation.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.changelog.fs.FsStateChangelogOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.RecoveryClaimMode;

/** The Flink configuration of the job's checkpoints, and finding the newest one to resume from. */
public final class Checkpoints {

    /** The changelog's files (the DSTL), beside the {@code <job id>/chk-N} folders of the checkpoint directory. */
    public static final String CHANGELOG_FOLDER = "changelog";
    /** Flink's changelog storage that writes to a file system (the other, {@code memory}, is for tests). */
    static final String FILESYSTEM_CHANGELOG_STORAGE = "filesystem";

    private Checkpoints() {
    }

    /**
     * The job's Flink configuration: exactly-once checkpoints every {@link JobSettings#checkpointInterval},
     * retained when the job is cancelled (so a restart resumes), stored under
     * {@link JobSettings#checkpointDir} when set, restored from {@code restoreFrom} when given.
     *
     * <p>With {@link JobSettings#changelog} the heap backend is wrapped in Flink's changelog state
     * backend: every state change is also appended to the filesystem DSTL under
     * {@code <checkpointDir>/changelog} (on a cluster without {@code checkpointDir}: the cluster's
     * {@code state.changelog.dstl.dfs.base-path}), a checkpoint uploads only the changes since the
     * last one, and the full heap snapshot runs every {@link JobSettings#materializationInterval}.
     *
     * <p>A restore claims the checkpoint ({@link RecoveryClaimMode#CLAIM}): the new job owns it and
     * builds on its files. Flink's default, NO_CLAIM, forces a full first checkpoint, which the
     * changelog backend refuses ("does not support enforcing a full snapshot"), and also when the
     * changelog was on before and is off now. The claimed checkpoint is deleted once the new job's
     * own checkpoints subsume it, so the local mode no longer piles up one retained checkpoint per
     * restart.
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
        conf.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, settings.changelog());
        if (settings.changelog()) {
            conf.set(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE, FILESYSTEM_CHANGELOG_STORAGE);
            conf.set(StateChangelogOptions.PERIODIC_MATERIALIZATION_INTERVAL, settings.materializationInterval());
            if (settings.checkpointDir() != null) {
                conf.set(FsStateChangelogOptions.BASE_PATH, changelogDir(settings.checkpointDir()).toString());
            }
        }
        if (settings.parallelism() > 0) {
            conf.set(CoreOptions.DEFAULT_PARALLELISM, settings.parallelism());
        }
        restoreFrom.ifPresent(path -> {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, path.toUri().toString());
            conf.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
        });
        return conf;
    }

    /** Where the changelog's files go under a checkpoint directory. */
    public static URI changelogDir(String checkpointDir) {
        URI root = uri(checkpointDir);
        String path = root.toString();
        return URI.create((path.endsWith("/") ? path : path + "/") + CHANGELOG_FOLDER);
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
