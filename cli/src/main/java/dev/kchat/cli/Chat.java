package dev.kchat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code kchat chat CONVERSATION}: a conversation in the terminal. Shows the newest page of history,
 * then messages as they arrive (marking them read), and sends each line typed. Commands: {@code /more}
 * (older history), {@code /reply SEQ text}, {@code /edit SEQ text}, {@code /recall SEQ}, {@code /quit}.
 */
@Command(name = "chat", description = {"Open a conversation: its history, then live messages; each line typed is sent.",
        "/more scrolls back, /reply SEQ text, /edit SEQ text, /recall SEQ, /quit (or end of input) leaves."})
final class Chat extends Commands.Base {

    static final int PAGE = 20;

    @Parameters(index = "0", paramLabel = "CONVERSATION")
    String conversation;

    private final AtomicLong newest = new AtomicLong();
    private long oldest = Long.MAX_VALUE;
    private boolean more = true;

    @Override
    public Integer call() throws Exception {
        String user = conn.user();
        String device = conn.deviceId();
        Profile profile = conn.profile();
        page(null);
        try (InboxStream stream = InboxStream.open(() -> Commands.locateEdge(conn), conn.tokenOrFail(), device,
                profile.syncKey(user, device), frame -> onFrame(frame, user), profile.syncKeyKeeper(user, device))) {
            stream.ready().get();
            markRead(stream);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null && !line.equals("/quit"); line = in.readLine()) {
                if (!line.isBlank()) {
                    typed(line.strip(), stream);
                }
            }
            return ExitCode.OK;
        } finally {
            profile.save();
        }
    }

    private void typed(String line, InboxStream stream) throws Exception {
        String[] words = line.split(" ", 3);
        switch (words[0]) {
            case "/more" -> {
                if (more) {
                    page(oldest);
                } else {
                    out().println("(the beginning)");
                }
            }
            case "/reply" -> send(stream, words.length == 3 ? words[2] : "", Long.parseLong(words[1]));
            case "/edit" -> {
                ObjectNode body = Api.JSON.createObjectNode().put("body", words.length == 3 ? words[2] : "");
                tell(conn.api().call("PATCH", "/v1/conversations/" + conversation + "/messages/" + words[1], body, "cli-edit-" + UUID.randomUUID(), 0));
            }
            case "/recall" -> tell(conn.api().call("DELETE", "/v1/conversations/" + conversation + "/messages/" + words[1] + "?mode=recall",
                    null, "cli-recall-" + UUID.randomUUID(), 0));
            default -> send(stream, line, null);
        }
        out().flush();
    }

    private void send(InboxStream stream, String text, Long replyTo) {
        ObjectNode frame = Api.JSON.createObjectNode().put("type", "send").put("conversation_id", conversation)
                .put("client_msg_id", "cli-" + UUID.randomUUID()).put("body", text);
        if (replyTo != null) {
            frame.put("reply_to_seq", replyTo);
        }
        if (!stream.send(frame)) {
            err().println("kchat: not connected; not sent");
        }
    }

    private void tell(Api.Answer a) {
        if (!a.ok()) {
            err().println("kchat: " + Failure.of(a).getMessage());
        }
    }

    /** A page of history before {@code before} (null: the newest), printed oldest first. */
    private void page(Long before) throws Exception {
        JsonNode page = get("/v1/conversations/" + conversation + "/messages?limit=" + PAGE + (before == null ? "" : "&before=" + before));
        List<JsonNode> events = new ArrayList<>();
        page.path("events").forEach(events::add);
        events.sort(Comparator.comparingLong(e -> e.path("seq").asLong()));
        for (JsonNode e : events) {
            String line = Render.stored(e);
            if (line != null) {
                out().println(line);
            }
            oldest = Math.min(oldest, e.path("seq").asLong());
            newest.accumulateAndGet(e.path("seq").asLong(), Math::max);
        }
        more = page.path("has_more").asBoolean();
        out().flush();
    }

    private void onFrame(JsonNode frame, String user) {
        String type = frame.path("type").asText();
        JsonNode item = type.equals("event") ? frame.path("entry").path("item") : type.equals("broadcast") ? frame.path("event") : frame;
        if (type.equals("typing") && frame.path("conversation_id").asText().equals(conversation) && frame.path("typing").asBoolean()) {
            out().println("… " + frame.path("user_id").asText() + " is typing");
        } else if (type.equals("rejected") && conversation.equals(frame.path("conversation_id").asText())) {
            out().println("✗ " + frame.path("command_type").asText() + " refused: " + frame.path("code").asText() + " (" + frame.path("reason").asText() + ")");
        } else if ((type.equals("event") || type.equals("broadcast")) && conversation.equals(item.path("conversation_id").asText())
                && item.path("seq").asLong() > newest.get()) {
            newest.accumulateAndGet(item.path("seq").asLong(), Math::max);
            String line = Render.live(item);
            if (line != null) {
                out().println(line.substring(conversation.length() + 1));
            }
        } else if (type.equals("error") || type.equals("disconnected")) {
            err().println("kchat: " + frame.path("message").asText());
        }
        out().flush();
    }

    private void markRead(InboxStream stream) {
        if (newest.get() > 0) {
            stream.send(Api.JSON.createObjectNode().put("type", "read").put("conversation_id", conversation).put("seq", newest.get()));
        }
    }
}
