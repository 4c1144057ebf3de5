package dev.kchat.store.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.kchat.store.TestStore;
import dev.kchat.store.cql.Replication;
import org.junit.jupiter.api.Test;

class MigrationsTest {

    private final CqlSession session = TestStore.session();

    @Test
    void shouldApplyEachMigrationOnceAndRecordItsVersion() {
        // Given a database without the keyspace
        String keyspace = "migrations_" + ProcessHandle.current().pid();

        // When the migrations run twice, as on two successive starts
        var first = Migrations.apply(session, keyspace, Replication.simple(1));
        var second = Migrations.apply(session, keyspace, Replication.simple(1));

        // Then the first run applied every bundled version, the second nothing, and the tables exist
        assertThat(first).containsExactlyElementsOf(Migrations.bundled().stream().map(Migrations.Migration::version).toList());
        assertThat(second).isEmpty();
        assertThat(Migrations.currentVersion(session, keyspace)).isEqualTo(first.get(first.size() - 1));
        assertThat(session.getMetadata().getKeyspace(keyspace).orElseThrow().getTables().keySet())
                .extracting(Object::toString)
                .contains("messages_by_conversation", "inbox_by_user", "inbox_heads", "conversations_by_user",
                        "conversations", "members_by_conversation", "receipt_counts_by_message", "schema_version");
        assertThat(session.getMetadata().getKeyspace(keyspace).orElseThrow().getReplication())
                .containsEntry("replication_factor", "1");
    }

    @Test
    void shouldSkipAddingAColumnATableHasAlready() {
        // Given a migrated keyspace (V003 added conversations_by_user.delivered_seq)
        String keyspace = TestStore.newKeyspace("alter");

        // Then re-adding that column is skipped (a run interrupted after the ALTER), a new one is not
        assertThat(Migrations.addsExistingColumn(session,
                "ALTER TABLE " + keyspace + ".conversations_by_user ADD delivered_seq bigint")).isTrue();
        assertThat(Migrations.addsExistingColumn(session,
                "ALTER TABLE " + keyspace + ".conversations_by_user ADD something_new bigint")).isFalse();
        assertThat(Migrations.addsExistingColumn(session,
                "CREATE TABLE IF NOT EXISTS " + keyspace + ".x (a int PRIMARY KEY)")).isFalse();
    }

    @Test
    void shouldRefuseToStartWhenAnAppliedMigrationHasChanged() {
        // Given a keyspace whose recorded migration does not match the bundled file any more
        String keyspace = TestStore.newKeyspace("tampered");
        session.execute("UPDATE " + keyspace + ".schema_version SET checksum = 'edited' WHERE version = 1");

        // When the migrations run, then they refuse
        assertThatThrownBy(() -> Migrations.apply(session, keyspace, Replication.simple(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("never edit an applied migration");
    }

    @Test
    void shouldParseReplicationSettings() {
        // When replication settings are parsed, then they render as CQL maps
        assertThat(Replication.parse("SimpleStrategy:1").toCql())
                .isEqualTo("{'class': 'SimpleStrategy', 'replication_factor': 1}");
        assertThat(Replication.parse("NetworkTopologyStrategy:dc1=3,dc2=2").toCql())
                .isEqualTo("{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}");
        assertThatThrownBy(() -> Replication.parse("SimpleStrategy")).isInstanceOf(IllegalArgumentException.class);
    }
}
