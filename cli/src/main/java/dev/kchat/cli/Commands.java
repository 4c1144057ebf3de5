package dev.kchat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The one-shot commands: log in, list, read history, send, create chats and groups, add members. */
final class Commands {

    private Commands() {
    }

    /** What every command has: the shared options and its output. */
    abstract static class Base implements Callable<Integer> {

        @Mixin
        Connection conn;

        @Spec
        CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        /** A request whose answer must be a success, else a {@link Failure} with its exit code. */
        JsonNode call(String method, String path, JsonNode body, String key, int wait) throws Exception {
            Api.Answer a = conn.api().call(method, path, body, key, wait);
            if (!a.ok()) {
                throw Failure.of(a);
            }
            return a.body();
        }

        JsonNode get(String path) throws Exception {
            return call("GET", path, null, null, 0);
        }

        /** A command's decision: accepted (with its seq), or queued if none came within the wait. */
        int decided(JsonNode answer, String what) {
            if (conn.json) {
                out().println(answer);
            } else if (answer.path("status").asText().equals("accepted")) {
                out().println(what + " accepted at #" + answer.path("seq").asLong() + (answer.path("duplicate").asBoolean() ? " (a repeat)" : ""));
            } else {
                out().println(what + " queued as " + answer.path("command_id").asText() + " (no decision yet)");
            }
            out().flush();
            return answer.path("status").asText().equals("accepted") ? ExitCode.OK : ExitCode.UNDECIDED;
        }
    }

    @Command(name = "login", description = "Check a token against the API and keep it (with the API's URL and the device) in the profile.")
    static final class Login extends Base {

        @Override
        public Integer call() throws Exception {
            String user = conn.user();
            get("/v1/conversations?limit=1");
            conn.profile().login(conn.apiUrl(), conn.tokenOrFail(), conn.deviceId());
            conn.profile().save();
            out().println(conn.json ? Api.JSON.createObjectNode().put("user_id", user).put("api_url", conn.apiUrl()).put("device_id", conn.deviceId())
                    : "logged in as " + user + " at " + conn.apiUrl() + " (device " + conn.deviceId() + ")");
            return ExitCode.OK;
        }
    }

    @Command(name = "conversations", aliases = "ls", description = "The conversations, most recent first, with unread counts and the last message.")
    static final class Conversations extends Base {

        @Option(names = "--limit", defaultValue = "50", description = "at most this many (1-1000; default ${DEFAULT-VALUE})")
        int limit;

        @Override
        public Integer call() throws Exception {
            JsonNode list = get("/v1/conversations?limit=" + limit).path("conversations");
            String me = conn.user();
            for (JsonNode c : list) {
                out().println(conn.json ? c.toString() : Render.conversation(c, me));
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "history", description = "A page of a conversation's history, oldest first; --before scrolls back.")
    static final class History extends Base {

        @Parameters(index = "0", paramLabel = "CONVERSATION")
        String conversation;

        @Option(names = "--before", paramLabel = "SEQ", description = "events before this seq (the oldest seq of the page shown before)")
        Long before;

        @Option(names = "--limit", defaultValue = "20", description = "events per page (1-200; default ${DEFAULT-VALUE})")
        int limit;

        @Override
        public Integer call() throws Exception {
            JsonNode page = get("/v1/conversations/" + conversation + "/messages?limit=" + limit + (before == null ? "" : "&before=" + before));
            List<JsonNode> events = new java.util.ArrayList<>();
            page.path("events").forEach(events::add);
            events.sort(java.util.Comparator.comparingLong(e -> e.path("seq").asLong()));
            for (JsonNode e : events) {
                String line = conn.json ? e.toString() : Render.stored(e);
                if (line != null) {
                    out().println(line);
                }
            }
            if (!conn.json && page.path("has_more").asBoolean() && !events.isEmpty()) {
                err().println("older: kchat history " + conversation + " --before " + events.get(0).path("seq").asLong());
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "send", description = "Send a message and wait for routing's decision (exit 0 accepted, 3 refused, 7 undecided).")
    static final class Send extends Base {

        @Parameters(index = "0", paramLabel = "CONVERSATION")
        String conversation;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "TEXT", description = "the message (words are joined with spaces)")
        List<String> words;

        @Option(names = "--reply-to", paramLabel = "SEQ", description = "the seq of the message this one answers")
        Long replyTo;

        @Option(names = "--id", paramLabel = "CLIENT_MSG_ID", description = "the message's client id: sending again with the same id sends it once (default: a new one)")
        String clientMsgId;

        @Option(names = "--wait", defaultValue = "10", paramLabel = "SECONDS", description = "how long to wait for the decision (0: do not; default ${DEFAULT-VALUE})")
        int wait;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Api.JSON.createObjectNode()
                    .put("client_msg_id", clientMsgId != null ? clientMsgId : "cli-" + UUID.randomUUID())
                    .put("body", String.join(" ", words));
            if (replyTo != null) {
                body.put("reply_to_seq", replyTo);
            }
            JsonNode answer = call("POST", "/v1/conversations/" + conversation + "/messages", body, null, wait);
            return wait == 0 ? queued(answer) : decided(answer, "message " + body.get("client_msg_id").asText());
        }

        private int queued(JsonNode answer) {
            out().println(conn.json ? answer.toString() : "queued as " + answer.path("command_id").asText());
            return ExitCode.OK;
        }
    }

    @Command(name = "dm", description = "Start a direct chat with a user; one that exists already is fine (exit 0).")
    static final class Direct extends Base {

        @Parameters(index = "0", paramLabel = "USER")
        String user;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Api.JSON.createObjectNode().put("kind", "direct");
            body.putArray("members").add(user);
            Api.Answer a = conn.api().call("POST", "/v1/conversations", body, "cli-dm-" + user, 10);
            if (a.status() == 409 && a.errorCode().equals("conversation_exists")) {
                out().println(conn.json ? a.body().toString() : "direct chat with " + user + " exists");
                return ExitCode.OK;
            }
            if (!a.ok()) {
                throw Failure.of(a);
            }
            return decided(a.body(), "direct chat with " + user);
        }
    }

    @Command(name = "group", description = "Create a group; its id is printed (you are its owner).")
    static final class Group extends Base {

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1..*", arity = "0..*", paramLabel = "MEMBER")
        List<String> members = List.of();

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Api.JSON.createObjectNode().put("kind", "group").put("name", name);
            ArrayNode array = body.putArray("members");
            members.forEach(array::add);
            JsonNode answer = call("POST", "/v1/conversations", body, "cli-group-" + UUID.randomUUID(), 10);
            if (!conn.json) {
                out().println(answer.path("conversation_id").asText());
            }
            return decided(answer, "group " + name);
        }
    }

    @Command(name = "add", description = "Add members to a group (owners and admins).")
    static final class Add extends Base {

        @Parameters(index = "0", paramLabel = "CONVERSATION")
        String conversation;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "USER")
        List<String> users;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Api.JSON.createObjectNode();
            ArrayNode array = body.putArray("user_ids");
            users.forEach(array::add);
            return decided(call("POST", "/v1/conversations/" + conversation + "/members", body, "cli-add-" + UUID.randomUUID(), 10),
                    "adding " + String.join(", ", users));
        }
    }

    /** {@code GET /v1/edge}: the edge that serves this user now. */
    static URI locateEdge(Connection conn) throws Exception {
        Api.Answer a = conn.api().get("/v1/edge");
        if (!a.ok()) {
            throw Failure.of(a);
        }
        return URI.create(a.body().path("edge").asText());
    }
}
