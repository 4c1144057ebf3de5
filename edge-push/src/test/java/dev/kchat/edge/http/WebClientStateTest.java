package dev.kchat.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mozilla.javascript.Context;
import org.mozilla.javascript.Scriptable;

/**
 * The web client's state ({@code web/state.js}), run in Rhino: the SyncKey per user and device, a
 * send from pending to accepted or rejected, edits, recalls, reactions, unread counts and marks,
 * and catching up read-diffused conversations (a broadcast's seq gap, the list read again on reconnect).
 * WebClientBrowserTest (local-runner) drives the whole page in Chromium against a platform.
 */
class WebClientStateTest {

    /** A localStorage, base64 for JWTs, and frames as the edge writes them. */
    private static final String HARNESS = """
            var storage = {};
            var localStorage = {
              getItem: function (k) { return storage.hasOwnProperty(k) ? storage[k] : null; },
              setItem: function (k, v) { storage[k] = String(v); }
            };
            function atob(s) { return String(new java.lang.String(java.util.Base64.getDecoder().decode(s), 'UTF-8')); }
            var S = KChatState;
            function posted(conv, seq, actor, body, cmid) {
              return {type: 'ConversationEvent', conversation_id: conv, seq: seq, actor_id: actor, occurred_at: '2026-11-26T10:00:0' + (seq % 10) + 'Z',
                payload: {type: 'MessagePosted', body: body, client_msg_id: cmid || ('c' + seq), reply_to_seq: null}};
            }
            function change(conv, seq, actor, payload) {
              return {type: 'ConversationEvent', conversation_id: conv, seq: seq, actor_id: actor, occurred_at: '2026-11-26T10:01:00Z', payload: payload};
            }
            function shown(s, conv) {
              return S.timeline(s, conv).filter(function (m) { return !m.hidden; })
                .map(function (m) { return (m.seq || '-') + ':' + m.actor + ':' + (m.body === null ? m.status : m.body); }).join(' | ');
            }
            """;

    private Context cx;
    private Scriptable scope;

    @BeforeEach
    void load() throws IOException {
        cx = Context.enter();
        cx.setLanguageVersion(Context.VERSION_ES6);
        scope = cx.initStandardObjects();
        cx.evaluateString(scope, resource("state.js"), "state.js", 1, null);
        cx.evaluateString(scope, HARNESS, "harness", 1, null);
    }

    @AfterEach
    void exit() {
        Context.exit();
    }

    @Test
    void shouldKeepOneSyncKeyPerUserAndDevice() {
        // Given alice's web device at 7 and bob's at 2 in the same browser
        js("S.saveSyncKey(localStorage, 'alice', 'web', 7); S.saveSyncKey(localStorage, 'bob', 'web', 2);");

        // Then each resumes from his own, and a device never seen starts at 0
        assertThat(num("S.loadSyncKey(localStorage, 'alice', 'web')")).isEqualTo(7);
        assertThat(num("S.loadSyncKey(localStorage, 'bob', 'web')")).isEqualTo(2);
        assertThat(num("S.loadSyncKey(localStorage, 'alice', 'laptop')")).isEqualTo(0);
    }

    @Test
    void shouldReadTheUserFromTheTokensSubjectAndRefuseOtherText() {
        assertThat(js("S.userOf('" + token("carol") + "', atob)")).isEqualTo("carol");
        assertThat(js("S.userOf('not a token', atob)")).isNull();
    }

