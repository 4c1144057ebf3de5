package dev.kchat.push.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.push.state.PendingPush;
import dev.kchat.push.state.PushUser;
import dev.kchat.push.state.UnreadPosition;
import dev.kchat.streams.StateSerde;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/**
 * {@code push-users} changelogs written before the per-entry stores (PushUser-v1.avsc, the schema
 * as it was: the unread positions inside) restore into today's {@link PushUser} with the positions
 * intact, so the decider can move them into {@code push-unread} the first time it touches the user.
 */
class PushStateCompatibilityTest {

    private static final String CHANGELOG = "kchat-push-push-users-changelog";

    @Test
    void shouldReadAPushUserWrittenBeforeThePositionsMovedOut() throws Exception {
        // Given: a record as the earlier decider wrote it
        Schema v1 = v1();
        GenericRecord chat = new GenericData.Record(v1.getField("conversations").schema().getValueType());
        chat.put("last_seq", 10L);
        chat.put("read_seq", 8L);
        GenericRecord phone = new GenericData.Record(v1.getField("devices").schema().getElementType());
        phone.put("device_id", "phone");
        phone.put("platform", "APNS");
        phone.put("token", "apns-1");
        phone.put("app_id", "dev.kchat.app");
        phone.put("bucket_tokens", 4.5);
        phone.put("bucket_at_ms", 1_000L);
        GenericRecord user = new GenericData.Record(v1);
        user.put("user_id", "bob");
        user.put("devices", List.of(phone));
        user.put("muted", Map.of("g-1", Long.MAX_VALUE));
        user.put("dnd_until_ms", null);
        user.put("hide_text", true);
        user.put("sessions", Map.of());
        user.put("conversations", Map.of("d:alice:bob", chat));
        user.put("moments_unread", 3L);
        user.put("last_inbox_seq", 7L);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(user);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        // When: read by the store's serde
        PushUser read = StateSerde.of(PushUser.class).deserializer().deserialize(CHANGELOG, bytes);

        // Then: every field, the positions included
        assertThat(read.getConversations()).containsExactly(Map.entry("d:alice:bob", new UnreadPosition(10L, 8L)));
        assertThat(read.getMomentsUnread()).isEqualTo(3L);
        assertThat(read.getLastInboxSeq()).isEqualTo(7L);
        assertThat(read.getDevices()).singleElement().satisfies(d -> assertThat(d.getToken()).isEqualTo("apns-1"));
        assertThat(read.getMuted()).containsEntry("g-1", Long.MAX_VALUE);
        assertThat(read.getHideText()).isTrue();
    }

    @Test
    void shouldKeepPushUsersSchemaAsTheEarlierVersionWroteIt() {
        // Only docs changed: the fingerprint in every record already written is today's, so no
        // previous schema needs registering (a field change must add PushUser-v1.avsc to the serde).
        assertThat(SchemaNormalization.parsingFingerprint64(PushUser.getClassSchema()))
                .isEqualTo(SchemaNormalization.parsingFingerprint64(v1()));
    }

    @Test
    void shouldReadABurstWrittenBeforePushCandidates() throws Exception {
        // Given: a burst as the decider wrote it before last_conv_seq
        Schema v1 = PushDeciderApp.PENDING_PUSH_V1;
        GenericRecord burst = new GenericData.Record(v1);
        burst.put("user_id", "bob");
        burst.put("collapse_key", "g-1");
        burst.put("conversation_id", "g-1");
        burst.put("kind", "MESSAGE");
        burst.put("title", "alice");
        burst.put("body", "hi");
        burst.put("body_conv_seq", 4L);
        burst.put("count", 2);
        burst.put("first_inbox_seq", 7L);
        burst.put("last_inbox_seq", 8L);
        burst.put("first_entry_at_ms", 1_000L);
        burst.put("due_ms", 3_000L);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(burst);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        // When: read by the store's serde
        PendingPush read = StateSerde.of(PendingPush.class, v1).deserializer().deserialize("kchat-push-push-pending-changelog", bytes);

        // Then: every field, and no candidate came last, so its push id stays the inbox seq's
        assertThat(read.getLastInboxSeq()).isEqualTo(8L);
        assertThat(read.getCount()).isEqualTo(2);
        assertThat(read.getLastConvSeq()).isNull();
        assertThat(PushRules.pushId("bob", "phone", read)).isEqualTo("bob:phone:8");
    }

    private static Schema v1() {
        return StateSerde.schemaResource(PushStateCompatibilityTest.class, "/dev/kchat/push/state/PushUser-v1.avsc");
    }
}
