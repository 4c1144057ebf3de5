package dev.kchat.edge.servers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.api.ApiJson;
import dev.kchat.edge.live.LiveSubscriber;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A connection that keeps every frame it is sent, parsed; drops a broadcast seq it already got, as a session does. */
final class RecordingViewer implements LiveSubscriber {

    private final String userId;
    private final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    private final Map<String, Long> lastBroadcastSeq = new HashMap<>();

    RecordingViewer(String userId) {
        this.userId = userId;
    }

    @Override
    public String userId() {
        return userId;
    }

    @Override
    public synchronized void sendBroadcast(String conversationId, long seq, String frame) {
        Long last = lastBroadcastSeq.get(conversationId);
        if (last != null && seq <= last) {
            return;
        }
        lastBroadcastSeq.put(conversationId, seq);
        frames.add(parse(frame));
    }

    @Override
    public void sendLive(String frame) {
        frames.add(parse(frame));
    }

    List<JsonNode> frames() {
        return frames;
    }

    /** The frames of that type, in order. */
    List<JsonNode> ofType(String type) {
        return frames.stream().filter(f -> f.path("type").asText().equals(type)).toList();
    }

    /** The bodies of the MessagePosted broadcasts received, in order. */
    List<String> bodies() {
        return ofType("broadcast").stream().map(f -> f.at("/event/payload/body")).filter(JsonNode::isTextual)
                .map(JsonNode::asText).toList();
    }

    /** The types of the frames received, in order ({@code broadcast:<payload type>} for broadcasts). */
    List<String> kinds() {
        return frames.stream().map(f -> f.path("type").asText().equals("broadcast")
                ? "broadcast:" + f.at("/event/payload/type").asText() : f.path("type").asText()).toList();
    }

    private static JsonNode parse(String frame) {
        try {
            return ApiJson.JSON.readTree(frame);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "RecordingViewer[" + userId + "]";
    }
}
