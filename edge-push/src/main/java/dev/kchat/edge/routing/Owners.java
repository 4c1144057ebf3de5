package dev.kchat.edge.routing;

import dev.kchat.api.EdgeDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Which other edge serves a user, from the edges' group (through the {@link EdgeDirectory}). */
public final class Owners {

    private static final Logger log = LoggerFactory.getLogger(Owners.class);

    private final EdgeDirectory directory;
    private final String edgeUrl;
    private final int partitions;

    public Owners(EdgeDirectory directory, String edgeUrl, int partitions) {
        this.directory = directory;
        this.edgeUrl = edgeUrl;
        this.partitions = partitions;
    }

    /** This edge's URL, as the group knows it. */
    public String edgeUrl() {
        return edgeUrl;
    }

    public int partitionOf(String userId) {
        return EdgeDirectory.partitionOf(userId, partitions);
    }

    /**
     * The edge serving a user that this edge does not serve, or null while no other edge does. A
     * cached answer naming this edge is stale (it lost the partition), so the group is read again.
     * Blocks on the Admin client: workers only.
     */
    public String ownerElsewhere(String userId) {
        String owner = directory.locate(userId).edgeUrl().orElse(null);
        if (edgeUrl.equals(owner)) {
            owner = directory.locateNow(userId).edgeUrl().orElse(null);
        }
        return edgeUrl.equals(owner) ? null : owner;
    }

    /** {@link #ownerElsewhere} for paths that can do without the answer (the client then asks GET /v1/edge). */
    public String ownerElsewhereIfKnown(String userId) {
        try {
            return ownerElsewhere(userId);
        } catch (RuntimeException e) {
            log.warn("edge directory unavailable, answering without the owner of {}: {}", userId, e.toString());
            return null;
        }
    }
}
