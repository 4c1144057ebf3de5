package dev.kchat.moderation.job;

import dev.kchat.events.moderation.ModerationStats;
import dev.kchat.events.moderation.Severity;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessAllWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Per-minute counts for {@code moderation.stats}: content inspected (chat messages, moments),
 * verdicts by rule and severity, actions. Counted incrementally in an event-time tumbling window
 * over all subtasks (a few counters, so one task is plenty), emitted when the watermark passes the
 * window's end.
 */
public final class Stats {

    private Stats() {
    }

    /** One thing to count. */
    public record Event(Kind kind, String rule, Severity severity) {

        public enum Kind { MESSAGE, MOMENT, VERDICT, ACTION }

        public static Event of(Content content) {
            return new Event(content.kind() == Content.Kind.CHAT ? Kind.MESSAGE : Kind.MOMENT, null, null);
        }

        public static Event of(Detection detection) {
            return new Event(Kind.VERDICT, detection.rule(), detection.severity());
        }

        public static Event of(Enforcement action) {
            return new Event(Kind.ACTION, null, null);
        }
    }

    /** The running counts of a window (a Flink POJO). */
    public static final class Counts {
        public long messages;
        public long moments;
        public long verdicts;
        public long actions;
        public HashMap<String, Long> byRule = new HashMap<>();
        public HashMap<String, Long> bySeverity = new HashMap<>();

        public Counts() {
        }
    }

    /**
     * A window's counts, as written to {@code moderation.stats}.
     *
     * @param start window start, epoch ms (the topic key, as ISO-8601)
     * @param end   window end, epoch ms, exclusive
     */
    public record Window(long start, long end, Counts counts) {

        /** The topic key: the window start in ISO-8601. */
        public String key() {
            return Instant.ofEpochMilli(start).toString();
        }

        public ModerationStats toStats() {
            return ModerationStats.newBuilder()
                    .setWindowStart(Instant.ofEpochMilli(start))
                    .setWindowEnd(Instant.ofEpochMilli(end))
                    .setMessages(counts.messages)
                    .setMoments(counts.moments)
                    .setVerdicts(counts.verdicts)
                    .setActions(counts.actions)
                    .setVerdictsByRule(Map.copyOf(counts.byRule))
                    .setVerdictsBySeverity(Map.copyOf(counts.bySeverity))
                    .build();
        }
    }

    /** Counts events into {@link Counts}. */
    public static final class Count implements AggregateFunction<Event, Counts, Counts> {
        private static final long serialVersionUID = 1L;

        @Override
        public Counts createAccumulator() {
            return new Counts();
        }

        @Override
        public Counts add(Event event, Counts c) {
            switch (event.kind()) {
                case MESSAGE -> c.messages++;
                case MOMENT -> c.moments++;
                case ACTION -> c.actions++;
                case VERDICT -> {
                    c.verdicts++;
                    c.byRule.merge(event.rule(), 1L, Long::sum);
                    c.bySeverity.merge(event.severity().name(), 1L, Long::sum);
                }
            }
            return c;
        }

        @Override
        public Counts getResult(Counts c) {
            return c;
        }

        @Override
        public Counts merge(Counts a, Counts b) {
            a.messages += b.messages;
            a.moments += b.moments;
            a.verdicts += b.verdicts;
            a.actions += b.actions;
            b.byRule.forEach((k, v) -> a.byRule.merge(k, v, Long::sum));
            b.bySeverity.forEach((k, v) -> a.bySeverity.merge(k, v, Long::sum));
            return a;
        }
    }

    /** Puts the window's bounds on its counts. */
    public static final class Emit extends ProcessAllWindowFunction<Counts, Window, TimeWindow> {
        private static final long serialVersionUID = 1L;

        @Override
        public void process(Context context, Iterable<Counts> counts, Collector<Window> out) {
            TimeWindow w = context.window();
            counts.forEach(c -> out.collect(new Window(w.getStart(), w.getEnd(), c)));
        }
    }
}
