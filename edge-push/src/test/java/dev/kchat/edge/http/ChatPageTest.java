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
 * The chat page's script, run in Rhino over a stand-in of the few browser objects it uses (the
 * elements, localStorage, WebSocket): which SyncKey it says hello with, per user and device.
 */
class ChatPageTest {

    /** The browser: elements by id, a localStorage, and every WebSocket the page opened with what it sent. */
    private static final String BROWSER = """
            var elements = {};
            var document = {
              getElementById: function (id) {
                if (!elements[id]) { elements[id] = {id: id, value: '', textContent: '', append: function () {}}; }
                return elements[id];
              },
              createElement: function () { return {}; }
            };
            var storage = {};
            var localStorage = {
              getItem: function (k) { return storage.hasOwnProperty(k) ? storage[k] : null; },
              setItem: function (k, v) { storage[k] = String(v); }
            };
            var sockets = [];
            function WebSocket(url) { this.url = url; this.sent = []; this.readyState = 1; sockets.push(this); }
            WebSocket.prototype.send = function (text) { this.sent.push(JSON.parse(text)); };
            var location = {host: 'edge.test:8090'};
            function setInterval() {}
            function atob(s) { return String(new java.lang.String(java.util.Base64.getDecoder().decode(s), 'UTF-8')); }
            document.getElementById('device').value = 'web';
            function connectAs(token, device) {
              $('token').value = token; $('device').value = device; $('connect').onclick();
              var ws = sockets[sockets.length - 1]; ws.onopen(); return ws.sent[0].since_inbox_seq;
            }
            function receive(frame) { sockets[sockets.length - 1].onmessage({data: JSON.stringify(frame)}); }
            function event(seq) {
              return {type: 'event', inbox_seq: seq, entry: {item: {conversation_id: 'dm:alice:bob', seq: seq, actor_id: 'bob',
                  payload: {type: 'MessagePosted', body: 'hi'}}}};
            }
            """;

    private Context cx;
    private Scriptable page;

    @BeforeEach
    void loadThePage() throws IOException {
        cx = Context.enter();
        cx.setLanguageVersion(Context.VERSION_ES6);
        page = cx.initStandardObjects();
        cx.evaluateString(page, BROWSER, "browser", 1, null);
        cx.evaluateString(page, script(), "chat.html", 1, null);
    }

    @AfterEach
    void exit() {
        Context.exit();
    }

    @Test
    void shouldKeepOneSyncKeyPerUserAndDevice() {
        // Given alice's web device has seen inbox seq 7
        assertThat(helloSince(token("alice"), "web")).isEqualTo(0);
        js("receive(event(6)); receive(event(7));");

        // When bob connects in the same browser, Then he starts from his own SyncKey, not alice's
        assertThat(helloSince(token("bob"), "web")).isEqualTo(0);
        js("receive(event(2));");

        // And alice's other device has its own, and alice's web device resumes at 7
        assertThat(helloSince(token("alice"), "laptop")).isEqualTo(0);
        assertThat(helloSince(token("alice"), "web")).isEqualTo(7);
        assertThat(helloSince(token("bob"), "web")).isEqualTo(2);
    }

    @Test
    void shouldResumeAtTheRealHeadAfterSyncKeyAhead() {
        // Given a device told its SyncKey is ahead of its inbox
        helloSince(token("carol"), "web");
        js("receive(event(40)); receive({type: 'error', code: 'sync_key_ahead', message: 'ahead', inbox_seq: 3});");

        // When it connects again, Then it says hello with the head it was given
        assertThat(helloSince(token("carol"), "web")).isEqualTo(3);
    }

    private long helloSince(String token, String device) {
        return ((Number) js("connectAs('" + token + "', '" + device + "')")).longValue();
    }

    private Object js(String code) {
        return cx.evaluateString(page, code, "test", 1, null);
    }

    /** An unsigned JWT-shaped token for a user: the page reads only its subject. */
    private static String token(String user) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"sub\":\"" + user + "\",\"exp\":4102444800}").getBytes(StandardCharsets.UTF_8)) + ".sig";
    }

    private static String script() throws IOException {
        try (InputStream in = ChatPageTest.class.getResourceAsStream(ChatPage.RESOURCE)) {
            String html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return html.substring(html.indexOf("<script>") + "<script>".length(), html.indexOf("</script>"));
        }
    }
}
