package dev.kchat.edge.load;

import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.List;

/**
 * When an edge sheds load, from settings ({@code edge.shed.*}). A signal at or above its threshold
 * is overload; all of them below {@value #CALM_FRACTION} of theirs is calm.
 *
 * @param delay         inbox entries reach this edge this long after their event (the pipeline is behind)
 * @param inboxLag      records this edge's inbox consumer is behind the end of its partitions
 * @param queuedFrames  frames queued to all of this edge's connections, not yet flushed
 * @param cpu           the machine's CPU load, 0..1; 1 or more turns the signal off (the default: on a
 *                      host shared with other processes, a busy CPU is not this edge's overload)
 * @param checkInterval how often the signals are read; overload raises the level one step per check
 * @param recoverAfter  calm for this long lowers the level one step
 * @param receiptDelay  while receipts are coalesced, each (device, conversation) sends at most one this often
 */
public record ShedConfig(Duration delay, long inboxLag, long queuedFrames, double cpu, Duration checkInterval,
        Duration recoverAfter, Duration receiptDelay) {

    /** A signal below this fraction of its threshold is calm. */
    public static final double CALM_FRACTION = 0.5;

    public static final List<String[]> DOCUMENTED = List.of(
            new String[] {"edge.shed.delay", "2s", "overload: inbox entries reach the edge this long after their event"},
            new String[] {"edge.shed.inbox.lag", "20000", "overload: the edge's inbox consumer is this many records behind"},
            new String[] {"edge.shed.queued.frames", "200000", "overload: frames queued to all connections, unflushed"},
            new String[] {"edge.shed.cpu", "1.0", "overload: machine CPU load (0..1) at or above this; 1.0 = off"},
            new String[] {"edge.shed.check.interval", "500ms", "signals read this often; overload sheds one more kind per check"},
            new String[] {"edge.shed.recover.after", "5s", "calm (every signal under half its threshold) this long sheds one kind less"},
            new String[] {"edge.shed.receipt.delay", "5s", "while receipts are coalesced: at most one per device and conversation this often"});

    /** Never sheds: tests that assert typing and presence frames, whatever the machine's state. */
    public static final ShedConfig OFF = new ShedConfig(Duration.ofDays(365), Long.MAX_VALUE, Long.MAX_VALUE, 2.0,
            Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5));

    public static ShedConfig from(Settings s) {
        return new ShedConfig(
                s.duration("edge.shed.delay", Duration.ofSeconds(2)),
                s.longValue("edge.shed.inbox.lag", 20_000),
                s.longValue("edge.shed.queued.frames", 200_000),
                fraction(s, "edge.shed.cpu", "1.0"),
                s.duration("edge.shed.check.interval", Duration.ofMillis(500)),
                s.duration("edge.shed.recover.after", Duration.ofSeconds(5)),
                s.duration("edge.shed.receipt.delay", Duration.ofSeconds(5)));
    }

    private static double fraction(Settings s, String key, String defaultValue) {
        String value = s.string(key, defaultValue);
        try {
            double d = Double.parseDouble(value);
            if (d < 0 || Double.isNaN(d)) {
                throw new NumberFormatException("negative");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new Settings.ConfigException(key, "must be a number from 0 (1.0 or more: off), was " + value);
        }
    }
}
