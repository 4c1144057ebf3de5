package dev.kchat.presence;

import dev.kchat.api.presence.PresenceClient;
import dev.kchat.api.presence.UserPresence;

import dev.kchat.events.presence.PresenceState;
import dev.kchat.presence.state.UserState;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers presence look-ups from {@value PresenceApp#USERS_STORE} across instances: for each user,
 * Kafka Streams says which instance holds the key's partition ({@code queryMetadataForKey}); this
 * instance reads its own partitions and asks each other instance, in parallel and once per
 * instance, for the rest. A forwarded request is answered from local partitions only, so a
 * request makes at most one hop even while instances disagree about the assignment.
 *
 * <p>Reads name the partition ({@code StoreQueryParameters.withPartition}): without it Kafka
 * Streams looks a key up in every local partition and would answer "unknown, OFFLINE" for a user
 * whose partition just moved away, instead of failing.
 */
final class PresenceQueries {

    private static final Serializer<String> KEYS = new StringSerializer();

    private final HttpClient http;
    private final Duration timeout;
    private volatile KafkaStreams streams;
    private volatile HostInfo self;

    PresenceQueries(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** Starts answering, once Kafka Streams runs; until then every look-up is {@link Unavailable}. */
    void attach(KafkaStreams streams, HostInfo self) {
        this.self = self;
        this.streams = streams;
    }

    /**
     * The presence of each user, in order. Read-only.
     *
     * @param localOnly answer only from this instance's partitions (a forwarded request)
     * @throws Unavailable if a user's partition has no running owner right now (start-up,
     *                     rebalance) or another instance does not answer in time
     */
    Map<String, UserPresence> lookup(List<String> users, boolean localOnly) {
        KafkaStreams running = streams;
        if (running == null || !(running.state() == KafkaStreams.State.RUNNING || running.state() == KafkaStreams.State.REBALANCING)) {
            throw new Unavailable("presence is not running" + (running == null ? "" : " (state " + running.state() + ")"));
        }
        Map<Integer, List<String>> local = new HashMap<>();
        Map<HostInfo, List<String>> remote = new HashMap<>();
        for (String user : users) {
            KeyQueryMetadata where = running.queryMetadataForKey(PresenceApp.USERS_STORE, user, KEYS);
            if (where == null || KeyQueryMetadata.NOT_AVAILABLE.equals(where) || where.activeHost() == null) {
                throw new Unavailable("no instance holds the partition of user " + user + " right now (rebalancing)");
            }
            if (where.activeHost().equals(self)) {
                local.computeIfAbsent(where.partition(), p -> new ArrayList<>()).add(user);
            } else if (localOnly) {
                throw new Unavailable("user " + user + " is held by " + where.activeHost() + ", not by " + self);
            } else {
                remote.computeIfAbsent(where.activeHost(), h -> new ArrayList<>()).add(user);
            }
        }
        // Ask the other instances first, so their answers travel while the local stores are read.
        Map<HostInfo, CompletableFuture<Map<String, UserPresence>>> asked = new HashMap<>();
        remote.forEach((host, hostUsers) -> asked.put(host,
                new PresenceClient(http, URI.create("http://" + host.host() + ":" + host.port()), timeout).queryAsync(hostUsers, true)));
        Map<String, UserPresence> found = new HashMap<>();
        local.forEach((partition, partitionUsers) -> {
            ReadOnlyKeyValueStore<String, UserState> store = store(running, partition);
            for (String user : partitionUsers) {
                try {
                    found.put(user, presenceOf(user, store.get(user)));
                } catch (InvalidStateStoreException e) {
                    throw new Unavailable("partition " + partition + " of " + PresenceApp.USERS_STORE + " moved: " + e.getMessage());
                }
            }
        });
        asked.forEach((host, answer) -> found.putAll(await(host, answer)));
        Map<String, UserPresence> inOrder = new LinkedHashMap<>();
        for (String user : users) {
            UserPresence presence = found.get(user);
            if (presence == null) {
                throw new Unavailable("no answer for user " + user);
            }
            inOrder.put(user, presence);
        }
        return inOrder;
    }

    private static ReadOnlyKeyValueStore<String, UserState> store(KafkaStreams streams, int partition) {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(PresenceApp.USERS_STORE,
                    QueryableStoreTypes.<String, UserState>keyValueStore()).withPartition(partition));
        } catch (InvalidStateStoreException e) {
            throw new Unavailable("partition " + partition + " of " + PresenceApp.USERS_STORE + " is not queryable here now: "
                    + e.getMessage());
        }
    }

    private Map<String, UserPresence> await(HostInfo host, CompletableFuture<Map<String, UserPresence>> answer) {
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while waiting for " + host);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new Unavailable("instance " + host + " did not answer within " + timeout);
        } catch (ExecutionException e) {
            throw new Unavailable("instance " + host + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** The look-up cannot be answered now; a retry may succeed (HTTP 503). */
    static final class Unavailable extends RuntimeException {

        Unavailable(String message) {
            super(message);
        }

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A user's presence as the query answers it, from its stored state (null: never seen). */
    static UserPresence presenceOf(String userId, UserState state) {
        if (state == null) {
            return UserPresence.unknown(userId);
        }
        return new UserPresence(userId, PresenceState.valueOf(state.getPublishedState()), state.getLastActiveAt(),
                PresenceRules.devicesOnline(state));
    }
}
