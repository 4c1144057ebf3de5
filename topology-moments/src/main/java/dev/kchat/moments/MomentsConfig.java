package dev.kchat.moments;

import dev.kchat.service.Settings;
import java.util.List;

/**
 * Settings of the Moments rules. Every key can be set as {@code -Dkey=value}, as the environment
 * variable {@code KCHAT_KEY} (dots as underscores) or in the properties file named by
 * {@code KCHAT_CONFIG}; {@link #help()} lists them with their defaults. The Kafka Streams app that
 * runs these rules will add its own connection and state settings beside these.
 *
 * @param pushMaxFriends  an author with at most this many friends has a new post pushed into each
 *                        friend's feed (write diffusion); above it the post stays in the author's
 *                        outbox and readers merge it in at read time (pull)
 * @param feedPageSize    feed entries per page when the reader does not ask for a size
 * @param feedPageSizeMax the largest page a reader may ask for, so one read stays bounded
 */
public record MomentsConfig(int pushMaxFriends, int feedPageSize, int feedPageSizeMax) {

    public static final String PUSH_MAX_FRIENDS = "moments.push.max.friends";
    public static final String FEED_PAGE_SIZE = "moments.feed.page.size";
    public static final String FEED_PAGE_SIZE_MAX = "moments.feed.page.size.max";

    /** The brief's figure: above a thousand friends one post would cost a thousand feed writes. */
    public static final int DEFAULT_PUSH_MAX_FRIENDS = 1_000;
    public static final int DEFAULT_FEED_PAGE_SIZE = 20;
    public static final int DEFAULT_FEED_PAGE_SIZE_MAX = 100;

    /** Documented settings: key, default, meaning. */
    static final List<String[]> DOCUMENTED = List.of(
            new String[] {PUSH_MAX_FRIENDS, String.valueOf(DEFAULT_PUSH_MAX_FRIENDS),
                    "authors with at most this many friends push posts to friends' feeds; more: readers pull from the outbox"},
            new String[] {FEED_PAGE_SIZE, String.valueOf(DEFAULT_FEED_PAGE_SIZE), "feed entries per page by default"},
            new String[] {FEED_PAGE_SIZE_MAX, String.valueOf(DEFAULT_FEED_PAGE_SIZE_MAX), "largest feed page a reader may ask for"});

    public MomentsConfig {
        if (pushMaxFriends < 0) {
            throw new Settings.ConfigException(PUSH_MAX_FRIENDS, "must be >= 0, was " + pushMaxFriends);
        }
        if (feedPageSizeMax < 1) {
            throw new Settings.ConfigException(FEED_PAGE_SIZE_MAX, "must be >= 1, was " + feedPageSizeMax);
        }
        if (feedPageSize < 1 || feedPageSize > feedPageSizeMax) {
            throw new Settings.ConfigException(FEED_PAGE_SIZE,
                    "must be 1.." + feedPageSizeMax + " (" + FEED_PAGE_SIZE_MAX + "), was " + feedPageSize);
        }
    }

    /** The documented defaults. */
    public static MomentsConfig defaults() {
        return from(Settings.of(java.util.Map.of()));
    }

    /** Reads the settings, applying the documented defaults; a malformed value names its key. */
    public static MomentsConfig from(Settings settings) {
        return new MomentsConfig(
                settings.integer(PUSH_MAX_FRIENDS, DEFAULT_PUSH_MAX_FRIENDS),
                settings.integer(FEED_PAGE_SIZE, DEFAULT_FEED_PAGE_SIZE),
                settings.integer(FEED_PAGE_SIZE_MAX, DEFAULT_FEED_PAGE_SIZE_MAX));
    }

    /** Every setting with its environment variable and default, for a {@code --help} text. */
    public static String help() {
        StringBuilder out = new StringBuilder("Moments settings (as -Dkey=value, environment variable, or in the file named by KCHAT_CONFIG):\n");
        for (String[] s : DOCUMENTED) {
            out.append(String.format("  %-28s %-36s default %-6s %s%n", s[0], Settings.envName(s[0]), s[1], s[2]));
        }
        return out.toString();
    }
}
