package dev.kchat.moderation.job;

import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.moderation.Verdicts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * What the job does about a verdict (docs/moderation.md, "Action policy"):
 *
 * <ul>
 *   <li>a dictionary match of at least the redact severity (default HIGH) redacts the chat message
 *       and mutes its sender for the dictionary's {@code mute} (default
 *       {@code moderation.sensitive.mute}, 1 h); a moment is not redacted (routing redacts chat
 *       messages only), its author is muted; lesser matches are verdicts only;</li>
 *   <li>a rate burst mutes the sender for {@code moderation.burst.mute} (10 min);</li>
 *   <li>a flood mutes the sender for {@code moderation.flood.mute} (1 h);</li>
 *   <li>stranger spam mutes the sender for {@code moderation.stranger.mute} (10 min);</li>
 *   <li>a mute of zero is no mute. The job never unmutes: a mute ends at its {@code until}, and an
 *       admin may unmute earlier.</li>
 * </ul>
 *
 * <p>A mute runs from the verdict's event time, not the wall clock, and action ids are name-based
 * UUIDs of the verdict id and the action type: replaying the same input gives the same actions.
 */
public final class ActionPolicy {

    /** The policy's decision for one verdict. */
    public record Decision(long muteMillis, boolean redact) {
        public static final Decision NONE = new Decision(0, false);
    }

    private final Duration burstMute;
    private final Duration floodMute;
    private final Duration strangerMute;
    private final Duration sensitiveMute;
    private final Severity redactSeverity;
    private final Map<String, Duration> dictionaryMutes;

    /**
     * @param dictionaryMutes a dictionary's own mute (its {@code mute} param), by rule id
     */
    public ActionPolicy(Duration burstMute, Duration floodMute, Duration strangerMute, Duration sensitiveMute,
            Severity redactSeverity, Map<String, Duration> dictionaryMutes) {
        this.burstMute = burstMute;
        this.floodMute = floodMute;
        this.strangerMute = strangerMute;
        this.sensitiveMute = sensitiveMute;
        this.redactSeverity = redactSeverity;
        this.dictionaryMutes = Map.copyOf(dictionaryMutes);
    }

    /** What to do about this verdict. */
    public Decision decide(Verdict verdict) {
        return switch (verdict.getRule()) {
            case Verdicts.RATE_BURST -> new Decision(burstMute.toMillis(), false);
            case Verdicts.FLOOD -> new Decision(floodMute.toMillis(), false);
            case Verdicts.STRANGER_SPAM -> new Decision(strangerMute.toMillis(), false);
            default -> verdict.getSeverity().ordinal() >= redactSeverity.ordinal()
                    ? new Decision(dictionaryMutes.getOrDefault(verdict.getRule(), sensitiveMute).toMillis(),
                            verdict.getRef() instanceof ChatMessageRef)
                    : Decision.NONE;
        };
    }

    /** The actions a detection carries: a redaction, then a mute, as the decision says. */
    public static List<Enforcement> actions(Detection d) {
        List<Enforcement> out = new ArrayList<>(2);
        String reason = d.rule() + " (" + d.severity() + ")";
        if (d.redact() && d.isAboutChatMessage()) {
            out.add(new Enforcement(actionId(d.verdictId(), Enforcement.Type.REDACT), Enforcement.Type.REDACT,
                    d.subjectUserId(), reason, d.verdictId(), d.detectedAt(), 0, d.conversationId(), d.seq()));
        }
        if (d.muteMillis() > 0) {
            out.add(new Enforcement(actionId(d.verdictId(), Enforcement.Type.MUTE), Enforcement.Type.MUTE,
                    d.subjectUserId(), reason, d.verdictId(), d.detectedAt(), d.detectedAt() + d.muteMillis(), null, 0));
        }
        return out;
    }

    /** A name-based UUID of the verdict id and the action type. */
    static String actionId(String verdictId, Enforcement.Type type) {
        return UUID.nameUUIDFromBytes((type.name() + '\u0000' + verdictId).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The operator form of {@link #actions}. */
    public static final class ToActions implements FlatMapFunction<Detection, Enforcement> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(Detection detection, Collector<Enforcement> out) {
            actions(detection).forEach(out::collect);
        }
    }
}
