package dev.kchat.edge.http;

import dev.kchat.api.EdgeDirectory;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.EdgeAnswer;
import dev.kchat.edge.routing.Owners;
import dev.kchat.edge.sync.InboxDispatcher;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/edge}: the edge that serves the caller. This edge answers for its own partitions
 * from its assignment (the group's description may lag a rebalance); for the others it asks the
 * directory, off the I/O thread.
 */
public final class Locate implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(Locate.class);

    private final InboxDispatcher dispatcher;
    private final Owners owners;
    private final Executor workers;

    public Locate(InboxDispatcher dispatcher, Owners owners, Executor workers) {
        this.dispatcher = dispatcher;
        this.owners = owners;
        this.workers = workers;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) {
        Caller caller = ex.getAttachment(Authentication.CALLER);
        int partition = owners.partitionOf(caller.userId());
        if (dispatcher.owns(caller.userId())) {
            EdgeAnswer.send(ex, new EdgeDirectory.Location(caller.userId(), partition, Optional.of(owners.edgeUrl())));
            return;
        }
        ex.dispatch(workers, () -> {
            try {
                String owner = owners.ownerElsewhere(caller.userId());
                EdgeAnswer.send(ex, new EdgeDirectory.Location(caller.userId(), partition, Optional.ofNullable(owner)));
            } catch (RuntimeException e) {
                log.warn("edge directory unavailable: {}", e.toString());
                ApiAnswers.error(ex, 503, "directory_unavailable", "the edge directory is unavailable; retry shortly");
            }
        });
    }
}
