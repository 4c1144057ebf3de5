package dev.kchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line without a platform: usage, exit codes of what can be decided before any request. */
class KChatCommandLineTest {

    @TempDir
    Path home;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return KChat.run(new PrintWriter(out), new PrintWriter(err), args);
    }

    @Test
    void shouldListItsCommandsAndExitCodesInHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("send", "tail", "chat", "conversations", "history", "login", "124");
    }

    @Test
    void shouldExitWithUsageOnAMissingArgument() {
        assertThat(run("send", "--home", home.toString(), "dm:alice:bob")).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString()).contains("TEXT");
    }

    @Test
    void shouldExitUnauthorizedWithoutAToken() {
        assertThat(run("conversations", "--home", home.toString(), "--token", "")).isEqualTo(ExitCode.UNAUTHORIZED);
        assertThat(err.toString()).contains("kchat login");
    }

    @Test
    void shouldExitUnavailableWhenTheApiCannotBeReached() {
        String token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.sig";
        assertThat(run("conversations", "--home", home.toString(), "--token", token, "--api", "http://127.0.0.1:1"))
                .isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(err.toString()).contains("cannot reach http://127.0.0.1:1");
    }

    @Test
    void shouldMapApiStatusesToExitCodes() {
        assertThat(ExitCode.ofStatus(201)).isEqualTo(ExitCode.OK);
        assertThat(ExitCode.ofStatus(400)).isEqualTo(ExitCode.USAGE);
        assertThat(ExitCode.ofStatus(401)).isEqualTo(ExitCode.UNAUTHORIZED);
        assertThat(ExitCode.ofStatus(409)).isEqualTo(ExitCode.REFUSED);
        assertThat(ExitCode.ofStatus(429)).isEqualTo(ExitCode.RATE_LIMITED);
        assertThat(ExitCode.ofStatus(503)).isEqualTo(ExitCode.UNAVAILABLE);
    }
}