    @Test
    void shouldTakeASendFromPendingToSentToAcceptedAndThenToTheSequencedMessage() {
        // Given alice sends in her chat with bob
        js("var s = S.create('alice'); S.addPending(s, 'dm:alice:bob', 'k1', 'hi', null);");
        assertThat(js("S.deliveryOf(s, 'dm:alice:bob', S.timeline(s, 'dm:alice:bob')[0])")).isEqualTo("pending");

        // When Kafka has it, then routing accepts it at seq 3, then her own event arrives
        js("S.onSent(s, {type: 'sent', client_msg_id: 'k1'});");
        assertThat(js("S.timeline(s, 'dm:alice:bob')[0].delivery")).isEqualTo("sent");
        js("S.onOutcome(s, {type: 'accepted', ref: 'k1', conversation_id: 'dm:alice:bob', seq: 3});");
        assertThat(js("S.timeline(s, 'dm:alice:bob')[0].delivery")).isEqualTo("accepted");
        js("S.onItem(s, posted('dm:alice:bob', 3, 'alice', 'hi', 'k1'), 'dm:alice:bob');");

        // Then there is one message, at seq 3, no longer pending
        assertThat(js("shown(s, 'dm:alice:bob')")).isEqualTo("3:alice:hi");

        // And bob's receipts turn its mark to delivered, then read
        js("S.onItem(s, {type: 'MessageStatusChanged', conversation_id: 'dm:alice:bob', up_to_seq: 3, status: 'DELIVERED', by_user_id: 'bob'});");
        assertThat(js("S.deliveryOf(s, 'dm:alice:bob', S.timeline(s, 'dm:alice:bob')[0])")).isEqualTo("delivered");
        js("S.onItem(s, {type: 'MessageStatusChanged', conversation_id: 'dm:alice:bob', up_to_seq: 3, status: 'READ', by_user_id: 'bob'});");
        assertThat(js("S.deliveryOf(s, 'dm:alice:bob', S.timeline(s, 'dm:alice:bob')[0])")).isEqualTo("read");
    }

    @Test
    void shouldShowARejectedSendWithItsCodeAndKeepOtherRefusalsAsNotices() {
        // Given a send and a refusal of it
        js("var s = S.create('alice'); S.addPending(s, 'g:1', 'k2', 'hello?', null);");
        Object notice = js("S.onOutcome(s, {type: 'rejected', ref: 'k2', conversation_id: 'g:1', code: 'not_a_member', reason: 'not in it'})");

        // Then the message says so, and no notice is needed for it
        assertThat(notice).isNull();
        assertThat(js("S.deliveryOf(s, 'g:1', S.timeline(s, 'g:1')[0])")).isEqualTo("rejected");
        assertThat(js("S.timeline(s, 'g:1')[0].code")).isEqualTo("not_a_member");

        // And a refused edit (no pending send of that ref) is a notice naming the command and the code
        assertThat(js("S.onOutcome(s, {type: 'rejected', ref: 'edit-1', command_type: 'EditMessage', code: 'edit_window_expired', reason: 'too late'}).text"))
                .isEqualTo("EditMessage refused: edit_window_expired (too late)");
    }

    @Test
    void shouldApplyEditsRecallsAndReactionsToTheirTargetOnce() {
        // Given two messages
        js("var s = S.create('bob'); S.onItem(s, posted('dm:alice:bob', 1, 'alice', 'first'), null);"
                + "S.onItem(s, posted('dm:alice:bob', 2, 'alice', 'second'), null);");

        // When the first is edited and reacted to (the reaction delivered twice) and the second recalled
        js("S.onItem(s, change('dm:alice:bob', 3, 'alice', {type: 'MessageEdited', target_seq: 1, body: 'first!'}), null);"
                + "var like = change('dm:alice:bob', 4, 'bob', {type: 'ReactionAdded', target_seq: 1, emoji: '👍'});"
                + "S.onItem(s, like, null); S.onItem(s, like, null);"
                + "S.onItem(s, change('dm:alice:bob', 5, 'alice', {type: 'MessageRecalled', target_seq: 2}), null);");

        // Then the timeline shows the edit and the recall, one reaction, and the changes themselves not at all
        assertThat(js("shown(s, 'dm:alice:bob')")).isEqualTo("1:alice:first! | 2:alice:RECALLED");
        assertThat(js("S.timeline(s, 'dm:alice:bob')[0].status")).isEqualTo("EDITED");
        assertThat(num("S.timeline(s, 'dm:alice:bob')[0].reactions['👍']")).isEqualTo(1);
        assertThat(js("s.reactedByMe['dm:alice:bob#1#👍']")).isEqualTo(true);
    }

