package dev.kchat.edge.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.Parameters;
import dev.kchat.edge.protocol.InboxEntryFrames;
import dev.kchat.edge.routing.Owners;
import dev.kchat.edge.sync.InboxDispatcher;
import dev.kchat.edge.sync.InboxListener;
import dev.kchat.edge.sync.StoredInbox;
import dev.kchat.events.chat.InboxEntry;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /v1/poll?since=N&timeout_ms=T}: the entries after N, waiting up to T (capped at
 * {@code edge.long.poll.max}) for the first one. For clients that cannot keep a WebSocket open.
 *
 * <p>A {@code since} above the newest inbox seq known (the store's head, the entries this edge just
 * consumed) is given the sink's usual lag ({@code edge.catch.up.timeout}) to turn out true, then is
 * answered 409 {@code sync_key_ahead} with that newest seq: waiting for it would answer nothing, ever.
 */
public final class LongPoll implements HttpHandler {

    /** How often a {@code since} ahead of the inbox is checked again while the sink may catch up. */
    private static final Duration AHEAD_RETRY = Duration.ofMillis(100);

    private final InboxDispatcher dispatcher;
    private final StoredInbox store;
    private final Owners owners;
    private final ScheduledExecutorService workers;
    private final Duration longPollMax;
    private final Duration catchUpTimeout;

    public LongPoll(InboxDispatcher dispatcher, StoredInbox store, Owners owners, ScheduledExecutorService workers,
            Duration longPollMax, Duration catchUpTimeout) {
        this.dispatcher = dispatcher;
        this.store = store;
        this.owners = owners;
        this.workers = workers;
        this.longPollMax = longPollMax;
        this.catchUpTimeout = catchUpTimeout;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) {
        Caller caller = ex.getAttachment(Authentication.CALLER);
        long since;
        long timeoutMs;
        try {
            since = longParam(ex, "since", 0);
            timeoutMs = Math.min(longParam(ex, "timeout_ms", longPollMax.toMillis()), longPollMax.toMillis());
        } catch (ApiException e) {
            ApiAnswers.error(ex, e);
            return;
        }
        if (!dispatcher.owns(caller.userId())) {
            ex.dispatch(workers, () -> wrongEdge(ex, caller));
            return;
        }
        long aheadDeadline = System.nanoTime() + catchUpTimeout.toNanos();
        ex.dispatch(workers, () -> answerOrWait(ex, caller, since, timeoutMs, aheadDeadline));
    }

    /** Answers what follows {@code since}, or waits for it, or (see the class) refuses a {@code since} ahead of the inbox. */
    private void answerOrWait(HttpServerExchange ex, Caller caller, long since, long timeoutMs, long aheadDeadline) {
        StoredInbox.Page page = store.after(caller.userId(), since);
        List<InboxEntry> recent = dispatcher.recentFor(caller.userId());
        List<InboxEntry> ready = contiguousAfter(since, page, recent);
        if (!ready.isEmpty()) {
            answer(ex, since, ready);
            return;
        }
        long head = page.head();
        for (InboxEntry e : page.entries()) {
            head = Math.max(head, e.getInboxSeq());
        }
        for (InboxEntry e : recent) {
            head = Math.max(head, e.getInboxSeq());
        }
        if (since <= head) {
            await(ex, caller, since, timeoutMs);
        } else if (System.nanoTime() - aheadDeadline < 0) {
            workers.schedule(() -> answerOrWait(ex, caller, since, timeoutMs, aheadDeadline), AHEAD_RETRY.toMillis(),
                    TimeUnit.MILLISECONDS);
        } else {
            ObjectNode body = ApiAnswers.errorBody("sync_key_ahead",
                    "since " + since + " is ahead of your inbox; poll again with since " + head);
            body.withObjectProperty("error").put("inbox_seq", head);
            ApiAnswers.json(ex, 409, body);
        }
    }

    /** Waits for the user's next live entry after {@code since}, up to the timeout. */
    private void await(HttpServerExchange ex, Caller caller, long since, long timeoutMs) {
        AtomicBoolean answered = new AtomicBoolean();
        InboxListener waiter = new InboxListener() {
            @Override
            public String userId() {
                return caller.userId();
            }

            @Override
            public void onLive(InboxEntry entry) {
                if (entry.getInboxSeq() > since && answered.compareAndSet(false, true)) {
                    dispatcher.unregister(this);
                    workers.execute(() -> answer(ex, since, contiguousAfter(caller.userId(), since)));
                }
            }

            @Override
            public void onPartitionLost() {
                if (answered.compareAndSet(false, true)) {
                    dispatcher.unregister(this);
                    workers.execute(() -> wrongEdge(ex, caller));
                }
            }
        };
        dispatcher.register(waiter);
        workers.schedule(() -> {
            if (answered.compareAndSet(false, true)) {
                dispatcher.unregister(waiter);
                answer(ex, since, List.of());
            }
        }, timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** The user's entries after {@code since} with no gap: from the store, then from what this edge just consumed. */
    private List<InboxEntry> contiguousAfter(String userId, long since) {
        return contiguousAfter(since, store.after(userId, since), dispatcher.recentFor(userId));
    }

    private static List<InboxEntry> contiguousAfter(long since, StoredInbox.Page page, List<InboxEntry> recent) {
        List<InboxEntry> out = new ArrayList<>();
        long last = since;
        for (InboxEntry e : page.entries()) {
            if (e.getInboxSeq() == last + 1) {
                out.add(e);
                last = e.getInboxSeq();
            }
        }
        for (InboxEntry e : recent) {
            if (e.getInboxSeq() == last + 1) {
                out.add(e);
                last = e.getInboxSeq();
            }
        }
        return out;
    }

    private static void answer(HttpServerExchange ex, long since, List<InboxEntry> entries) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ArrayNode array = body.putArray("entries");
        entries.forEach(e -> array.add(InboxEntryFrames.pollEntry(e)));
        body.put("inbox_seq", entries.isEmpty() ? since : entries.get(entries.size() - 1).getInboxSeq());
        ApiAnswers.json(ex, 200, body);
    }

    private void wrongEdge(HttpServerExchange ex, Caller caller) {
        ObjectNode body = ApiAnswers.errorBody("wrong_edge", "another edge serves you");
        String owner = owners.ownerElsewhereIfKnown(caller.userId());
        if (owner != null) {
            body.withObjectProperty("error").put("edge", owner);
        }
        ApiAnswers.json(ex, 409, body);
    }

    /**
     * The edge's own check, laxer than {@link Parameters#longParam}'s (documented in edge-protocol.md as
     * 0 to 2^63-1; a sign and other scripts' digits pass, an empty value does not).
     */
    private static long longParam(HttpServerExchange ex, String name, long defaultValue) {
        String value = Parameters.stringParam(ex, name, null);
        if (value == null) {
            return defaultValue;
        }
        try {
            long v = Long.parseLong(value);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid_parameter", name + " must be a non-negative integer");
        }
    }
}
