package dev.kchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.local.FreePorts;
import dev.kchat.local.LocalConfig;
import dev.kchat.local.LocalPlatform;
import dev.kchat.service.Settings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kchat} against a whole local platform (broker, CQL server, the Streams apps, ingress, an
 * edge): log in, start a chat, send and see it arrive live with {@code tail}, list with unread counts,
 * scroll history, refusals with their exit codes, resume {@code tail} from the SyncKey, a group.
 */
class CliEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    private static LocalPlatform platform;

    /** One run of the client: its exit code and what it printed. */
    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void start() {
        LocalConfig config = LocalConfig.from(Settings.of(Map.of(
                "local.data.dir", dir.resolve("platform").toString(),
                "local.kafka.port", String.valueOf(freePort()),
                "local.registry.port", String.valueOf(freePort()),
                "local.ingress.port", String.valueOf(freePort()),
                "local.edge.port", String.valueOf(freePort()),
                "local.admin.base.port", "0",
                "local.moderation", "false")));
        // The edge never sheds load here: a slow moment of a busy CI machine must not hold back receipts.
        platform = LocalPlatform.start(config, Settings.of(Map.of("edge.shed.delay", "24h", "edge.shed.inbox.lag", "9223372036854775807",
                "edge.shed.queued.frames", "9223372036854775807")));
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void shouldChatFromTheTerminalWithExitCodesAScriptCanRelyOn() throws Exception {
        // Given alice and bob logged in (each with a profile of their own), carol only with a token
        assertThat(kchat("alice", "login", "--token", token("alice"), "--api", platform.ingressUrl()).out())
                .contains("logged in as alice at " + platform.ingressUrl());
        kchat("bob", "login", "--token", token("bob"), "--api", platform.ingressUrl());

        // When alice starts a chat with bob (twice: the second is the same chat)
        assertThat(kchat("alice", "dm", "bob")).satisfies(r -> assertThat(r.code()).isZero());
        assertThat(kchat("alice", "dm", "bob").code()).isZero();

        // And bob follows his inbox while alice sends two messages
        CompletableFuture<Run> tail = CompletableFuture.supplyAsync(() -> kchat("bob", "tail", "dm:alice:bob", "--count", "2", "--timeout", "60"));
        Run sent = kchat("alice", "send", "dm:alice:bob", "hello", "bob");
        Run json = kchat("alice", "send", "--json", "dm:alice:bob", "second");

        // Then both are accepted with their seq, and bob's tail sees both arrive and exits 0
        assertThat(sent.code()).isZero();
        assertThat(sent.out()).matches("(?s)message cli-\\S+ accepted at #2\\s*");
        assertThat(Api.JSON.readTree(json.out()).path("status").asText()).isEqualTo("accepted");
        Run tailed = tail.get(90, TimeUnit.SECONDS);
        assertThat(tailed.code()).as(tailed.err()).isZero();
        assertThat(tailed.out()).contains("dm:alice:bob #2 alice: hello bob", "dm:alice:bob #3 alice: second");

        // And bob's list shows the chat with alice, 3 unread (its creation and the two messages, as the store
        // counts), and his history pages back from the newest
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(kchat("bob", "conversations").out())
                .containsPattern("dm:alice:bob\\s+alice\\s+3 unread  alice: second"));
        Run page = kchat("bob", "history", "dm:alice:bob", "--limit", "2");
        assertThat(page.out()).isEqualTo("#2 alice: hello bob\n#3 alice: second\n");
        assertThat(page.err()).contains("older: kchat history dm:alice:bob --before 2");
        assertThat(kchat("bob", "history", "dm:alice:bob", "--before", "2").out()).isEqualTo("#1 alice created the chat\n");

        // And refusals exit 3 with the platform's code, a bad token 4
        Run notMember = kchat("carol", "send", "--token", token("carol"), "--api", platform.ingressUrl(), "dm:alice:bob", "hi");
        assertThat(notMember.code()).isEqualTo(ExitCode.REFUSED);
        assertThat(notMember.err()).contains("403 not_a_member");
        assertThat(kchat("carol", "conversations", "--token", "a.b.c", "--api", platform.ingressUrl()).code()).isEqualTo(ExitCode.UNAUTHORIZED);

        // When bob's tail runs again, Then it resumes after what it saw (the SyncKey in his profile)
        CompletableFuture<Run> again = CompletableFuture.supplyAsync(() -> kchat("bob", "tail", "--count", "1", "--timeout", "60"));
        kchat("alice", "send", "dm:alice:bob", "third");
        Run resumed = again.get(90, TimeUnit.SECONDS);
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("#4 alice: third").doesNotContain("hello bob");

        // When bob opens the chat in the terminal, scrolls back, types a line and leaves
        Run chat = withInput("/more\nfrom the terminal\n/quit\n", () -> kchat("bob", "chat", "dm:alice:bob"));

        // Then he saw its history, and alice sees his line in hers
        assertThat(chat.code()).as(chat.err()).isZero();
        assertThat(chat.out()).contains("#2 alice: hello bob", "#4 alice: third");
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(kchat("alice", "history", "dm:alice:bob", "--limit", "1").out())
                .isEqualTo("#5 bob: from the terminal\n"));

        // And a group is created with bob, and carol added to it
        Run group = kchat("alice", "group", "team", "bob");
        assertThat(group.code()).as(group.err()).isZero();
        String id = group.out().lines().findFirst().orElseThrow();
        assertThat(kchat("alice", "add", id, "carol").out()).contains("adding carol accepted at #");
        assertThat(kchat("bob", "add", id, "dave").code()).as("a member who is not an admin").isEqualTo(ExitCode.REFUSED);
    }

    @Test
    void shouldTimeOutATailThatSeesTooFewMessages() {
        kchat("erin", "login", "--token", token("erin"), "--api", platform.ingressUrl());

        Run r = kchat("erin", "tail", "--count", "1", "--timeout", "2");

        assertThat(r.code()).isEqualTo(ExitCode.TIMEOUT);
    }

    /** Runs with this text as standard input (what a person types into {@code kchat chat}). */
    private static Run withInput(String typed, java.util.function.Supplier<Run> run) {
        java.io.InputStream stdin = System.in;
        System.setIn(new java.io.ByteArrayInputStream(typed.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            return run.get();
        } finally {
            System.setIn(stdin);
        }
    }

    /** Runs {@code kchat} in this JVM with a user's own profile folder. */
    private static Run kchat(String user, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--home";
        all[args.length + 1] = dir.resolve("home-" + user).toString();
        int code = KChat.run(new PrintWriter(out), new PrintWriter(err), all);
        return new Run(code, out.toString(), err.toString());
    }

    private static String token(String user) {
        return platform.token(user, Duration.ofHours(1));
    }

    private static int freePort() {
        return FreePorts.next();
    }
}