    @Test
    void shouldCountUnreadAsTheStoreDoesOutsideTheOpenConversationAndClearItOnRead() {
        // Given bob's list says one unread in his chat with alice (read up to 1 of 2), and a group is open
        js("var s = S.create('bob'); S.applyConversationList(s, [{conversation_id: 'dm:alice:bob', kind: 'DIRECT', unread: 1, read_seq: 1, last_seq: 2}]);");

        // When alice posts twice there and once in the open group
        js("S.onItem(s, posted('dm:alice:bob', 3, 'alice', 'a'), 'g:1'); S.onItem(s, posted('dm:alice:bob', 4, 'alice', 'b'), 'g:1');"
                + "S.onItem(s, posted('g:1', 1, 'alice', 'd'), 'g:1');");

        // Then the chat counts every event after the read position, the open group none
        assertThat(num("s.convs['dm:alice:bob'].unread")).isEqualTo(3);
        assertThat(num("s.convs['g:1'].unread")).isEqualTo(0);

        // When bob posts there from another device, Then what he sends is read, everything before it too
        js("S.onItem(s, posted('dm:alice:bob', 5, 'bob', 'c'), 'g:1');");
        assertThat(num("s.convs['dm:alice:bob'].unread")).isEqualTo(0);
        assertThat(js("s.convs['dm:alice:bob'].preview")).isEqualTo("c");
        assertThat(js("S.conversationOrder(s).join(',')")).isEqualTo("dm:alice:bob,g:1");

        // And alice's next message makes a read receipt up to its seq due once when he opens the chat
        js("S.onItem(s, posted('dm:alice:bob', 6, 'alice', 'e'), 'g:1');");
        assertThat(num("s.convs['dm:alice:bob'].unread")).isEqualTo(1);
        assertThat(num("S.readDue(s, 'dm:alice:bob')")).isEqualTo(6);
        assertThat(num("S.readDue(s, 'dm:alice:bob')")).isEqualTo(0);
        assertThat(num("s.convs['dm:alice:bob'].unread")).isEqualTo(0);

        // And another device's read moves the count to what fanout says
        js("S.onItem(s, {type: 'ReadPositionChanged', conversation_id: 'g:1', read_seq: 1, unread: 0});");
        assertThat(num("s.convs['g:1'].readSeq")).isEqualTo(1);
    }

    @Test
    void shouldPageHistoryBackwardsUntilTheFirstSeq() {
        // Given the newest page (seqs 51..100) and then the one before it
        js("var s = S.create('bob'); var page = {events: [], has_more: true};"
                + "for (var i = 100; i > 50; i--) { page.events.push({seq: i, event_type: 'MessagePosted', actor_id: 'alice', body: 'm' + i}); }"
                + "S.applyHistory(s, 'g:1', page);");
        assertThat(num("s.convs['g:1'].oldestSeq")).isEqualTo(51);
        assertThat(js("s.convs['g:1'].hasMore")).isEqualTo(true);
        js("var older = {events: [], has_more: false};"
                + "for (var j = 50; j > 0; j--) { older.events.push({seq: j, event_type: 'MessagePosted', actor_id: 'alice', body: 'm' + j}); }"
                + "S.applyHistory(s, 'g:1', older);");

        // Then the timeline holds 1..100 in order and nothing more is to be loaded
        assertThat(num("S.timeline(s, 'g:1').length")).isEqualTo(100);
        assertThat(num("S.timeline(s, 'g:1')[0].seq")).isEqualTo(1);
        assertThat(js("s.convs['g:1'].hasMore")).isEqualTo(false);
    }

    @Test
    void shouldShowHistoryAsItStandsWithMembershipLinesAndWithoutTheChangesThemselves() {
        // Given a page of history: the creation, a message since edited and reacted to, the edit, the reaction
        js("var s = S.create('bob'); S.applyHistory(s, 'g:1', {has_more: false, events: ["
                + "{seq: 1, event_type: 'ConversationCreated', actor_id: 'alice'},"
                + "{seq: 2, event_type: 'MessagePosted', actor_id: 'alice', body: 'hi!', status: 'EDITED', reactions: {'👍': 1}},"
                + "{seq: 3, event_type: 'MessageEdited', actor_id: 'alice', target_seq: 2},"
                + "{seq: 4, event_type: 'ReactionAdded', actor_id: 'bob', target_seq: 2},"
                + "{seq: 5, event_type: 'MemberJoined', actor_id: 'alice'}]});");

        // Then it shows the creation, the message as edited with its reaction, the join, and nothing for 3 and 4
        assertThat(js("S.timeline(s, 'g:1').filter(function (m) { return !m.hidden; })"
                + ".map(function (m) { return m.seq + ':' + (m.text || m.body); }).join(' | ')"))
                .isEqualTo("1:alice created the chat | 2:hi! | 5:alice added members");
        assertThat(num("S.timeline(s, 'g:1')[1].reactions['👍']")).isEqualTo(1);
    }

