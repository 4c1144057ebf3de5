package dev.kchat.store.cql;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Keyspace replication, written in settings as {@code SimpleStrategy:1} (one node, local) or
 * {@code NetworkTopologyStrategy:dc1=3,dc2=3} (compose and production).
 */
public record Replication(String strategy, Map<String, Integer> factors) {

    public static final String SIMPLE = "SimpleStrategy";
    public static final String NETWORK_TOPOLOGY = "NetworkTopologyStrategy";

    public Replication {
        Objects.requireNonNull(strategy, "strategy");
        factors = Map.copyOf(factors);
        if (!strategy.equals(SIMPLE) && !strategy.equals(NETWORK_TOPOLOGY)) {
            throw new IllegalArgumentException("replication strategy must be " + SIMPLE + " or " + NETWORK_TOPOLOGY
                    + ", was " + strategy);
        }
        if (factors.isEmpty() || factors.values().stream().anyMatch(f -> f < 1)) {
            throw new IllegalArgumentException("replication factors must be >= 1, were " + factors);
        }
        if (strategy.equals(SIMPLE) && (factors.size() != 1 || !factors.containsKey("replication_factor"))) {
            throw new IllegalArgumentException(SIMPLE + " takes a single replication factor");
        }
    }

    /** One copy per row: a single local node. */
    public static Replication simple(int factor) {
        return new Replication(SIMPLE, Map.of("replication_factor", factor));
    }

    /** Parses {@code SimpleStrategy:1} or {@code NetworkTopologyStrategy:dc1=3,dc2=3}. */
    public static Replication parse(String text) {
        String[] parts = text.trim().split(":", 2);
        if (parts.length != 2 || parts[1].isBlank()) {
            throw new IllegalArgumentException("replication '" + text
                    + "' must look like SimpleStrategy:1 or NetworkTopologyStrategy:dc1=3");
        }
        String strategy = parts[0].trim();
        if (strategy.equals(SIMPLE)) {
            return simple(Integer.parseInt(parts[1].trim()));
        }
        Map<String, Integer> factors = new LinkedHashMap<>();
        for (String dc : parts[1].split(",")) {
            String[] kv = dc.trim().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("replication '" + text + "': expected dc=factor, got '" + dc + "'");
            }
            factors.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
        }
        return new Replication(strategy, factors);
    }

    /** The CQL map literal of {@code CREATE KEYSPACE ... WITH replication = }. */
    public String toCql() {
        String rest = factors.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> "'" + e.getKey().replace("'", "''") + "': " + e.getValue())
                .collect(Collectors.joining(", "));
        return "{'class': '" + strategy + "', " + rest + "}";
    }

    /** The setting's text form, the inverse of {@link #parse(String)}. */
    @Override
    public String toString() {
        if (strategy.equals(SIMPLE)) {
            return SIMPLE + ":" + factors.get("replication_factor");
        }
        return strategy + ":" + factors.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }
}
