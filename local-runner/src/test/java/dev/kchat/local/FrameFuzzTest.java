package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kchat.api.fuzz.FuzzInputs;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.localkafka.TopicReader;
import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Property-based tests of the WebSocket frames (issue 15) on a real edge (the local platform in this
 * JVM): after {@code hello}, any text frame (random and mutated JSON, huge and deep values, random
 * Unicode) or binary frame is answered with frames or a close with a close code, never a connection
 * dropped without one; a connection that is not closed still answers {@code ping}; the only commands
 * that reach Kafka are the sends the edge acknowledged with {@code sent} (checked against a marker
 * sent last); and the edge still takes a new connection and a send at the end. Each try is a new connection of a new user (the
 * per-user connect limit is 60 a minute).
 */
class FrameFuzzTest {

    private static final List<String> VALID = List.of(
            "{\"type\":\"send\",\"conversation_id\":\"g-wsfuzz\",\"client_msg_id\":\"k-1\",\"body\":\"hi\",\"reply_to_seq\":null,\"mentions\":[],\"attachments\":[]}",
            "{\"type\":\"ack\",\"inbox_seq\":1}", "{\"type\":\"read\",\"conversation_id\":\"g-wsfuzz\",\"seq\":1}",
            "{\"type\":\"typing\",\"conversation_id\":\"g-wsfuzz\",\"typing\":true}", "{\"type\":\"set_status\",\"status\":\"idle\"}",
            "{\"type\":\"subscribe_presence\",\"users\":[\"bob\"]}", "{\"type\":\"ping\"}",
            "{\"type\":\"view_channel\",\"server_id\":\"sv:fuzz\",\"channel_id\":\"sv:fuzz:c1\"}",
            "{\"type\":\"unview_channel\",\"channel_id\":\"sv:fuzz:c1\"}",
            "{\"type\":\"subscribe_members\",\"server_id\":\"sv:fuzz\",\"ranges\":[[0,99],[100,199]]}",
            "{\"type\":\"unsubscribe_members\",\"server_id\":\"sv:fuzz\"}",
            "{\"type\":\"hello\",\"device_id\":\"d2\",\"since_inbox_seq\":0}");
    /** Close codes the protocol names (docs/edge-protocol.md) for a client's own frames. */
    private static final List<Integer> CLOSE_CODES = List.of(1003, 1009, 4400, 4401, 4008, 4009);
    private static final AtomicInteger USERS = new AtomicInteger();
    /** Sends the edge acknowledged ({@code sent}) during the tries. */
    private static final AtomicInteger SENT = new AtomicInteger();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static Path dataDir;
    private static LocalPlatform platform;

    @BeforeContainer
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("kchat-frame-fuzz-");
        platform = TestPlatforms.start(dataDir, Map.of("limits.rate.send.user", "off", "limits.rate.typing.user", "off"));
    }

    @AfterContainer
    static void stop() throws Exception {
        try {
            // The edge is still healthy: a new user connects, is replayed and sends the marker, after every try
            try (RawWsClient marker = hello("fzmarker")) {
                marker.sendText(VALID.get(0).replace("k-1", "fuzz-marker"));
                assertThat(marker.readUntil("sent").type()).isEqualTo("sent");
            }
            try (TopicReader<String, ChatCommand> commands = new TopicReader<>(platform.bootstrapServers(), platform.topics().commands())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> commands.poll().stream().map(ConsumerRecord::value)
                        .anyMatch(c -> c.getPayload() instanceof SendMessage s && s.getClientMsgId().equals("fuzz-marker")));
                long fromTries = commands.values().stream().filter(c -> c.getSenderId().startsWith("fz") && !c.getSenderId().equals("fzmarker"))
                        .count();
                assertThat(fromTries).as("commands produced by the fuzzed connections").isEqualTo(SENT.get());
            }
        } finally {
            platform.close();
        }
    }

    private static RawWsClient hello(String user) throws Exception {
        RawWsClient ws = RawWsClient.connect(platform.edgeUrl(), platform.token(user, Duration.ofHours(1)), 65_536);
        ws.sendText("{\"type\":\"hello\",\"device_id\":\"d1\",\"since_inbox_seq\":0}");
        assertThat(ws.readUntil("ready").type()).isEqualTo("ready");
        return ws;
    }

    @Provide
    Arbitrary<String> frames() {
        return FuzzInputs.texts(VALID, 70_000);
    }

    @Property(tries = 60)
    void shouldAnswerAnyTextFrameAndCloseOnlyWithACode(@ForAll("frames") String frame) throws Exception {
        try (RawWsClient ws = hello("fz" + USERS.incrementAndGet())) {
            ws.sendText(frame);
            ws.sendText("{\"type\":\"ping\"}");
            assertAnsweredUntilPongOrClosedWithACode(ws, isSend(frame));
        }
    }

    @Property(tries = 20)
    void shouldRefuseAnyBinaryFrameWith1003(@ForAll("binary") byte[] payload) throws Exception {
        try (RawWsClient ws = hello("fz" + USERS.incrementAndGet())) {
            ws.sendBinary(payload);
            RawWsClient.Frame error = ws.readUntil("error");
            assertThat(error.json().path("code").asText()).isEqualTo("binary_not_supported");
            assertThat(ws.readUntil("never").closeCode()).isEqualTo(1003);
        }
    }

    @Provide
    Arbitrary<byte[]> binary() {
        return FuzzInputs.bytes(2_000);
    }

    /**
     * Whether a frame is a JSON object of type {@code send}: its answer ({@code sent} once Kafka has
     * the command, or an {@code error}) is written when the produce completes, which may be after the
     * {@code pong} of the ping sent behind it.
     */
    private static boolean isSend(String frame) {
        try {
            return JSON.readTree(frame).path("type").asText().equals("send");
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads until the pong (and, for a send, until its {@code sent} or {@code error} too), counting
     * acknowledged sends; a close must carry a protocol close code.
     */
    private static void assertAnsweredUntilPongOrClosedWithACode(RawWsClient ws, boolean send) throws Exception {
        boolean ponged = false;
        boolean answered = !send;
        while (!(ponged && answered)) {
            RawWsClient.Frame f;
            try {
                f = ws.read();
            } catch (EOFException dropped) {
                throw new AssertionError("the edge dropped the connection without a close frame", dropped);
            }
            if (f.isClose()) {
                assertThat(f.closeCode()).isIn(CLOSE_CODES);
                return;
            }
            if (f.type().equals("sent")) {
                SENT.incrementAndGet();
                answered = true;
            } else if (f.type().equals("error")) {
                answered = true;
            } else if (f.type().equals("pong")) {
                ponged = true;
            }
        }
    }
}