    @Test
    void shouldFindTheSeqsABroadcastSkippedInALoadedTimelineAndMergeThemFromHistory() {
        // Given bob has the newest page of a read-diffused group (seqs 11..13, older ones left to load)
        js("var s = S.create('bob'); S.applyHistory(s, 'g:big', {has_more: true, events: ["
                + "{seq: 13, event_type: 'MessagePosted', actor_id: 'alice', body: 'm13'},"
                + "{seq: 12, event_type: 'MessagePosted', actor_id: 'alice', body: 'm12'},"
                + "{seq: 11, event_type: 'MessagePosted', actor_id: 'alice', body: 'm11'}]});");

        // Then the next seq is no gap, and neither is a conversation whose timeline is not loaded
        assertThat(js("S.broadcastGap(s, {conversation_id: 'g:big', seq: 14})")).isNull();
        js("S.applyConversationList(s, [{conversation_id: 'g:other', kind: 'GROUP', last_seq: 3}]);");
        assertThat(js("S.broadcastGap(s, {conversation_id: 'g:other', seq: 9})")).isNull();
        assertThat(js("S.broadcastGap(s, {conversation_id: 'g:unknown', seq: 9})")).isNull();

        // When the broadcast of seq 17 comes (14..16 dropped by the edge)
        js("var gap = S.broadcastGap(s, {conversation_id: 'g:big', seq: 17}); S.onItem(s, posted('g:big', 17, 'carol', 'm17'), null);");

        // Then the gap is 14..16, read after 13
        assertThat(js("gap.conversation + ' after ' + gap.after + ' until ' + gap.until")).isEqualTo("g:big after 13 until 16");

        // When history brings 14..17 (17 again), Then the timeline holds 11..17 once each, in order,
        // the page's newest seq is returned, and the older pages are still to load
        js("var got = S.applyNewer(s, 'g:big', {has_more: false, events: ["
                + "{seq: 14, event_type: 'MessagePosted', actor_id: 'dave', body: 'm14'},"
                + "{seq: 15, event_type: 'MessageEdited', actor_id: 'dave', target_seq: 14},"
                + "{seq: 16, event_type: 'MessagePosted', actor_id: 'alice', body: 'm16'},"
                + "{seq: 17, event_type: 'MessagePosted', actor_id: 'carol', body: 'm17'}]});");
        assertThat(num("got.newest")).isEqualTo(17);
        assertThat(num("got.stale.length")).isZero();
        assertThat(js("shown(s, 'g:big')")).isEqualTo("11:alice:m11 | 12:alice:m12 | 13:alice:m13 | 14:dave:m14 | 16:alice:m16 | 17:carol:m17");
        assertThat(js("s.convs['g:big'].hasMore")).isEqualTo(true);
        assertThat(num("s.convs['g:big'].oldestSeq")).isEqualTo(11);
        assertThat(js("S.applyNewer(s, 'g:big', {has_more: false, events: []}).newest")).isNull();
    }

    @Test
    void shouldReadAgainTheMessagesOnScreenThatAMissedChangeActsOn() {
        // Given bob shows 11 and 12 of a read-diffused group
        js("var s = S.create('bob'); S.applyHistory(s, 'g:big', {has_more: false, events: ["
                + "{seq: 11, event_type: 'MessagePosted', actor_id: 'alice', body: 'm11'},"
                + "{seq: 12, event_type: 'MessagePosted', actor_id: 'alice', body: 'm12'}]});");

        // When the gap he reads holds an edit of 12, a reaction to 11 and a recall of a message he does not show
        js("var got = S.applyNewer(s, 'g:big', {has_more: false, events: ["
                + "{seq: 13, event_type: 'MessageEdited', actor_id: 'alice', target_seq: 12},"
                + "{seq: 14, event_type: 'ReactionAdded', actor_id: 'carol', target_seq: 11},"
                + "{seq: 15, event_type: 'MessageRecalled', actor_id: 'alice', target_seq: 3}]});");

        // Then 12 and 11 are to be read again, and nothing changed on screen yet
        assertThat(js("got.stale.join(',')")).isEqualTo("12,11");
        assertThat(js("shown(s, 'g:big')")).isEqualTo("11:alice:m11 | 12:alice:m12");

        // When they are read again as they stand, Then they show the edit and the reaction
        js("S.applyRestated(s, 'g:big', {has_more: true, events: [{seq: 12, event_type: 'MessagePosted', actor_id: 'alice', body: 'm12!', status: 'EDITED'}]});"
                + "S.applyRestated(s, 'g:big', {has_more: true, events: [{seq: 11, event_type: 'MessagePosted', actor_id: 'alice', body: 'm11', reactions: {'👍': 1}}]});");
        assertThat(js("shown(s, 'g:big')")).isEqualTo("11:alice:m11 | 12:alice:m12!");
        assertThat(js("S.timeline(s, 'g:big')[1].status")).isEqualTo("EDITED");
        assertThat(num("S.timeline(s, 'g:big')[0].reactions['👍']")).isEqualTo(1);
    }

