package dev.kchat.edge.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
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
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /v1/poll?since=N&timeout_ms=T}: the entries after N, waiting up to T (capped at
 * {@code edge.long.poll.max}) for the first one. For clients that cannot keep a WebSocket open.
 */
public final class LongPoll implements HttpHandler {

    private final InboxDispatcher dispatcher;
    private final StoredInbox store;
    private final Owners owners;
    private final ScheduledExecutorService workers;
    private final Duration longPollMax;

    public LongPoll(InboxDispatcher dispatcher, StoredInbox store, Owners owners, ScheduledExecutorService workers,
            Duration longPollMax) {
        this.dispatcher = dispatcher;
        this.store = store;
        this.owners = owners;
        this.workers = workers;
        this.longPollMax = longPollMax;
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
            HttpAnswers.error(ex, e.status(), e.code(), e.getMessage());
            return;
        }
        if (!dispatcher.owns(caller.userId())) {
            ex.dispatch(workers, () -> wrongEdge(ex, caller));
            return;
        }
        ex.dispatch(workers, () -> {
            List<InboxEntry> ready = contiguousAfter(caller.userId(), since);
            if (!ready.isEmpty()) {
                answer(ex, since, ready);
                return;
            }
            await(ex, caller, since, timeoutMs);
        });
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
        List<InboxEntry> out = new ArrayList<>();
        long last = since;
        for (InboxEntry e : store.after(userId, since).entries()) {
            if (e.getInboxSeq() == last + 1) {
                out.add(e);
                last = e.getInboxSeq();
            }
        }
        for (InboxEntry e : dispatcher.recentFor(userId)) {
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
        HttpAnswers.json(ex, 200, body);
    }

    private void wrongEdge(HttpServerExchange ex, Caller caller) {
        ObjectNode body = ApiJson.JSON.createObjectNode();
        ObjectNode err = body.putObject("error").put("code", "wrong_edge").put("message", "another edge serves you");
        String owner = owners.ownerElsewhereIfKnown(caller.userId());
        if (owner != null) {
            err.put("edge", owner);
        }
        HttpAnswers.json(ex, 409, body);
    }

    private static long longParam(HttpServerExchange ex, String name, long defaultValue) {
        Deque<String> values = ex.getQueryParameters().get(name);
        if (values == null || values.isEmpty()) {
            return defaultValue;
        }
        try {
            long v = Long.parseLong(values.getFirst());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid_parameter", name + " must be a non-negative integer");
        }
    }
}
