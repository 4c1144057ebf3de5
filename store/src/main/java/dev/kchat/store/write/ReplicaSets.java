package dev.kchat.store.write;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.metadata.Metadata;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.Tablet;
import com.datastax.oss.driver.api.core.metadata.TokenMap;
import com.datastax.oss.driver.api.core.metadata.schema.KeyspaceMetadata;
import com.datastax.oss.driver.api.core.metadata.token.Token;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The nodes that hold a statement's partition, the way the driver's load balancing finds them: from the
 * tablet map for a keyspace that uses tablets (ScyllaDB), else from the token map. Empty when the driver
 * does not know (token metadata off, a tablet not learnt yet: the driver learns a tablet from the first
 * response about it). Reads the session's current metadata on every call, so topology changes apply.
 */
public final class ReplicaSets implements Function<BoundStatement, Optional<Set<Node>>> {

    private final CqlSession session;

    public ReplicaSets(CqlSession session) {
        this.session = session;
    }

    @Override
    public Optional<Set<Node>> apply(BoundStatement statement) {
        CqlIdentifier keyspace = statement.getRoutingKeyspace();
        ByteBuffer key = statement.getRoutingKey();
        Metadata metadata = session.getMetadata();
        Optional<TokenMap> tokens = metadata.getTokenMap();
        if (keyspace == null || key == null || tokens.isEmpty()) {
            return Optional.empty();
        }
        TokenMap tokenMap = tokens.get();
        boolean tablets = metadata.getKeyspace(keyspace).map(KeyspaceMetadata::isUsingTablets).orElse(false);
        Set<Node> replicas = tablets ? tabletReplicas(metadata, tokenMap, statement, keyspace, key)
                : tokenMap.getReplicas(keyspace, key);
        return replicas == null || replicas.isEmpty() ? Optional.empty() : Optional.of(replicas);
    }

    private static Set<Node> tabletReplicas(Metadata metadata, TokenMap tokenMap, BoundStatement statement,
            CqlIdentifier keyspace, ByteBuffer key) {
        CqlIdentifier table = statement.getRoutingTable();
        if (table == null) {
            return null;
        }
        Token token = statement.getRoutingToken() != null ? statement.getRoutingToken() : tokenMap.newToken(key);
        long value;
        try {
            // Tablets need Murmur3, whose tokens format as their long value.
            value = Long.parseLong(tokenMap.format(token));
        } catch (NumberFormatException e) {
            return null;
        }
        Tablet tablet = metadata.getTabletMap().getTablet(keyspace, table, value);
        return tablet == null ? null : tablet.getReplicaNodes();
    }
}
