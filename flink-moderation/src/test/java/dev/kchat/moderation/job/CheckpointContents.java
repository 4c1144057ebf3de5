package dev.kchat.moderation.job;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.changelog.ChangelogStateBackendHandle;

/** What a completed checkpoint holds, read from its {@code _metadata} as Flink reads it on a restore. */
final class CheckpointContents {

    private CheckpointContents() {
    }

    /** The keyed state handles of every subtask of every operator of the checkpoint in {@code chk}. */
    static List<KeyedStateHandle> keyedState(Path chk) {
        try (InputStream in = Files.newInputStream(chk.resolve("_metadata"))) {
            CheckpointMetadata metadata = org.apache.flink.runtime.checkpoint.Checkpoints.loadCheckpointMetadata(
                    new DataInputStream(in), CheckpointContents.class.getClassLoader(), chk.toUri().toString());
            return metadata.getOperatorStates().stream()
                    .map(OperatorState::getStates).flatMap(java.util.Collection::stream)
                    .map(OperatorSubtaskState::getManagedKeyedState).flatMap(java.util.Collection::stream)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the metadata of " + chk, e);
        }
    }

    /** Whether the keyed state went through the changelog: every handle a changelog handle (and some exist). */
    static boolean changelogOnly(Path chk) {
        List<KeyedStateHandle> handles = keyedState(chk);
        return !handles.isEmpty() && handles.stream().allMatch(ChangelogStateBackendHandle.class::isInstance);
    }

    /** Whether no keyed state handle of the checkpoint is a changelog handle (and some exist). */
    static boolean withoutChangelog(Path chk) {
        List<KeyedStateHandle> handles = keyedState(chk);
        return !handles.isEmpty() && handles.stream().noneMatch(ChangelogStateBackendHandle.class::isInstance);
    }

    /** The regular files below a folder (none if it does not exist). */
    static List<Path> files(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(folder)) {
            return all.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    /** The bytes of the regular files below a folder. */
    static long bytes(Path folder) {
        return files(folder).stream().mapToLong(p -> {
            try {
                return Files.size(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).sum();
    }
}