    @Test
    void shouldCatchUpTheLoadedTimelinesTheConversationListShowsBehindAfterAReconnect() {
        // Given bob's page has two loaded timelines (a big group up to 5, a chat up to 2) and a group not loaded
        js("var s = S.create('bob');"
                + "S.applyHistory(s, 'g:big', {has_more: false, events: [{seq: 5, event_type: 'MessagePosted', actor_id: 'alice', body: 'm5'}]});"
                + "S.applyHistory(s, 'dm:alice:bob', {has_more: false, events: [{seq: 2, event_type: 'MessagePosted', actor_id: 'alice', body: 'hi'}]});");
        assertThat(num("S.behindList(s).length")).isEqualTo(0);

        // When the list, read again on reconnect, says the big group is at 9 (with 4 unread), the chat at 2, the other group at 7
        js("S.applyConversationList(s, ["
                + "{conversation_id: 'g:big', kind: 'GROUP', last_seq: 9, read_seq: 5, unread: 4, last_message_preview: 'm9', last_message_sender: 'carol'},"
                + "{conversation_id: 'dm:alice:bob', kind: 'DIRECT', last_seq: 2, read_seq: 2, unread: 0},"
                + "{conversation_id: 'g:other', kind: 'GROUP', last_seq: 7, read_seq: 0, unread: 7}]);");

        // Then only the big group is to catch up, after 5 up to 9, and its list entry is already right
        assertThat(js("S.behindList(s).map(function (g) { return g.conversation + ' ' + g.after + '..' + g.until; }).join(',')"))
                .isEqualTo("g:big 5..9");
        assertThat(js("s.convs['g:big'].preview + ' ' + s.convs['g:big'].unread")).isEqualTo("m9 4");

        // When history brings 6..9, Then nothing is behind any more and a read receipt up to 9 is due
        js("var page = {has_more: false, events: []};"
                + "for (var i = 6; i <= 9; i++) { page.events.push({seq: i, event_type: 'MessagePosted', actor_id: 'carol', body: 'm' + i}); }"
                + "S.applyNewer(s, 'g:big', page);");
        assertThat(num("S.behindList(s).length")).isEqualTo(0);
        assertThat(js("shown(s, 'g:big')")).isEqualTo("5:alice:m5 | 6:carol:m6 | 7:carol:m7 | 8:carol:m8 | 9:carol:m9");
        assertThat(num("S.readDue(s, 'g:big')")).isEqualTo(9);
    }

    @Test
    void shouldShowWhoIsTypingUntilTheyStopOrGoQuiet() {
        js("var s = S.create('alice'); S.onTyping(s, {conversation_id: 'g:1', user_id: 'bob', typing: true}, 1000);"
                + "S.onTyping(s, {conversation_id: 'g:1', user_id: 'carol', typing: true}, 1000);");
        assertThat(js("S.typingIn(s, 'g:1', 2000).join(',')")).isEqualTo("bob,carol");
        js("S.onTyping(s, {conversation_id: 'g:1', user_id: 'carol', typing: false}, 3000);");
        assertThat(js("S.typingIn(s, 'g:1', 3000).join(',')")).isEqualTo("bob");
        assertThat(js("S.typingIn(s, 'g:1', 8000).join(',')")).isEqualTo("");
    }

    private Object js(String code) {
        Object v = cx.evaluateString(scope, code, "test", 1, null);
        return v instanceof CharSequence ? v.toString() : v == null || v instanceof org.mozilla.javascript.Undefined ? null : v;
    }

    private long num(String code) {
        return ((Number) js(code)).longValue();
    }

    /** An unsigned JWT-shaped token for a user: the page reads only its subject. */
    private static String token(String user) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"sub\":\"" + user + "\",\"exp\":4102444800}").getBytes(StandardCharsets.UTF_8)) + ".sig";
    }

    private static String resource(String file) throws IOException {
        try (InputStream in = WebClientStateTest.class.getResourceAsStream(WebClient.FOLDER + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
