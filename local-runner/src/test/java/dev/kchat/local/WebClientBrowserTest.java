package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.WebElement;

/**
 * The edge's web client in real headless Chromium (two browsers, alice's and bob's) against a whole
 * platform: sign in with a token, create a direct chat, send (pending, then accepted), the message
 * arriving with an unread count and a preview, delivered and read marks, typing, a reply, a reaction,
 * an edit, a recall, presence, a reload resuming from the SyncKey, a group with a member added, and
 * history paged in by scrolling up.
 *
 * <p>Groups above {@code fanout.broadcast.threshold} (3 here) are read-diffused: their events come as
 * broadcasts, which the inbox resume does not replay. A page catches them up from the conversation
 * list and history after a reconnect (and the messages on screen a missed edit acts on), and reads
 * from history the seqs of broadcasts it did not get.
 * The page's WebSocket is cut and its broadcasts dropped in the page itself ({@link WebClientPage}).
 */
class WebClientBrowserTest {

    @RegisterExtension
    static final TestPlatforms.Running RUNNING = TestPlatforms.running(Map.of(
            // The test sends a page and a half of history at once through the API.
            "limits.rate.send.user", "1000/1s",
            // Groups of four and more are read-diffused; the direct chat and the group of three are not.
            "fanout.broadcast.threshold", "3"));

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static WebClientPage alice;
    private static WebClientPage bob;

    @BeforeAll
    static void signIn() {
        alice = signIn("alice");
        bob = signIn("bob");
    }

    private static WebClientPage signIn(String user) {
        LocalPlatform platform = RUNNING.platform();
        String pageUrl = platform.edgeUrl().replaceFirst("^ws://", "http://").replaceFirst("/v1/ws$", "/");
        return WebClientPage.signIn(pageUrl, user, platform.token(user, Duration.ofHours(1)), user + "-browser");
    }

    @AfterAll
    static void closeBrowsers() throws java.io.IOException {
        String screenshots = System.getProperty("webclient.screenshots");
        for (WebClientPage page : new WebClientPage[] {alice, bob}) {
            if (page != null) {
                if (screenshots != null) {
                    page.screenshot(java.nio.file.Path.of(screenshots, (page == alice ? "alice" : "bob") + ".png"));
                }
                page.close();
            }
        }
    }

    @Test
    void shouldLetTwoUsersChatEndToEndInTheBrowser() {
        String dm = "dm:alice:bob";

        // Given alice starts a chat with bob from the page
        alice.type("new-direct", "bob");
        alice.byId("new-direct-go").click();
        alice.waitFor("the chat with bob open", () -> alice.text("conv-title").equals("bob"));

        // When she sends, her message shows at once, then is accepted with its seq
        alice.send("hello bob");
        assertThat(alice.all(".msg.mine")).hasSize(1);
        alice.waitFor("her message accepted", () -> alice.first(".msg.mine[data-seq] .body").equals("hello bob")
                && List.of("accepted", "delivered", "read").contains(mark(alice)));

        // Then bob's list shows the chat with its preview and two unread (the chat's creation and the message,
        // as the store counts), and his browser acknowledged it (delivered)
        bob.waitFor("the chat in his list", () -> bob.first("li.conv[data-id='" + dm + "'] .unread").equals("2")
                && bob.first("li.conv[data-id='" + dm + "'] .preview").equals("hello bob"));
        alice.waitFor("her message delivered", () -> List.of("delivered", "read").contains(mark(alice)));

        // When bob opens it, Then he reads it, his unread count goes, and alice sees it read
        bob.open(dm);
        bob.waitFor("the message", () -> bob.first(".msg.theirs .body").equals("hello bob"));
        bob.waitFor("no unread left", () -> bob.all("li.conv[data-id='" + dm + "'] .unread").isEmpty());
        alice.waitFor("her message read", () -> mark(alice).equals("read"));

        // When bob types, alice sees it; when he sends a reply to her message, the typing stops and the quote shows
        bob.type("text", "hi alice");
        alice.waitFor("bob typing", () -> alice.text("typing").equals("bob is typing…"));
        bob.click(".msg.theirs .act-reply");
        bob.waitFor("the reply bar", () -> bob.byId("reply-bar").isDisplayed());
        bob.byId("send").click();
        alice.waitFor("bob's reply quoting her", () -> alice.first(".msg.theirs .body").equals("hi alice")
                && alice.first(".msg.theirs .quote").equals("↪ alice: hello bob"));
        alice.waitFor("bob no longer typing", () -> alice.text("typing").isEmpty());

        // When bob reacts to her message, alice sees the reaction counted
        bob.click(".msg.theirs .act-react[data-emoji='👍']");
        alice.waitFor("the reaction", () -> alice.first(".msg.mine .reaction").equals("👍 1"));

        // When alice edits her message, bob sees the new text marked edited
        alice.click(".msg.mine .act-edit");
        alice.byId("text").clear();
        alice.send("hello bob, edited");
        bob.waitFor("the edit", () -> bob.first(".msg.theirs .body").equals("hello bob, edited")
                && bob.first(".msg.theirs .edited").equals("edited"));

        // When she recalls it, bob sees it recalled, and his reply's quote says so
        alice.click(".msg.mine .act-recall");
        bob.waitFor("the recall", () -> bob.first(".msg.theirs .body.gone").equals("message recalled"));
        bob.waitFor("the quote of the recalled message", () -> bob.first(".msg.mine .quote").equals("↪ alice: (recalled)"));

        // And alice sees bob online (presence of the direct chat's other member)
        alice.waitFor("bob online", () -> alice.text("conv-presence").equals("online"));

        // When alice reloads the page, Then it resumes from her SyncKey: the same two messages, none twice
        alice.reload();
        alice.open(dm);
        alice.waitFor("the chat after the reload", () -> alice.all(".msg").size() == 2
                && alice.first(".msg.theirs .body").equals("hi alice") && alice.first(".msg.mine .body.gone").equals("message recalled"));
    }

