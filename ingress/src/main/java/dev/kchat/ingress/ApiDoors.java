package dev.kchat.ingress;

import com.datastax.oss.driver.api.core.DriverException;
import dev.kchat.api.ApiException;
import dev.kchat.api.Limits;
import dev.kchat.api.auth.JwtAuthenticator;
import dev.kchat.api.auth.JwtAuthenticator.AuthenticationException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.limits.Limit;
import dev.kchat.api.limits.RateLimiter;
import dev.kchat.api.limits.WriteAdmission;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The doors every route of the API goes through ({@link Doors}): the body read on the I/O thread up to
 * the limit, then on a worker the caller authenticated, the route's rate limit taken, the action run,
 * every failure answered in the API's error shape, and the request timed by route and status. I/O
 * threads only read request bodies (non-blocking) and hand over.
 */
final class ApiDoors implements Doors {

    private static final Logger log = LoggerFactory.getLogger(ApiDoors.class);
    static final String METRIC_REQUESTS = "kchat.ingress.requests";
    /**
     * Bytes of a chunked body past the limit that are read (and dropped) before the 413, so that a
     * client still sending reads the answer rather than a reset connection; beyond, the connection closes.
     */
    static final long DRAIN_MAX_BYTES = 1L << 20;

    /** The rate limit each route takes a token of ({@code limits.rate.*}); routes not named here have none. */
    static final Map<String, Limit> ROUTE_LIMITS = Map.ofEntries(
            Map.entry("send_message", Limit.SEND),
            Map.entry("edit_message", Limit.SEND),
            Map.entry("remove_message", Limit.SEND),
            Map.entry("react", Limit.SEND),
            Map.entry("unreact", Limit.SEND),
            Map.entry("create_conversation", Limit.CREATE_CONVERSATION),
            Map.entry("add_members", Limit.MEMBER_CHANGE),
            Map.entry("remove_member", Limit.MEMBER_CHANGE),
            Map.entry("change_role", Limit.MEMBER_CHANGE),
            Map.entry("presence", Limit.PRESENCE_SUBSCRIBE),
            Map.entry("moments_create_post", Limit.SEND),
            Map.entry("moments_like", Limit.SEND),
            Map.entry("moments_comment", Limit.SEND),
            Map.entry("friend_request", Limit.MEMBER_CHANGE),
            Map.entry("server_create", Limit.CREATE_CONVERSATION),
            Map.entry("server_channel_create", Limit.CREATE_CONVERSATION),
            Map.entry("server_role_create", Limit.CREATE_CONVERSATION),
            Map.entry("server_invite_create", Limit.CREATE_CONVERSATION),
            Map.entry("server_join", Limit.MEMBER_CHANGE),
            Map.entry("server_kick", Limit.MEMBER_CHANGE),
            Map.entry("server_ban", Limit.MEMBER_CHANGE),
            Map.entry("server_unban", Limit.MEMBER_CHANGE),
            Map.entry("server_role_assign", Limit.MEMBER_CHANGE),
            Map.entry("server_role_unassign", Limit.MEMBER_CHANGE));

    private final JwtAuthenticator auth;
    private final Limits limits;
    private final Executor workers;
    private final MeterRegistry metrics;
    private final RateLimiter rateLimiter;

    ApiDoors(JwtAuthenticator auth, Limits limits, Executor workers, WriteAdmission admission, MeterRegistry metrics) {
        this.auth = auth;
        this.limits = limits;
        this.workers = workers;
        this.metrics = metrics;
        this.rateLimiter = new RateLimiter(limits.rates(), "http", metrics, admission);
    }

