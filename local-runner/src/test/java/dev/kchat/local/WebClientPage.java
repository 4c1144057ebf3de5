package dev.kchat.local;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/** The edge's web client in one browser, as one user sees it: what a test does and reads on the page. */
final class WebClientPage implements AutoCloseable {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /**
     * Put in front of the page's WebSocket before its scripts run: {@code kchatTestNet.cut()} closes
     * the page's connections and fails every new one (as a dead network would) until {@code
     * restore()}; {@code dropBroadcasts} swallows incoming {@code broadcast} frames (as an edge
     * dropping them for a slow connection would), counting them in {@code dropped}.
     */
    private static final String SOCKET_SWITCH = """
            (function () {
              var Native = window.WebSocket, sockets = [];
              var net = window.kchatTestNet = {down: false, dropBroadcasts: false, dropped: 0};
              net.cut = function () { net.down = true; sockets.forEach(function (s) { s.close(4000, 'cut by the test'); }); };
              net.restore = function () { net.down = false; };
              var onmessage = Object.getOwnPropertyDescriptor(Native.prototype, 'onmessage');
              function Switched(url, protocols) {
                if (net.down) {
                  var dead = {readyState: 3, send: function () {}, close: function () {}};
                  setTimeout(function () { if (dead.onclose) { dead.onclose({code: 1006, reason: 'network cut by the test'}); } }, 0);
                  return dead;
                }
                var s = protocols === undefined ? new Native(url) : new Native(url, protocols);
                sockets.push(s);
                Object.defineProperty(s, 'onmessage', {configurable: true,
                  get: function () { return onmessage.get.call(s); },
                  set: function (h) {
                    onmessage.set.call(s, function (m) {
                      if (net.dropBroadcasts && JSON.parse(m.data).type === 'broadcast') { net.dropped++; return; }
                      h.call(s, m);
                    });
                  }});
                return s;
              }
              Switched.prototype = Native.prototype;
              ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (k) { Switched[k] = Native[k]; });
              window.WebSocket = Switched;
            }());
            """;

    private final ChromeDriver driver;
    private final String user;

    private WebClientPage(ChromeDriver driver, String user) {
        this.driver = driver;
        this.user = user;
    }

    /** Opens the page in a new browser and signs in with a token as a device; returns once the edge says ready. */
    static WebClientPage signIn(String pageUrl, String user, String token, String device) {
        WebClientPage page = new WebClientPage(HeadlessChromium.start(), user);
        page.driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", java.util.Map.of("source", SOCKET_SWITCH));
        page.driver.get(pageUrl);
        page.type("token", token);
        page.byId("device").clear();
        page.type("device", device);
        page.byId("signin-go").click();
        page.waitFor("the connection of " + user + " live", () -> page.text("conn").equals("live"));
        return page;
    }

    WebElement byId(String id) {
        return driver.findElement(By.id(id));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    String text(String id) {
        return byId(id).getText();
    }

    void type(String id, String text) {
        byId(id).sendKeys(text);
    }

    /** Clicks the first element matching (found again if the page re-rendered it in between). */
    void click(String css) {
        waitFor("a click on " + css, () -> {
            driver.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    /** An attribute of the first element matching (read again if the page re-rendered it in between). */
    String attribute(String css, String name) {
        String[] value = new String[1];
        waitFor(name + " of " + css, () -> (value[0] = driver.findElement(By.cssSelector(css)).getAttribute(name)) != null);
        return value[0];
    }

    /** Types into the composer and presses Send. */
    void send(String text) {
        type("text", text);
        byId("send").click();
    }

    /** The conversation of that id in the list (clicked: opened). */
    void open(String conversationId) {
        click("li.conv[data-id='" + conversationId + "']");
        waitFor(conversationId + " open", () -> !all("li.conv.open[data-id='" + conversationId + "']").isEmpty());
    }

    /** The text of the first element matching, or "" if there is none. */
    String first(String css) {
        List<WebElement> found = all(css);
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    /** Reloads the page: the client signs in again from this tab's session and resumes from its SyncKey. */
    void reload() {
        driver.navigate().refresh();
        waitFor("the connection of " + user + " live again", () -> text("conn").equals("live"));
    }

    /** Cuts the page's network: its WebSocket closes, and every reconnect fails until {@link #restoreConnection}. */
    void cutConnection() {
        script("kchatTestNet.cut();");
        waitFor("the connection of " + user + " down", () -> !text("conn").equals("live"));
    }

    /** Lets the page reconnect (at its next try, after its backoff); returns once the edge says ready. */
    void restoreConnection() {
        script("kchatTestNet.restore();");
        waitFor("the connection of " + user + " live again", () -> text("conn").equals("live"));
    }

    /** Whether the page swallows the broadcast frames it receives (see {@link #broadcastsDropped}). */
    void dropBroadcasts(boolean drop) {
        script("kchatTestNet.dropBroadcasts = " + drop + ";");
    }

    /** How many broadcast frames the page swallowed. */
    long broadcastsDropped() {
        return ((Number) script("return kchatTestNet.dropped;")).longValue();
    }

    /** Waits until the condition holds (elements re-rendered while read are read again). */
    void waitFor(String what, Callable<Boolean> condition) {
        await(user + ": " + what).atMost(DEADLINE).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(condition);
    }

    /** Runs a script in the page (scrolling, reading state the page does not show). */
    Object script(String js) {
        return driver.executeScript(js);
    }

    /** Saves what the page shows now as a PNG (to look at it: {@code -Dwebclient.screenshots=DIR}). */
    void screenshot(java.nio.file.Path file) throws java.io.IOException {
        java.nio.file.Files.write(file, driver.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
    }

    @Override
    public void close() {
        driver.quit();
    }
}