    @Test
    void shouldCreateAGroupAddAMemberAndPageInOlderHistoryOnScroll() throws Exception {
        // Given alice creates a group with bob from the page
        alice.type("new-group-name", "team");
        alice.type("new-group-members", "bob");
        alice.byId("new-group-go").click();
        alice.waitFor("the group open", () -> alice.text("conv-title").equals("team"));
        String group = alice.attribute("li.conv.open", "data-id");
        bob.waitFor("the group in his list", () -> bob.first("li.conv[data-id='" + group + "'] .name").equals("team"));

        // When she adds carol, Then the group shows her joining
        alice.type("add-member", "carol");
        alice.byId("add-member-go").click();
        alice.waitFor("carol joined", () -> alice.all(".system").stream().map(WebElement::getText).anyMatch(t -> t.equals("carol joined")));

        // Given 60 messages in the group (over the API), more than one page of history
        for (int i = 1; i <= 60; i++) {
            RUNNING.client().expect("alice", "POST", "/v1/conversations/" + group + "/messages",
                    "{\"client_msg_id\":\"h" + i + "\",\"body\":\"history " + i + "\"}", 202);
        }
        bob.waitFor("the 60th message in the store", () -> RUNNING.client()
                .expect("bob", "GET", "/v1/conversations/" + group + "/messages?limit=1", null, 200)
                .path("events").path(0).path("body").asText().equals("history 60"));

        // When bob opens the group, he gets the newest page; scrolling to the top pages in the rest
        bob.open(group);
        bob.waitFor("the newest message", () -> bob.all(".msg .body").stream().map(WebElement::getText).anyMatch(t -> t.equals("history 60")));
        assertThat(bob.all(".start")).isEmpty();
        bob.waitFor("the beginning, after scrolling up", () -> {
            bob.script("document.getElementById('messages').scrollTop = 0;");
            return !bob.all(".start").isEmpty();
        });

        // Then every message is there once, in order
        List<String> expected = java.util.stream.IntStream.rangeClosed(1, 60).mapToObj(i -> "history " + i).toList();
        bob.waitFor("history 1 to 60, once each", () -> bob.all(".msg .body").stream().map(WebElement::getText).toList().equals(expected));
    }

    @Test
    void shouldShowWhatAReadDiffusedGroupGotWhileThePageWasDisconnected() throws Exception {
        // Given two groups of four (read-diffused), dave's page open on the first with bob's message in it
        String team = createLargeGroup("big team", "dave");
        String news = createLargeGroup("big news", "dave");
        awaitListed("dave", team, news);
        try (WebClientPage dave = signIn("dave")) {
            dave.open(team);
            send("bob", team, "before the cut");
            dave.waitFor("bob's message, live", () -> bodies(dave).equals(List.of("before the cut")));

            // When his network is cut, and bob meanwhile posts in both groups and edits his first message (all in the store)
            dave.cutConnection();
            send("bob", team, "while you were away");
            send("bob", news, "news while away");
            long first = await("bob's first message in the store").atMost(DEADLINE).ignoreExceptions()
                    .until(() -> seqOf("bob", team, "before the cut"), seq -> seq > 0);
            RUNNING.client().expect("bob", "PATCH", "/v1/conversations/" + team + "/messages/" + first,
                    "{\"body\":\"before the cut, edited\"}", 202);
            JsonNode newsListed = awaitPreview("dave", news, "news while away");
            awaitPreview("dave", team, "while you were away");
            await("the edit in the store").atMost(DEADLINE).ignoreExceptions()
                    .until(() -> seqOf("dave", team, "before the cut, edited") == first);

            // Then, once the page is back, the open timeline shows the missed message after the first, once, and the edit
            dave.restoreConnection();
            dave.waitFor("the missed message and edit in the timeline",
                    () -> bodies(dave).equals(List.of("before the cut, edited", "while you were away")));

            // And the list shows both groups' previews, and the other group's unread count as the store has it
            dave.waitFor("the open group's preview", () -> dave.first("li.conv[data-id='" + team + "'] .preview").equals("while you were away"));
            dave.waitFor("the other group's preview and unread count",
                    () -> dave.first("li.conv[data-id='" + news + "'] .preview").equals("news while away")
                            && dave.first("li.conv[data-id='" + news + "'] .unread").equals(newsListed.path("unread").asText()));
            assertThat(newsListed.path("unread").asInt()).isPositive();
        }
    }

