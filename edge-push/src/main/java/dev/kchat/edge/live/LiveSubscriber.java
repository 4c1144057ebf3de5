package dev.kchat.edge.live;

/** A connection that receives what {@link LiveHub} passes on: broadcasts, typing and presence. */
public interface LiveSubscriber {

    String userId();

    /**
     * A large conversation's broadcast at {@code seq}; the subscriber drops a seq it already sent (a
     * joiner may get the same frame replayed and live). Must not block.
     */
    void sendBroadcast(String conversationId, long seq, String frame);

    /** A typing or presence frame, sent only while the connection is set up. Must not block. */
    void sendLive(String frame);
}
