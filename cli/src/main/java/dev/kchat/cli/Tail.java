package dev.kchat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kchat tail}: follows the user's inbox over the WebSocket edge and prints what arrives, from
 * the device's SyncKey (kept in the profile, so the next run resumes after the last), acknowledging
 * each entry as a device does.
 */
@Command(name = "tail", description = {"Print messages as they arrive (over the WebSocket edge), resuming from this device's SyncKey.",
        "With --count N, exit 0 after N messages, or 124 if --timeout passes first."})
final class Tail extends Commands.Base {

    @Parameters(arity = "0..*", paramLabel = "CONVERSATION", description = "only these conversations (default: all)")
    List<String> conversations = List.of();

    @Option(names = "--count", defaultValue = "0", description = "exit after this many messages (0: run until stopped)")
    int count;

    @Option(names = "--timeout", defaultValue = "0", paramLabel = "SECONDS", description = "give up after this long (0: never); exit 124 if --count was not reached")
    long timeoutSeconds;

    @Option(names = "--since", paramLabel = "INBOX_SEQ", description = "start after this inbox seq instead of the device's SyncKey (0: the whole inbox)")
    Long since;

    @Option(names = "--all", description = "also print receipts, typing and outcomes, not only conversation events")
    boolean all;

    @Override
    public Integer call() throws Exception {
        String user = conn.user();
        String device = conn.deviceId();
        Profile profile = conn.profile();
        long from = since != null ? since : profile.syncKey(user, device);
        Set<String> only = Set.copyOf(conversations);
        CountDownLatch messages = new CountDownLatch(Math.max(count, 1));
        try (InboxStream stream = InboxStream.open(() -> Commands.locateEdge(conn), conn.tokenOrFail(), device, from, frame -> {
            JsonNode item = frame.path("type").asText().equals("event") ? frame.path("entry").path("item")
                    : frame.path("type").asText().equals("broadcast") ? frame.path("event") : null;
            if (item == null) {
                other(frame);
                return;
            }
            if (!only.isEmpty() && !only.contains(item.path("conversation_id").asText())) {
                return;
            }
            String line = conn.json ? frame.toString() : Render.live(item);
            if (line != null && (all || item.has("payload"))) {
                out().println(line);
                out().flush();
            }
            if (Render.isMessage(item)) {
                messages.countDown();
            }
        }, profile.syncKeyKeeper(user, device))) {
            boolean done = wait(messages, stream);
            return done || count == 0 ? ExitCode.OK : ExitCode.TIMEOUT;
        } finally {
            profile.save();
        }
    }

    private boolean wait(CountDownLatch messages, InboxStream stream) throws Exception {
        long deadline = timeoutSeconds == 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            if (stream.ended().isDone()) {
                throw new Failure(ExitCode.UNAUTHORIZED, stream.ended().get());
            }
            if (count > 0 && messages.await(200, TimeUnit.MILLISECONDS)) {
                return true;
            }
            if (count == 0) {
                Thread.sleep(200); // nothing to count: run until the timeout or Ctrl-C
            }
        }
        return false;
    }

    /** Frames that are not entries: errors and disconnections to stderr; the rest with --all. */
    private void other(JsonNode frame) {
        String type = frame.path("type").asText();
        if (type.equals("error") || type.equals("disconnected") || type.equals("unreadable")) {
            err().println("kchat: " + (frame.has("code") ? frame.path("code").asText() + ": " : "") + frame.path("message").asText());
            err().flush();
        } else if (all && !type.equals("pong")) {
            out().println(frame);
            out().flush();
        }
    }
}
