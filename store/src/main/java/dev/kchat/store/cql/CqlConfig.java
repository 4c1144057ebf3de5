package dev.kchat.store.cql;

import dev.kchat.service.Settings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the store lives and how to reach it.
 *
 * @param contactPoints a few nodes to bootstrap from; the driver discovers the rest
 * @param localDatacenter data center whose nodes serve requests (the driver refuses to guess)
 * @param keyspace keyspace of every table
 * @param replication replication of the keyspace when the migrations create it
 * @param requestTimeout per-request timeout of reads and writes
 */
public record CqlConfig(
        List<InetSocketAddress> contactPoints,
        String localDatacenter,
        String keyspace,
        Replication replication,
        Duration requestTimeout) {

    public static final String CONTACT_POINTS = "cql.contact.points";
    public static final String LOCAL_DATACENTER = "cql.local.datacenter";
    public static final String KEYSPACE = "cql.keyspace";
    public static final String REPLICATION = "cql.replication";
    public static final String REQUEST_TIMEOUT = "cql.request.timeout";

    public static final String DEFAULT_CONTACT_POINTS = "127.0.0.1:9042";
    /** The data center name of a single Cassandra node with SimpleSnitch, and of ScyllaDB's default. */
    public static final String DEFAULT_LOCAL_DATACENTER = "datacenter1";
    public static final String DEFAULT_KEYSPACE = "kchat";
    public static final String DEFAULT_REPLICATION = "SimpleStrategy:1";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,47}");

    public CqlConfig {
        contactPoints = List.copyOf(contactPoints);
        Objects.requireNonNull(localDatacenter, "localDatacenter");
        Objects.requireNonNull(replication, "replication");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (contactPoints.isEmpty()) {
            throw new IllegalArgumentException("at least one contact point is required");
        }
        // The keyspace is spliced into CQL text (it cannot be a bind marker): accept plain identifiers only.
        if (keyspace == null || !IDENTIFIER.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("keyspace must match " + IDENTIFIER + ", was " + keyspace);
        }
    }

    /** Reads {@code cql.*} settings; every one has a default that reaches a local node. */
    public static CqlConfig fromSettings(Settings settings) {
        return new CqlConfig(
                parseContactPoints(settings.string(CONTACT_POINTS, DEFAULT_CONTACT_POINTS)),
                settings.string(LOCAL_DATACENTER, DEFAULT_LOCAL_DATACENTER),
                settings.string(KEYSPACE, DEFAULT_KEYSPACE),
                Replication.parse(settings.string(REPLICATION, DEFAULT_REPLICATION)),
                settings.duration(REQUEST_TIMEOUT, DEFAULT_REQUEST_TIMEOUT));
    }

    /** A config for one node at this address, with local defaults otherwise. */
    public static CqlConfig local(InetSocketAddress contactPoint, String localDatacenter, String keyspace) {
        return new CqlConfig(List.of(contactPoint), localDatacenter, keyspace, Replication.simple(1),
                DEFAULT_REQUEST_TIMEOUT);
    }

    /** {@code host:port[,host:port...]}; the port defaults to 9042. */
    public static List<InetSocketAddress> parseContactPoints(String text) {
        return Arrays.stream(text.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(s -> {
                    int colon = s.lastIndexOf(':');
                    return colon < 0
                            ? InetSocketAddress.createUnresolved(s, 9042)
                            : InetSocketAddress.createUnresolved(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
                })
                .toList();
    }
}
