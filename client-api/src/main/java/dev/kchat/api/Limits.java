package dev.kchat.api;

import dev.kchat.api.limits.AdmissionConfig;
import dev.kchat.api.limits.RateLimits;
import dev.kchat.service.Settings;
import java.util.ArrayList;
import java.util.List;

/**
 * Limits on what clients send, the same at every door (HTTP API and WebSocket edges); a violation
 * is refused with a machine code and changes nothing.
 *
 * @param maxBodyBytes         request bodies or frames larger than this are refused
 * @param maxMessageChars      message body length, in Unicode code points
 * @param maxMembersPerRequest users in one create or add request
 * @param maxPageSize          history, sync and list page size cap
 * @param maxMentions          mentions in one message
 * @param maxAttachments       attachments in one message
 * @param rates                rate limits per user and per source address ({@link RateLimits})
 * @param admission            admission control of writes while the pipeline is behind ({@link AdmissionConfig})
 */
public record Limits(int maxBodyBytes, int maxMessageChars, int maxMembersPerRequest, int maxPageSize,
        int maxMentions, int maxAttachments, RateLimits rates, AdmissionConfig admission) {

    public static final List<String[]> DOCUMENTED = documented(List.of(
            new String[] {"limits.max.body.bytes", "65536", "largest accepted request body or frame"},
            new String[] {"limits.max.message.chars", "4000", "longest message body (code points)"},
            new String[] {"limits.max.members.per.request", "1000", "users in one create/add request"},
            new String[] {"limits.max.page.size", "200", "page size cap of history, sync and lists"},
            new String[] {"limits.max.mentions", "50", "mentions in one message"},
            new String[] {"limits.max.attachments", "10", "attachments in one message"}));

    private static List<String[]> documented(List<String[]> sizes) {
        List<String[]> rows = new ArrayList<>(sizes);
        rows.addAll(RateLimits.DOCUMENTED);
        rows.addAll(AdmissionConfig.DOCUMENTED);
        return List.copyOf(rows);
    }

    public static Limits defaults() {
        return new Limits(64 * 1024, 4_000, 1_000, 200, 50, 10, RateLimits.defaults(),
                AdmissionConfig.from(Settings.of(java.util.Map.of())));
    }

    public static Limits from(Settings s) {
        Limits d = defaults();
        return new Limits(
                s.integer("limits.max.body.bytes", d.maxBodyBytes()),
                s.integer("limits.max.message.chars", d.maxMessageChars()),
                s.integer("limits.max.members.per.request", d.maxMembersPerRequest()),
                s.integer("limits.max.page.size", d.maxPageSize()),
                s.integer("limits.max.mentions", d.maxMentions()),
                s.integer("limits.max.attachments", d.maxAttachments()),
                RateLimits.from(s),
                AdmissionConfig.from(s));
    }
}
