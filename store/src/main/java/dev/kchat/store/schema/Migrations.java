package dev.kchat.store.schema;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.schema.KeyspaceMetadata;
import dev.kchat.store.cql.Replication;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CQL schema as versioned migration files ({@code V001__name.cql}, listed in
 * {@value #INDEX}), applied in order at start and recorded in {@code <keyspace>.schema_version}.
 *
 * <p>Idempotent: every statement is {@code IF NOT EXISTS} (an {@code ALTER TABLE t ADD c type}, which
 * ScyllaDB cannot say {@code IF NOT EXISTS} of, is skipped when the table has the column), a version is
 * recorded only after all its statements ran, so a run interrupted half-way is simply completed by the
 * next one. A recorded version
 * whose file has changed since (checksum) stops the start: applied migrations are immutable.
 *
 * <p>Run it from one process at a time (the sink at start, or the local runner): concurrent
 * {@code CREATE TABLE} on different coordinators can race in Cassandra-family databases.
 */
public final class Migrations {

    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    static final String RESOURCE_DIR = "/dev/kchat/store/migrations/";
    static final String INDEX = RESOURCE_DIR + "index.txt";
    private static final Pattern FILE_NAME = Pattern.compile("V(\\d+)__([A-Za-z0-9_]+)\\.cql");
    /** {@code ALTER TABLE ks.table ADD column type}: keyspace, table, column. */
    private static final Pattern ADD_COLUMN = Pattern.compile(
            "(?is)ALTER\\s+TABLE\\s+(\\w+)\\.(\\w+)\\s+ADD\\s+(\\w+)\\s+.+");
    /** DDL waits for schema agreement across the cluster; much slower than a data request. */
    private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

    private Migrations() {
    }

    /** One migration file. */
    public record Migration(int version, String name, String script, String checksum) {

        /** The CQL statements of the file with {@code ${keyspace}} replaced, comments removed. */
        List<String> statements(String keyspace) {
            List<String> out = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String line : script.split("\n")) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                    continue;
                }
                current.append(line).append('\n');
                if (trimmed.endsWith(";")) {
                    out.add(current.toString().strip().replaceAll(";$", "").replace("${keyspace}", keyspace));
                    current.setLength(0);
                }
            }
            if (!current.toString().isBlank()) {
                throw new IllegalStateException("migration V" + version + " ends without ';'");
            }
            return out;
        }
    }

    /** The migrations bundled with this version of the store, in version order. */
    public static List<Migration> bundled() {
        TreeMap<Integer, Migration> byVersion = new TreeMap<>();
        for (String file : readLines(INDEX)) {
            Matcher m = FILE_NAME.matcher(file);
            if (!m.matches()) {
                throw new IllegalStateException("migration file name " + file + " does not match " + FILE_NAME);
            }
            int version = Integer.parseInt(m.group(1));
            String script = String.join("\n", rawLines(RESOURCE_DIR + file));
            Migration previous = byVersion.put(version, new Migration(version, m.group(2), script, sha256(script)));
            if (previous != null) {
                throw new IllegalStateException("two migrations with version " + version);
            }
        }
        return List.copyOf(byVersion.values());
    }

    /**
     * Creates the keyspace if missing (with this replication), then applies every bundled migration not
     * yet recorded in its {@code schema_version} table.
     *
     * @return the versions applied by this call (empty if the schema was already current)
     * @throws IllegalStateException if an applied migration's file has changed since
     */
    public static List<Integer> apply(CqlSession session, String keyspace, Replication replication) {
        ddl(session, "CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replication.toCql());
        warnIfReplicationDiffers(session, keyspace, replication);
        ddl(session, "CREATE TABLE IF NOT EXISTS " + keyspace + ".schema_version ("
                + "version int PRIMARY KEY, name text, checksum text, applied_at timestamp)");
        Map<Integer, String> applied = appliedChecksums(session, keyspace);
        List<Integer> appliedNow = new ArrayList<>();
        for (Migration migration : bundled()) {
            String recorded = applied.get(migration.version());
            if (recorded != null) {
                if (!recorded.equals(migration.checksum())) {
                    throw new IllegalStateException("migration V" + migration.version() + " (" + migration.name()
                            + ") was applied to " + keyspace + " with checksum " + recorded
                            + " but the bundled file now has " + migration.checksum()
                            + ": never edit an applied migration, add a new one");
                }
                continue;
            }
            log.info("applying migration V{} {} to keyspace {}", migration.version(), migration.name(), keyspace);
            for (String statement : migration.statements(keyspace)) {
                if (addsExistingColumn(session, statement)) {
                    log.info("V{}: column exists already, skipping: {}", migration.version(), statement);
                    continue;
                }
                ddl(session, statement);
            }
            session.execute(SimpleStatement.newInstance(
                            "INSERT INTO " + keyspace + ".schema_version (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                            migration.version(), migration.name(), migration.checksum(), Instant.now())
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
            appliedNow.add(migration.version());
        }
        log.info("keyspace {} at schema version {} (applied now: {})", keyspace, currentVersion(session, keyspace),
                appliedNow);
        return appliedNow;
    }

    /** The highest recorded version of a keyspace, 0 if none. */
    public static int currentVersion(CqlSession session, String keyspace) {
        return appliedChecksums(session, keyspace).keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    private static Map<Integer, String> appliedChecksums(CqlSession session, String keyspace) {
        Map<Integer, String> out = new TreeMap<>();
        for (Row row : session.execute(SimpleStatement.newInstance(
                        "SELECT version, checksum FROM " + keyspace + ".schema_version")
                .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            out.put(row.getInt("version"), row.getString("checksum"));
        }
        return out;
    }

    private static void warnIfReplicationDiffers(CqlSession session, String keyspace, Replication wanted) {
        Optional<KeyspaceMetadata> metadata = session.getMetadata().getKeyspace(keyspace);
        metadata.ifPresent(ks -> {
            Map<String, String> actual = ks.getReplication();
            String strategy = actual.getOrDefault("class", "");
            if (!strategy.endsWith(wanted.strategy())) {
                // Changing replication needs a repair afterwards: an operator's decision, not a start-up side effect.
                log.warn("keyspace {} has replication {} but {} is configured; leaving it as it is", keyspace, actual,
                        wanted.toCql());
            }
        });
    }

    /** Whether the statement adds a column the table already has (a migration re-run after a failure). */
    static boolean addsExistingColumn(CqlSession session, String statement) {
        Matcher m = ADD_COLUMN.matcher(statement.strip());
        if (!m.matches()) {
            return false;
        }
        return session.getMetadata().getKeyspace(m.group(1))
                .flatMap(ks -> ks.getTable(m.group(2)))
                .map(table -> table.getColumn(m.group(3)).isPresent())
                .orElse(false);
    }

    private static void ddl(CqlSession session, String cql) {
        session.execute(SimpleStatement.newInstance(cql).setTimeout(DDL_TIMEOUT));
    }

    private static List<String> readLines(String resource) {
        return rawLines(resource).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
    }

    private static List<String> rawLines(String resource) {
        InputStream in = Migrations.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("missing resource " + resource);
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return reader.lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
