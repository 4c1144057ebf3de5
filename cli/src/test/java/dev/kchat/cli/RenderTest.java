package dev.kchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** How conversations, history and live items read as lines. */
class RenderTest {

    @Test
    void shouldNameADirectChatByTheOtherMemberAndShowUnreadAndTheLastMessage() throws Exception {
        JsonNode c = json("{\"conversation_id\":\"dm:alice:bob\",\"kind\":\"DIRECT\",\"unread\":2,"
                + "\"last_message_preview\":\"see you\",\"last_message_sender\":\"bob\"}");

        assertThat(Render.conversation(c, "alice")).matches("dm:alice:bob\\s+bob\\s+2 unread  bob: see you");
        assertThat(Render.conversation(c, "bob")).contains(" alice ");
    }

    @Test
    void shouldShowAGroupByItsNameWithoutAnUnreadColumnWhenNothingIsUnread() throws Exception {
        JsonNode c = json("{\"conversation_id\":\"g:7\",\"kind\":\"GROUP\",\"name\":\"team\",\"unread\":0}");

        assertThat(Render.conversation(c, "alice")).matches("g:7\\s+team");
    }

    @Test
    void shouldShowStoredMessagesWithTheirStateAndHideTheChangesThatMadeIt() throws Exception {
        assertThat(Render.stored(json("{\"seq\":4,\"event_type\":\"MessagePosted\",\"actor_id\":\"bob\",\"body\":\"hi again\","
                + "\"status\":\"EDITED\",\"reply_to_seq\":2,\"reactions\":{\"👍\":2}}")))
                .isEqualTo("#4 bob (reply to #2): hi again (edited)  [👍2]");
        assertThat(Render.stored(json("{\"seq\":5,\"event_type\":\"MessagePosted\",\"actor_id\":\"bob\",\"body\":null,\"status\":\"RECALLED\"}")))
                .isEqualTo("#5 bob: [message recalled]");
        assertThat(Render.stored(json("{\"seq\":6,\"event_type\":\"MessageEdited\",\"actor_id\":\"bob\",\"target_seq\":4}"))).isNull();
        assertThat(Render.stored(json("{\"seq\":1,\"event_type\":\"ConversationCreated\",\"actor_id\":\"alice\"}")))
                .isEqualTo("#1 alice created the chat");
    }

    @Test
    void shouldShowLiveItemsAndCountOnlyPostedMessages() throws Exception {
        JsonNode posted = json("{\"type\":\"ConversationEvent\",\"conversation_id\":\"g:7\",\"seq\":9,\"actor_id\":\"bob\","
                + "\"payload\":{\"type\":\"MessagePosted\",\"body\":\"hello\",\"reply_to_seq\":null}}");
        JsonNode recalled = json("{\"type\":\"ConversationEvent\",\"conversation_id\":\"g:7\",\"seq\":10,\"actor_id\":\"bob\","
                + "\"payload\":{\"type\":\"MessageRecalled\",\"target_seq\":9}}");
        JsonNode joined = json("{\"type\":\"ConversationEvent\",\"conversation_id\":\"g:7\",\"seq\":11,\"actor_id\":\"alice\","
                + "\"payload\":{\"type\":\"MemberJoined\",\"members\":[{\"user_id\":\"carol\",\"role\":\"MEMBER\"}]}}");
        JsonNode status = json("{\"type\":\"MessageStatusChanged\",\"conversation_id\":\"g:7\",\"up_to_seq\":9,\"status\":\"READ\",\"by_user_id\":\"bob\"}");

        assertThat(Render.live(posted)).isEqualTo("g:7 #9 bob: hello");
        assertThat(Render.live(recalled)).isEqualTo("g:7 #10 bob recalled #9");
        assertThat(Render.live(joined)).isEqualTo("g:7 #11 alice added carol");
        assertThat(Render.live(status)).isEqualTo("g:7 up to #9 read by bob");
        assertThat(Render.isMessage(posted)).isTrue();
        assertThat(Render.isMessage(recalled)).isFalse();
        assertThat(Render.isMessage(status)).isFalse();
    }

    private static JsonNode json(String text) throws Exception {
        return Api.JSON.readTree(text);
    }
}
