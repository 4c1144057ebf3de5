package dev.kchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FrameScannerTest {

    @Test
    void shouldReadInboxSeqAndClientMsgIdOfAPostedMessage() {
        String frame = "{\"type\":\"event\",\"inbox_seq\":42,\"entry\":{\"user_id\":\"u1\",\"inbox_seq\":42,\"item\":{\"type\":\"ConversationEvent\","
                + "\"conversation_id\":\"g:1\",\"seq\":7,\"payload\":{\"type\":\"MessagePosted\",\"message_id\":\"m\","
                + "\"client_msg_id\":\"r1-17\",\"body\":\"say \\\"client_msg_id\\\":\\\"fake\\\"\"}}}}";

        FrameScanner.Frame f = FrameScanner.scan(frame);

        assertThat(f.kind()).isEqualTo(FrameScanner.Kind.EVENT);
        assertThat(f.inboxSeq()).isEqualTo(42);
        assertThat(f.messagePosted()).isTrue();
        assertThat(f.clientMsgId()).isEqualTo("r1-17");
    }

    @Test
    void shouldTellOtherFramesApart() {
        assertThat(FrameScanner.scan("{\"type\":\"sent\",\"conversation_id\":\"g\",\"client_msg_id\":\"r1-3\"}").clientMsgId()).isNull();
        assertThat(FrameScanner.scan("{\"type\":\"ready\",\"user_id\":\"u\",\"device_id\":\"d\",\"inbox_seq\":9}").inboxSeq()).isEqualTo(9);
        FrameScanner.Frame error = FrameScanner.scan("{\"type\":\"error\",\"code\":\"not_member\",\"message\":\"no\",\"ref\":\"r1-5\"}");
        assertThat(error.code()).isEqualTo("not_member");
        assertThat(error.ref()).isEqualTo("r1-5");
        FrameScanner.Frame status = FrameScanner.scan("{\"type\":\"event\",\"inbox_seq\":3,\"entry\":{\"item\":{\"type\":\"MessageStatusChanged\"}}}");
        assertThat(status.messagePosted()).isFalse();
        assertThat(FrameScanner.scan("{\"type\":\"broadcast\",\"conversation_id\":\"g\",\"seq\":1,\"event\":{\"payload\":{\"type\":\"MessagePosted\",\"client_msg_id\":\"x-1\"}}}")
                .clientMsgId()).isEqualTo("x-1");
        assertThat(FrameScanner.scan("not json").kind()).isEqualTo(FrameScanner.Kind.OTHER);
    }

    @Test
    void shouldReadTheEdgeOfRedirectAndReconnectFrames() {
        FrameScanner.Frame redirect = FrameScanner.scan("{\"type\":\"redirect\",\"edge\":\"ws://127.0.0.1:8091/v1/ws\"}");
        assertThat(redirect.kind()).isEqualTo(FrameScanner.Kind.REDIRECT);
        assertThat(redirect.edge()).isEqualTo("ws://127.0.0.1:8091/v1/ws");
        FrameScanner.Frame moved = FrameScanner.scan("{\"type\":\"reconnect\",\"reason\":\"rebalance\",\"edge\":\"ws://h:1/v1/ws\"}");
        assertThat(moved.edge()).isEqualTo("ws://h:1/v1/ws");
        assertThat(FrameScanner.scan("{\"type\":\"reconnect\",\"reason\":\"wrong_edge\"}").edge()).isNull();
    }
}
