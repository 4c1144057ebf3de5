package dev.kchat.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A WebSocket client written by hand on a plain socket, for the one thing the JDK client cannot do:
 * stop reading. The JDK client's flow control still drains the socket into its own buffers, so the
 * edge never sees a slow client; this one reads only when the test asks, over a small receive buffer.
 */
final class RawWsClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int OP_CONTINUATION = 0x0;
    private static final int OP_TEXT = 0x1;
    private static final int OP_BINARY = 0x2;
    private static final int OP_CLOSE = 0x8;
    private static final int OP_PING = 0x9;

    /** One message from the edge: a text frame, or the close frame with its code. */
    record Frame(JsonNode json, int closeCode) {
        boolean isClose() {
            return json == null;
        }

        String type() {
            return json == null ? "close" : json.path("type").asText();
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWsClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = socket.getOutputStream();
    }

    /** Connects, upgrades to WebSocket with the bearer token, and fails unless the edge answers 101. */
    static RawWsClient connect(String edgeUrl, String token, int receiveBufferBytes) throws IOException {
        URI uri = URI.create(edgeUrl);
        Socket socket = new Socket();
        socket.setReceiveBufferSize(receiveBufferBytes); // before connect, so the TCP window starts small
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
        socket.setSoTimeout(30_000);
        RawWsClient client = new RawWsClient(socket);
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        String request = "GET " + uri.getRawPath() + " HTTP/1.1\r\n"
                + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "Authorization: Bearer " + token + "\r\n\r\n";
        client.out.write(request.getBytes(StandardCharsets.US_ASCII));
        client.out.flush();
        String head = client.readHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            client.close();
            throw new IOException("upgrade refused: " + head);
        }
        return client;
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed during the upgrade: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    /** Sends one text frame, masked as clients must. */
    void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        sendFrameStart(OP_TEXT, payload.length, payload);
    }

    /** Sends one binary frame. */
    void sendBinary(byte[] payload) throws IOException {
        sendFrameStart(OP_BINARY, payload.length, payload);
    }

    /**
     * Sends the header of a text frame announcing {@code declaredLength} bytes, then only the first
     * bytes of its payload ({@code start}): what a peer sees of a huge frame still on its way.
     */
    void sendTextStart(long declaredLength, byte[] start) throws IOException {
        sendFrameStart(OP_TEXT, declaredLength, start);
    }

    private void sendFrameStart(int opcode, long declaredLength, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | opcode);
        if (declaredLength < 126) {
            frame.write(0x80 | (int) declaredLength);
        } else if (declaredLength < 65_536) {
            frame.write(0x80 | 126);
            frame.write((int) (declaredLength >>> 8));
            frame.write((int) (declaredLength & 0xff));
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) (declaredLength >>> shift) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Reads the next message (blocking up to the socket timeout); pings are skipped. */
    Frame read() throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        int messageOpcode = -1;
        while (true) {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0f;
            long length = b1 & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] mask = null;
            if ((b1 & 0x80) != 0) {
                mask = new byte[4];
                in.readFully(mask);
            }
            byte[] payload = new byte[Math.toIntExact(length)];
            in.readFully(payload);
            if (mask != null) {
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i % 4];
                }
            }
            if (opcode == OP_CLOSE) {
                int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                return new Frame(null, code);
            }
            if (opcode == OP_PING) {
                continue;
            }
            if (opcode != OP_CONTINUATION) {
                messageOpcode = opcode;
            }
            message.write(payload);
            if (fin) {
                if (messageOpcode != OP_TEXT) {
                    throw new IOException("unexpected opcode " + messageOpcode);
                }
                return new Frame(JSON.readTree(message.toString(StandardCharsets.UTF_8)), 0);
            }
        }
    }

    /** Reads until a frame of this type arrives (or the close frame), and returns it. */
    Frame readUntil(String type) throws IOException {
        while (true) {
            Frame f = read();
            if (f.isClose() || f.type().equals(type)) {
                return f;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
