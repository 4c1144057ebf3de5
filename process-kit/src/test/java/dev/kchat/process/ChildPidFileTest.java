package dev.kchat.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildPidFileTest {

    @TempDir
    Path dir;

    private Process unrelated;
    private Process previous;

    @AfterEach
    void stopLeftovers() {
        for (Process p : new Process[] {unrelated, previous}) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void shouldEndAPreviousChildThatStillUsesTheFolder() throws Exception {
        // Given a recorded child whose command line names the folder, and that will not exit by itself
        previous = new ProcessBuilder("sh", "-c", "sleep 600 # " + dir).start();
        ChildPidFile pids = new ChildPidFile(dir.resolve("child.pid"), dir.toString());
        pids.record(previous.pid());

        // When the next owner makes sure it is gone
        var waitedFor = pids.awaitPreviousGone(Duration.ofMillis(500));

        // Then it was terminated
        assertThat(waitedFor).contains(previous.pid());
        assertThat(previous.isAlive()).isFalse();
    }

    @Test
    void shouldLeaveAloneAProcessThatReusedThePid() throws Exception {
        // Given a recorded pid now held by a process that has nothing to do with the folder
        unrelated = new ProcessBuilder("sleep", "600").start();
        ChildPidFile pids = new ChildPidFile(dir.resolve("child.pid"), dir.toString());
        pids.record(unrelated.pid());

        // When the next owner checks
        var waitedFor = pids.awaitPreviousGone(Duration.ofMillis(500));

        // Then nothing was waited for or touched
        assertThat(waitedFor).isEmpty();
        assertThat(unrelated.isAlive()).isTrue();
    }

    @Test
    void shouldStartFreshWithoutAPidFile() {
        assertThat(new ChildPidFile(dir.resolve("child.pid"), dir.toString()).awaitPreviousGone(Duration.ofSeconds(1))).isEmpty();
    }
}
