package dev.kchat.store.cql;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.net.InetSocketAddress;
import java.time.Duration;

/** Opens driver sessions configured the way the store expects. */
public final class CqlSessions {

    /** Schema changes wait for every node to agree; a busy single node takes a few seconds. */
    private static final Duration SCHEMA_AGREEMENT_TIMEOUT = Duration.ofSeconds(30);

    private CqlSessions() {
    }

    /**
     * Connects to the cluster (not to a keyspace: statements name their keyspace, so one session can
     * serve several). Load balancing stays the driver's default, token- and shard-aware: each request
     * goes to a replica of its partition. Consistency is set per statement, not here.
     */
    public static CqlSession connect(CqlConfig config) {
        DriverConfigLoader loader = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, config.requestTimeout())
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, SCHEMA_AGREEMENT_TIMEOUT)
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                // A DDL statement completes only after the driver has refreshed its schema metadata, and
                // the driver's default debounces refreshes for 1 s: each CREATE TABLE of a migration took
                // ~1.07 s, 25 s per migrated keyspace. Without the window it takes ~70 ms (measured on
                // Cassandra 5, ten tables). The schema changes only at migrations, so there is no storm to
                // debounce.
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ZERO)
                .build();
        return CqlSession.builder()
                .addContactPoints(config.contactPoints().stream()
                        .map(a -> a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a)
                        .toList())
                .withLocalDatacenter(config.localDatacenter())
                .withConfigLoader(loader)
                .build();
    }
}
