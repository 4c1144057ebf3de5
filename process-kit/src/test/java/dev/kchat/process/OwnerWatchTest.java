package dev.kchat.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnerWatchTest {

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    private Process child(Path marker, long hookMillis, long graceSeconds) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + OwnerWatch.GRACE_PROPERTY + "=" + graceSeconds, "-cp", System.getProperty("java.class.path")));
        command.addAll(OwnerWatch.mainArguments(SleepingChild.class.getName()));
        command.addAll(List.of(marker.toString(), Long.toString(hookMillis)));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        started.add(p);
        return p;
    }

    @Test
    void shouldExitThroughItsShutdownHooksWhenTheOwnersPipeCloses() throws Exception {
        // Given a child running under the watch, alive while its owner's pipe is open
        Path marker = dir.resolve("hook");
        Process child = child(marker, 0, 30);
        assertThat(child.waitFor(2, TimeUnit.SECONDS)).isFalse();

        // When the pipe closes, as it does when the owner dies (the kernel closes its end)
        int status = closePipeAndAwaitExit(child);

        // Then the child exits normally and its shutdown hook ran
        assertThat(status).isEqualTo(OwnerWatch.OWNER_GONE_STATUS);
        assertThat(Files.readString(marker)).isEqualTo("hook ran");
    }

    @Test
    void shouldHaltWhenTheShutdownHooksOutlastTheGrace() throws Exception {
        // Given a child whose shutdown hook would take ten minutes, with a grace of one second
        Path marker = dir.resolve("hook");
        Process child = child(marker, 600_000, 1);
        assertThat(child.waitFor(2, TimeUnit.SECONDS)).isFalse();

        // When its owner's pipe closes
        int status = closePipeAndAwaitExit(child);

        // Then it is halted, long before the hook would have finished
        assertThat(status).isEqualTo(OwnerWatch.HALT_STATUS);
        assertThat(marker).doesNotExist();
    }

    private static int closePipeAndAwaitExit(Process child) throws Exception {
        child.getOutputStream().close();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child exited").isTrue();
        return child.exitValue();
    }

    @Test
    void shouldNameItsOwnClassesForTheChildClasspath() {
        assertThat(Path.of(OwnerWatch.classpathEntry())).exists();
        assertThat(OwnerWatch.mainArguments("x.Main")).containsExactly(OwnerWatch.class.getName(), "x.Main");
    }
}
