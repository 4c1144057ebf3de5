package dev.kchat.api.limits;

import dev.kchat.service.Settings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The rate limits of every door: a {@link Rate} per {@link Limit} per user and per source address,
 * read from {@code limits.rate.<limit>.user} and {@code limits.rate.<limit>.address}, and how many
 * keys (users, addresses) one limit remembers ({@code limits.rate.max.keys}).
 *
 * <p>Sizing: a person types a few messages a second at most and the seeds' estimates come to about
 * 100 messages per user per day, so a user's send bucket (30 at once, 3/s after) never refuses a
 * person, yet stops a script at 60 in its first 10 s (it accepted 300). Per address limits are a
 * flood backstop only: many users share an address behind a NAT or a proxy, and the bench connects
 * 2,000 users from one address and sends 2,000 msg/s, so they are sized well above that.
 *
 * @param perUser    by limit; a limit without an entry is off
 * @param perAddress by limit; a limit without an entry is off
 * @param maxKeys    the most users (or addresses) one limit keeps a bucket for; past it the least
 *                   recently used bucket is dropped (and its key starts again with a full bucket)
 */
public record RateLimits(Map<Limit, Rate> perUser, Map<Limit, Rate> perAddress, int maxKeys) {

    public static final String PREFIX = "limits.rate.";
    public static final String MAX_KEYS = PREFIX + "max.keys";
    public static final int DEFAULT_MAX_KEYS = 100_000;

    private static final Map<Limit, String> USER_DEFAULTS = new EnumMap<>(Map.of(
            Limit.SEND, "30/10s",
            Limit.CREATE_CONVERSATION, "20/1m",
            Limit.MEMBER_CHANGE, "60/1m",
            Limit.CONNECT, "60/1m",
            Limit.PRESENCE_SUBSCRIBE, "60/1m",
            Limit.TYPING, "30/10s"));
    private static final Map<Limit, String> ADDRESS_DEFAULTS = new EnumMap<>(Map.of(
            Limit.SEND, "50000/10s",
            Limit.CREATE_CONVERSATION, "5000/10s",
            Limit.MEMBER_CHANGE, "10000/10s",
            Limit.CONNECT, "10000/10s",
            Limit.PRESENCE_SUBSCRIBE, "10000/10s",
            Limit.TYPING, "50000/10s"));

    public static final List<String[]> DOCUMENTED = documented();

    public RateLimits {
        perUser = Collections.unmodifiableMap(new EnumMap<>(copy(perUser)));
        perAddress = Collections.unmodifiableMap(new EnumMap<>(copy(perAddress)));
        if (maxKeys < 1) {
            throw new IllegalArgumentException(MAX_KEYS + " must be 1 or more");
        }
    }

    private static Map<Limit, Rate> copy(Map<Limit, Rate> m) {
        return m.isEmpty() ? new EnumMap<>(Limit.class) : m;
    }

    public static RateLimits defaults() {
        return from(Settings.of(Map.of()));
    }

    /** No limits at all (tests of other behaviour, tools). */
    public static RateLimits none() {
        return new RateLimits(Map.of(), Map.of(), DEFAULT_MAX_KEYS);
    }

    public Rate user(Limit limit) {
        return perUser.getOrDefault(limit, Rate.OFF);
    }

    public Rate address(Limit limit) {
        return perAddress.getOrDefault(limit, Rate.OFF);
    }

    public static String userKey(Limit limit) {
        return PREFIX + limit.tag() + ".user";
    }

    public static String addressKey(Limit limit) {
        return PREFIX + limit.tag() + ".address";
    }

    /** Reads every limit; a malformed one fails with its key (a typo must not turn a limit off). */
    public static RateLimits from(Settings s) {
        Map<Limit, Rate> user = new EnumMap<>(Limit.class);
        Map<Limit, Rate> address = new EnumMap<>(Limit.class);
        for (Limit limit : Limit.values()) {
            user.put(limit, read(s, userKey(limit), USER_DEFAULTS.get(limit)));
            address.put(limit, read(s, addressKey(limit), ADDRESS_DEFAULTS.get(limit)));
        }
        return new RateLimits(user, address, s.integer(MAX_KEYS, DEFAULT_MAX_KEYS));
    }

    private static Rate read(Settings s, String key, String defaultValue) {
        String text = s.string(key, defaultValue);
        try {
            return Rate.parse(text);
        } catch (IllegalArgumentException e) {
            throw new Settings.ConfigException(key, e.getMessage());
        }
    }

    private static List<String[]> documented() {
        List<String[]> rows = new ArrayList<>();
        for (Limit limit : Limit.values()) {
            rows.add(new String[] {userKey(limit), USER_DEFAULTS.get(limit),
                    limit.tag() + " per user: <burst>/<period> (refilled evenly over the period) or off"});
            rows.add(new String[] {addressKey(limit), ADDRESS_DEFAULTS.get(limit),
                    limit.tag() + " per source address (a flood backstop; users behind one NAT share it)"});
        }
        rows.add(new String[] {MAX_KEYS, String.valueOf(DEFAULT_MAX_KEYS),
                "buckets kept per limit and scope; idle ones are dropped first"});
        return List.copyOf(rows);
    }
}
