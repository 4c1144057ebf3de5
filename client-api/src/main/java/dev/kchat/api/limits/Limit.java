package dev.kchat.api.limits;

/**
 * What a door rate-limits, each with its own token bucket per user and per source address. The
 * {@link #tag()} names the limit in settings ({@code limits.rate.<tag>.user}), in the
 * {@code rate_limited} message and in the metric's {@code limit} tag.
 */
public enum Limit {
    /** Message writes: a send; over HTTP also an edit, a removal, a reaction. */
    SEND("send"),
    /** Creating a conversation. */
    CREATE_CONVERSATION("create_conversation"),
    /** Adding or removing members, changing a member's role. */
    MEMBER_CHANGE("member_change"),
    /** Connection attempts at an edge: WebSocket upgrades and long-polls. */
    CONNECT("connect"),
    /** Presence subscriptions (and presence look-ups over HTTP). */
    PRESENCE_SUBSCRIBE("presence_subscribe"),
    /** Typing indicators. */
    TYPING("typing");

    private final String tag;

    Limit(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
