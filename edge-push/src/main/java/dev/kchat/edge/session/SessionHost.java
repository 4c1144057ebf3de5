package dev.kchat.edge.session;

/** What a session needs from its edge. */
public interface SessionHost {

    /** Starts (or continues) catching the session up from the store, on a worker. Must not block. */
    void scheduleCatchUp(Session session);

    void subscribeBroadcast(String conversationId, Session session, long joinedSeq);

    void unsubscribeBroadcast(String conversationId, Session session);

    void closed(Session session);

    /**
     * The session's partition moved to another edge: tell the client where to go once the new
     * owner is known. Called on the consumer thread inside a rebalance: must not block.
     */
    void partitionLost(Session session);

    /** The session is being cut off for not reading (metrics, logs). */
    void slowConsumer(Session session);

    /** The session is set up: live ({@code ready} sent) or closed, whichever comes first; called once. */
    void setUpDone(Session session);
}
