package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the load client, kept by kind so a run's errors can be told apart in its report. */
public final class ClientStats {

    final LongAdder connects = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder redirects = new LongAdder();
    final LongAdder framesIn = new LongAdder();
    final LongAdder events = new LongAdder();
    final LongAdder broadcasts = new LongAdder();
    final LongAdder sendsOut = new LongAdder();
    final LongAdder sendFailures = new LongAdder();
    final LongAdder sentAcks = new LongAdder();
    final LongAdder acksOut = new LongAdder();
    final LongAdder seqRegressions = new LongAdder();
    final LongAdder typingIn = new LongAdder();
    final LongAdder typingOut = new LongAdder();
    private final Map<String, LongAdder> errorCodes = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> closeCodes = new ConcurrentHashMap<>();
    /** Closes by code, the edge's port and the connection's age: tells which edge dropped what, when. */
    private final Map<String, LongAdder> closeDetail = new ConcurrentHashMap<>();

    void error(String code) {
        errorCodes.computeIfAbsent(code == null ? "unknown" : code, k -> new LongAdder()).increment();
    }

    void closedByServer(int code, String edgeUrl, long ageMillis) {
        closeCodes.computeIfAbsent(code, k -> new LongAdder()).increment();
        String edge = edgeUrl == null ? "?" : edgeUrl.replaceFirst("^ws://[^:]*:", "").replace("/v1/ws", "");
        String age = ageMillis < 1_000 ? "<1s" : ageMillis < 10_000 ? "1-10s" : ageMillis < 60_000 ? "10-60s" : ">=60s";
        closeDetail.computeIfAbsent(code + " edge:" + edge + " age:" + age, k -> new LongAdder()).increment();
    }

    /** Error frames plus failed connects and sends plus inbox order violations. */
    public long errors() {
        long frames = errorCodes.values().stream().mapToLong(LongAdder::sum).sum();
        return frames + connectFailures.sum() + sendFailures.sum() + seqRegressions.sum();
    }

    public long connects() {
        return connects.sum();
    }

    public long events() {
        return events.sum();
    }

    public ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode()
                .put("connects", connects.sum()).put("connect_failures", connectFailures.sum())
                .put("reconnects", reconnects.sum()).put("redirects", redirects.sum()).put("frames_in", framesIn.sum()).put("events", events.sum())
                .put("broadcasts", broadcasts.sum()).put("sends", sendsOut.sum()).put("send_failures", sendFailures.sum())
                .put("sent_acks", sentAcks.sum()).put("acks", acksOut.sum()).put("inbox_seq_regressions", seqRegressions.sum())
                .put("typing_out", typingOut.sum()).put("typing_in", typingIn.sum());
        ObjectNode errors = o.putObject("error_frames");
        new TreeMap<>(errorCodes).forEach((k, v) -> errors.put(k, v.sum()));
        ObjectNode closes = o.putObject("server_closes");
        new TreeMap<>(closeCodes).forEach((k, v) -> closes.put(String.valueOf(k), v.sum()));
        ObjectNode detail = o.putObject("server_closes_by_edge_and_age");
        new TreeMap<>(closeDetail).forEach((k, v) -> detail.put(k, v.sum()));
        return o;
    }
}
