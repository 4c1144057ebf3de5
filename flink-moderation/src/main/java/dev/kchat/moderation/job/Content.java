package dev.kchat.moderation.job;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.MomentRef;
import dev.kchat.events.social.CommentAdded;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.PostCreated;
import dev.kchat.moderation.ChatMessage;
import dev.kchat.moderation.Flood;
import java.time.Instant;
import java.util.Optional;

/**
 * A piece of user content as it flows through the job: a chat message (posted or edited) or a
 * moment (post or comment). A Flink POJO (a record of basic types), so it crosses the network and
 * sits in state with Flink's own serializer rather than Kryo.
 *
 * @param kind           chat or moment
 * @param senderId       who wrote it: the verdicts' subject
 * @param conversationId the conversation of a chat message; null for a moment
 * @param seq            the chat message's seq (what a Redact targets); 0 for a moment
 * @param messageId      the chat message's id when known
 * @param postId         the moment's post; null for a chat message
 * @param commentId      the comment of a moment comment; null otherwise
 * @param at             event time, epoch ms
 * @param body           the text
 * @param contentHash    {@link Flood#contentHash} of the normalised body for a chat message (the
 *                       flood detector's key); null for a moment
 * @param sourceTopic    where it was read, for error records
 * @param sourcePartition its partition
 * @param sourceOffset   its offset
 */
public record Content(Kind kind, String senderId, String conversationId, long seq, String messageId, String postId,
        String commentId, long at, String body, String contentHash, String sourceTopic, int sourcePartition,
        long sourceOffset) implements Sourced {

    /** What kind of content. */
    public enum Kind { CHAT, MOMENT }

    /** The content of a {@code chat.conversation.log} event: MessagePosted and MessageEdited; nothing for other events. */
    public static Optional<Content> of(ConversationEvent event, String topic, int partition, long offset) {
        return ChatMessage.of(event).map(m -> new Content(Kind.CHAT, m.senderId(), m.conversationId(), m.seq(),
                m.messageId(), null, null, m.at().toEpochMilli(), m.body(), Flood.contentHash(Flood.normalise(m.body())),
                topic, partition, offset));
    }

    /** The content of a {@code moments.events} event: PostCreated and CommentAdded; nothing for likes and deletions. */
    public static Optional<Content> of(MomentEvent event, String topic, int partition, long offset) {
        Object payload = event.getEvent();
        if (payload instanceof PostCreated post) {
            return Optional.of(moment(event, null, post.getText(), topic, partition, offset));
        }
        if (payload instanceof CommentAdded comment) {
            return Optional.of(moment(event, comment.getCommentId(), comment.getText(), topic, partition, offset));
        }
        return Optional.empty();
    }

    private static Content moment(MomentEvent event, String commentId, String text, String topic, int partition, long offset) {
        return new Content(Kind.MOMENT, event.getActorId(), null, 0, null, event.getPostId(), commentId,
                event.getAt().toEpochMilli(), text, null, topic, partition, offset);
    }

    /** The chat message the library detectors take; only for {@link Kind#CHAT}. */
    public ChatMessage chatMessage() {
        return new ChatMessage(senderId, conversationId, seq, messageId, Instant.ofEpochMilli(at), body);
    }

    /** The reference a verdict about this content carries: a {@link ChatMessageRef} or a {@link MomentRef}. */
    public Object ref() {
        if (kind == Kind.CHAT) {
            return ChatMessageRef.newBuilder().setConversationId(conversationId).setSeq(seq).setMessageId(messageId).build();
        }
        return MomentRef.newBuilder().setPostId(postId).setCommentId(commentId).build();
    }

    /** The flood detector's key: sender and content hash. */
    public String senderAndContent() {
        return senderId + '\u0000' + contentHash;
    }
}