    /**
     * Reads the body on the I/O thread, then runs the action on a worker. A body over the limit is
     * answered {@code 413 body_too_large}: at once when its declared length says so; a chunked body
     * (no declared length) is read to its end without keeping what passes the limit, then answered, so
     * the client, which is still sending, reads the answer on a connection that stays open. A chunked
     * body that goes on past the limit by {@link #DRAIN_MAX_BYTES} is answered at once and its connection
     * closed after the answer. Undertow's own entity limit, which cuts a connection without an answer,
     * is set further out in {@link IngressApp} as a backstop only.
     */
    @Override
    public HttpHandler withBody(String route, Doors.BodyAction action) {
        return ex -> {
            long declared = ex.getRequestContentLength();
            if (declared > limits.maxBodyBytes()) {
                fail(ex, route, new ApiException(413, "body_too_large",
                        "the body is " + declared + " bytes; the limit is " + limits.maxBodyBytes()));
                return;
            }
            BoundedBody body = new BoundedBody(limits.maxBodyBytes());
            ex.getRequestReceiver().receivePartialBytes((e, bytes, last) -> {
                body.add(bytes);
                if (e.isResponseStarted()) {
                    return;
                }
                if (body.overLimit()) {
                    boolean drainedEnough = body.received() - limits.maxBodyBytes() > DRAIN_MAX_BYTES;
                    if (drainedEnough) {
                        e.getRequestReceiver().pause();
                        e.setPersistent(false);
                    }
                    if (last || drainedEnough) {
                        fail(e, route, new ApiException(413, "body_too_large",
                                "the body exceeds " + limits.maxBodyBytes() + " bytes"));
                    }
                } else if (last) {
                    byte[] bytesRead = body.bytes();
                    e.dispatch(workers, () -> run(e, route, caller -> action.handle(e, caller, bytesRead)));
                }
            }, (e, failure) -> {
                if (e.isResponseStarted()) {
                    log.debug("{}: body read failed after the answer: {}", route, failure.toString());
                } else if (causedBy(failure, RequestTooBigException.class)) {
                    fail(e, route, new ApiException(413, "body_too_large",
                            "the body exceeds " + limits.maxBodyBytes() + " bytes"));
                } else {
                    log.debug("{}: body unreadable: {}", route, failure.toString());
                    fail(e, route, new ApiException(400, "unreadable_body", "the body could not be read: " + failure.getMessage()));
                }
            });
        };
    }

    /** A request body kept up to a limit; past it, only counted. Used on one I/O thread. */
    private static final class BoundedBody {

        private final int limit;
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private long received;

        BoundedBody(int limit) {
            this.limit = limit;
        }

        void add(byte[] part) {
            received += part.length;
            if (received <= limit) {
                bytes.write(part, 0, part.length);
            }
        }

        boolean overLimit() {
            return received > limit;
        }

        long received() {
            return received;
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public HttpHandler withoutBody(String route, Doors.Action action) {
        return ex -> ex.dispatch(workers, () -> run(ex, route, caller -> action.handle(ex, caller)));
    }

    @FunctionalInterface
    private interface CallerAction {
        void handle(Caller caller) throws Exception;
    }

    /** Runs on a worker: authenticates, runs the action, maps every failure to its answer. */
    private void run(HttpServerExchange ex, String route, CallerAction action) {
        Timer.Sample sample = Timer.start(metrics);
        ex.addExchangeCompleteListener((done, next) -> {
            sample.stop(metrics.timer(METRIC_REQUESTS, "route", route, "status", String.valueOf(done.getStatusCode())));
            next.proceed();
        });
        try {
            Caller caller = auth.authenticate(ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION),
                    ex.getRequestHeaders().getFirst("X-Device-Id"));
            Limit limit = ROUTE_LIMITS.get(route);
            if (limit != null) {
                // Before validation: a refused request is not read further and produces nothing (429).
                rateLimiter.check(limit, caller.userId(), ex.getSourceAddress().getHostString());
            }
            action.handle(caller);
        } catch (Exception e) {
            fail(ex, route, e);
        }
    }

    @Override
    public void fail(HttpServerExchange ex, String route, Throwable failure) {
        Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (e instanceof ApiException api) {
            ApiAnswers.error(ex, api);
        } else if (e instanceof AuthenticationException auth) {
            ApiAnswers.unauthorized(ex, auth);
        } else if (e instanceof IllegalArgumentException bad) {
            ApiAnswers.error(ex, 400, "invalid_request", bad.getMessage());
        } else if (e instanceof DriverException db) {
            log.warn("{}: store unavailable: {}", route, db.toString());
            ApiAnswers.error(ex, 503, "store_unavailable", "history is temporarily unavailable; retry later");
        } else if (e instanceof KafkaException kafka && !(e instanceof SerializationException)) {
            log.warn("{}: Kafka unavailable: {}", route, kafka.toString());
            ApiAnswers.error(ex, 503, "kafka_unavailable", "the message was not accepted; retry with the same client_msg_id");
        } else {
            log.error("{}: unexpected failure", route, e);
            ApiAnswers.error(ex, 500, "internal_error", "unexpected error; it has been logged");
        }
    }
}
