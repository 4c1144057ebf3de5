package dev.kchat.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.schemas.json.EventJson;
import dev.kchat.schemas.topic.Topics;
import org.junit.jupiter.api.Test;

class EventJsonTest {

    @Test
    void shouldShowUnionBranchesByTheirSimpleNameAndTimestampsAsIso() {
        InboxEntry entry = (InboxEntry) Samples.oneRecordPerTopic().get(Topics.INBOX).getValue();

        ObjectNode json = EventJson.toJson(entry);

        assertThat(json.get("inbox_seq").asLong()).isEqualTo(3);
        assertThat(json.get("created_at").asText()).isEqualTo("2026-11-23T10:00:01Z");
        assertThat(json.at("/item/type").asText()).isEqualTo("ConversationEvent");
        assertThat(json.at("/item/payload/type").asText()).isEqualTo("MessagePosted");
        assertThat(json.at("/item/payload/body").asText()).isEqualTo("héllo wörld ✓");
        assertThat(json.at("/item/payload/reply_to_seq").asLong()).isEqualTo(6);
        assertThat(json.at("/item/actor_device_id").asText()).isEqualTo("phone");
    }
}