    @Test
    void shouldReadFromHistoryABroadcastThePageDidNotGet() throws Exception {
        // Given erin's page open on a group of four (read-diffused) with bob's message in it
        String group = createLargeGroup("big room", "erin");
        awaitListed("erin", group);
        try (WebClientPage erin = signIn("erin")) {
            erin.open(group);
            send("bob", group, "first");
            erin.waitFor("bob's first message, live", () -> bodies(erin).equals(List.of("first")));

            // When the broadcast of bob's second message does not reach the page (it is in the store)
            erin.dropBroadcasts(true);
            send("bob", group, "second, dropped");
            erin.waitFor("the second broadcast dropped", () -> erin.broadcastsDropped() == 1);
            awaitPreview("erin", group, "second, dropped");
            erin.dropBroadcasts(false);

            // And bob's third comes, a seq past the gap
            send("bob", group, "third");

            // Then the page reads the second from history: all three, in order, once each
            erin.waitFor("the dropped message read from history",
                    () -> bodies(erin).equals(List.of("first", "second, dropped", "third")));
        }
    }

    /** bob creates a group with alice, carol and {@code member}: four members, above the threshold. */
    private static String createLargeGroup(String name, String member) throws Exception {
        PlatformClient.Answer a = RUNNING.client().call("bob", "POST", "/v1/conversations",
                "{\"kind\":\"group\",\"name\":\"" + name + "\",\"members\":[\"alice\",\"carol\",\"" + member + "\"]}",
                true, null);
        assertThat(a.status()).as("%s", a.body()).isEqualTo(201);
        return a.body().path("conversation_id").asText();
    }

    private static void send(String user, String conversation, String text) throws Exception {
        RUNNING.client().expect(user, "POST", "/v1/conversations/" + conversation + "/messages",
                "{\"client_msg_id\":\"" + UUID.randomUUID() + "\",\"body\":\"" + text + "\"}", 202);
    }

    /** Waits until the store lists the conversations for the user (his page then loads them at sign-in). */
    private static void awaitListed(String user, String... conversations) {
        await(user + "'s list").atMost(DEADLINE).ignoreExceptions().until(() -> {
            List<String> listed = new java.util.ArrayList<>();
            conversationList(user).forEach(c -> listed.add(c.path("conversation_id").asText()));
            return listed.containsAll(List.of(conversations));
        });
    }

    /** Waits until the store lists the conversation for the user with that preview; returns its entry. */
    private static JsonNode awaitPreview(String user, String conversation, String preview) {
        JsonNode[] entry = new JsonNode[1];
        await(user + "'s list showing " + preview).atMost(DEADLINE).ignoreExceptions().until(() -> {
            for (JsonNode c : conversationList(user)) {
                if (c.path("conversation_id").asText().equals(conversation)) {
                    entry[0] = c;
                }
            }
            return entry[0] != null && entry[0].path("last_message_preview").asText().equals(preview);
        });
        return entry[0];
    }

    /** The seq of the message with that body in the conversation's newest page of history, or -1. */
    private static long seqOf(String user, String conversation, String body) throws Exception {
        for (JsonNode e : RUNNING.client().expect(user, "GET", "/v1/conversations/" + conversation + "/messages", null, 200).path("events")) {
            if (body.equals(e.path("body").asText())) {
                return e.path("seq").asLong();
            }
        }
        return -1;
    }

    private static JsonNode conversationList(String user) throws Exception {
        return RUNNING.client().expect(user, "GET", "/v1/conversations?limit=200", null, 200).path("conversations");
    }

    /** The bodies of the messages the page shows, in order. */
    private static List<String> bodies(WebClientPage page) {
        return page.all(".msg .body").stream().map(WebElement::getText).toList();
    }

    /** The mark on alice's (first) message: pending, sent, accepted, delivered, read or rejected. */
    private static String mark(WebClientPage page) {
        return page.attribute(".msg.mine .mark", "data-delivery");
    }
}
