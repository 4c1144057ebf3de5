package dev.kchat.moderation.job;

import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.moderation.Flood;
import dev.kchat.moderation.ModerationConfig;
import dev.kchat.moderation.RateBurst;
import dev.kchat.moderation.SensitiveWords;
import dev.kchat.moderation.StrangerSpam;
import dev.kchat.moderation.Verdicts;
import dev.kchat.service.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detectors as the rules currently configure them: the settings ({@link ModerationConfig})
 * with the overrides that {@code moderation.rules} carries. Immutable; each detector operator
 * rebuilds it from the broadcast state when a rule changes.
 *
 * <p>Rules (docs/moderation.md, "Rules"):
 * <ul>
 *   <li>a rule with id {@code rate_burst}, {@code flood} or {@code stranger_spam} is a detector
 *       switch: {@code enabled} turns the detector on or off, {@code severity} is its verdicts'
 *       severity, and its {@code params} override thresholds ({@code max_messages},
 *       {@code max_conversations}, {@code window}, {@code min_length}, {@code account_age}) and the
 *       mute ({@code mute});</li>
 *   <li>any other rule is a sensitive-word dictionary: its {@code words}, matched at its severity
 *       when enabled; its {@code params.mute} overrides how long a redacting match mutes.</li>
 * </ul>
 * A param that does not parse, or a switch whose values are out of range, is logged and ignored
 * (the detector keeps the settings' values): a typo in a rule must not stop moderation.
 */
public final class RuleBook {

    private static final Logger log = LoggerFactory.getLogger(RuleBook.class);

    /** The broadcast state: every rule by id, as {@link RuleUpdate#encode} bytes. */
    public static final MapStateDescriptor<String, byte[]> RULES = new MapStateDescriptor<>(
            "moderation-rules", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    /** Rule id of the rate-burst switch. */
    public static final String RATE_BURST = Verdicts.RATE_BURST;
    /** Rule id of the flood switch. */
    public static final String FLOOD = Verdicts.FLOOD;
    /** Rule id of the stranger-spam switch. */
    public static final String STRANGER_SPAM = Verdicts.STRANGER_SPAM;

    private final SensitiveWords dictionary;
    private final RateBurst burst;
    private final Flood flood;
    private final StrangerSpam strangerSpam;
    private final ActionPolicy policy;

    private RuleBook(SensitiveWords dictionary, RateBurst burst, Flood flood, StrangerSpam strangerSpam, ActionPolicy policy) {
        this.dictionary = dictionary;
        this.burst = burst;
        this.flood = flood;
        this.strangerSpam = strangerSpam;
        this.policy = policy;
    }

    /** The rule book of these settings and rules. */
    public static RuleBook of(ModerationConfig config, Iterable<ModerationRule> rules) {
        List<ModerationRule> dictionaries = new ArrayList<>();
        Map<String, Duration> dictionaryMutes = new HashMap<>();
        ModerationRule burstSwitch = null;
        ModerationRule floodSwitch = null;
        ModerationRule strangerSwitch = null;
        for (ModerationRule rule : rules) {
            switch (rule.getRuleId()) {
                case RATE_BURST -> burstSwitch = rule;
                case FLOOD -> floodSwitch = rule;
                case STRANGER_SPAM -> strangerSwitch = rule;
                default -> {
                    dictionaries.add(rule);
                    Duration mute = param(rule, "mute", null, Settings::duration);
                    if (mute != null) {
                        dictionaryMutes.put(rule.getRuleId(), mute);
                    }
                }
            }
        }
        ModerationConfig c = withSwitches(config, burstSwitch, floodSwitch, strangerSwitch);
        RateBurst burst = burstSwitch == null || burstSwitch.getEnabled() ? RateBurst.from(c) : null;
        Flood flood = floodSwitch == null || floodSwitch.getEnabled() ? Flood.from(c) : null;
        StrangerSpam strangerSpam = strangerSwitch == null || strangerSwitch.getEnabled() ? StrangerSpam.from(c) : null;
        ActionPolicy policy = new ActionPolicy(c.burstMute(), c.floodMute(), c.strangerMute(), c.sensitiveMute(),
                c.redactSeverity(), dictionaryMutes);
        return new RuleBook(SensitiveWords.of(dictionaries), burst, flood, strangerSpam, policy);
    }

    /** The rule book of the rules in a broadcast state. */
    public static RuleBook of(ModerationConfig config, ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
        List<ModerationRule> rules = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : state.immutableEntries()) {
            rules.add(RuleUpdate.decode(entry.getValue()));
        }
        return of(config, rules);
    }

    /**
     * Applies a rule update to the broadcast state: a rule replaces the held one unless it is older
     * ({@code updated_at}), a tombstone removes it.
     *
     * @return true if the state changed
     */
    public static boolean apply(BroadcastState<String, byte[]> state, RuleUpdate update) throws Exception {
        if (update.rule() == null) {
            if (!state.contains(update.ruleId())) {
                return false;
            }
            state.remove(update.ruleId());
            log.info("moderation rule {} removed", update.ruleId());
            return true;
        }
        ModerationRule offered = RuleUpdate.decode(update.rule());
        byte[] heldBytes = state.get(update.ruleId());
        if (heldBytes != null) {
            ModerationRule held = RuleUpdate.decode(heldBytes);
            if (held.equals(offered) || offered.getUpdatedAt().isBefore(held.getUpdatedAt())) {
                return false;
            }
        }
        state.put(update.ruleId(), update.rule());
        log.info("moderation rule {} {} (enabled {}, severity {}, {} words, params {}) by {}", offered.getRuleId(),
                heldBytes == null ? "added" : "changed", offered.getEnabled(), offered.getSeverity(),
                offered.getWords().size(), offered.getParams(), offered.getUpdatedBy());
        return true;
    }

    /** The sensitive-word dictionary of the enabled dictionary rules. */
    public SensitiveWords dictionary() {
        return dictionary;
    }

    /** The rate-burst detector, or null when its switch turns it off. */
    public RateBurst burst() {
        return burst;
    }

    /** The flood detector, or null when its switch turns it off. */
    public Flood flood() {
        return flood;
    }

    /** The stranger-spam detector, or null when its switch turns it off. */
    public StrangerSpam strangerSpam() {
        return strangerSpam;
    }

    public ActionPolicy policy() {
        return policy;
    }

    private static ModerationConfig withSwitches(ModerationConfig c, ModerationRule burst, ModerationRule flood, ModerationRule stranger) {
        if (burst != null) {
            c = withSwitch(c, burst, base -> base.withBurst(
                    param(burst, "max_messages", base.burstMaxMessages(), Settings::integer),
                    param(burst, "window", base.burstWindow(), Settings::duration),
                    burst.getSeverity(),
                    param(burst, "mute", base.burstMute(), Settings::duration)));
        }
        if (flood != null) {
            c = withSwitch(c, flood, base -> base.withFlood(
                    param(flood, "max_conversations", base.floodMaxConversations(), Settings::integer),
                    param(flood, "window", base.floodWindow(), Settings::duration),
                    param(flood, "min_length", base.floodMinLength(), Settings::integer),
                    flood.getSeverity(),
                    param(flood, "mute", base.floodMute(), Settings::duration)));
        }
        if (stranger != null) {
            c = withSwitch(c, stranger, base -> base.withStranger(
                    param(stranger, "account_age", base.strangerAccountAge(), Settings::duration),
                    param(stranger, "max_conversations", base.strangerMaxConversations(), Settings::integer),
                    param(stranger, "window", base.strangerWindow(), Settings::duration),
                    stranger.getSeverity(),
                    param(stranger, "mute", base.strangerMute(), Settings::duration)));
        }
        return c;
    }

    /** The settings a switch makes of {@code base}; {@code base} itself when they are out of range (logged). */
    private static ModerationConfig withSwitch(ModerationConfig base, ModerationRule rule, UnaryOperator<ModerationConfig> change) {
        try {
            return change.apply(base);
        } catch (Settings.ConfigException e) {
            log.warn("moderation rule {} ignored: {}", rule.getRuleId(), e.getMessage());
            return base;
        }
    }

    private interface Reader<T> {
        T read(Settings settings, String key, T defaultValue);
    }

    /** A rule's param, or the default when absent or malformed (logged). */
    private static <T> T param(ModerationRule rule, String name, T defaultValue, Reader<T> reader) {
        try {
            return reader.read(Settings.of(rule.getParams()), name, defaultValue);
        } catch (Settings.ConfigException e) {
            log.warn("moderation rule {}: param {} ignored: {}", rule.getRuleId(), name, e.getMessage());
            return defaultValue;
        }
    }
}
