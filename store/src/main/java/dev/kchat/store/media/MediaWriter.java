package dev.kchat.store.media;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.common.Attachment;
import dev.kchat.events.media.MediaEvent;
import dev.kchat.events.media.UploadCompleted;
import dev.kchat.events.media.UploadRejected;
import dev.kchat.events.media.UploadRequested;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements that store media (migration V007): an upload's state from {@code media.events}
 * into {@code media_by_id}, and each message an upload is attached to into {@code media_posts}.
 * Replays rewrite the same cells: states are written at the event's time, posts are keyed by
 * (media, conversation, seq).
 */
public final class MediaWriter {

    /** Values of {@code media_by_id.state}. */
    public enum State { REQUESTED, COMPLETED, REJECTED }

    private final PreparedStatement requested;
    private final PreparedStatement completed;
    private final PreparedStatement rejected;
    private final PreparedStatement posted;

    public MediaWriter(CqlSession session, String keyspace) {
        String table = keyspace + ".media_by_id";
        requested = session.prepare("INSERT INTO " + table + " (media_id, owner_id, state, content_type, size_bytes, name, object_key,"
                + " updated_at) VALUES (:media_id, :owner_id, :state, :content_type, :size_bytes, :name, :object_key, :updated_at)"
                + " USING TIMESTAMP :ts");
        completed = session.prepare("INSERT INTO " + table + " (media_id, owner_id, state, content_type, size_bytes, name, width, height,"
                + " object_key, thumbnail_key, updated_at) VALUES (:media_id, :owner_id, :state, :content_type, :size_bytes, :name,"
                + " :width, :height, :object_key, :thumbnail_key, :updated_at) USING TIMESTAMP :ts");
        rejected = session.prepare("INSERT INTO " + table + " (media_id, owner_id, state, reject_code, updated_at)"
                + " VALUES (:media_id, :owner_id, :state, :reject_code, :updated_at) USING TIMESTAMP :ts");
        posted = session.prepare("INSERT INTO " + keyspace + ".media_posts (media_id, conversation_id, seq, posted_at)"
                + " VALUES (:media_id, :conversation_id, :seq, :posted_at)");
    }

    /**
     * The statement that stores one media event.
     *
     * @throws IllegalArgumentException for an event kind this version does not know
     */
    public List<BoundStatement> statementsFor(MediaEvent event) {
        long ts = event.getAt().toEpochMilli() * 1000;
        Object what = event.getEvent();
        BoundStatement statement;
        if (what instanceof UploadRequested r) {
            statement = requested.boundStatementBuilder()
                    .setString("state", State.REQUESTED.name())
                    .setString("content_type", r.getDeclaredType())
                    .setLong("size_bytes", r.getDeclaredSize())
                    .setString("name", r.getName())
                    .setString("object_key", r.getObjectKey())
                    .setString("media_id", event.getMediaId()).setString("owner_id", event.getOwnerId())
                    .setInstant("updated_at", event.getAt()).setLong("ts", ts).build();
        } else if (what instanceof UploadCompleted c) {
            statement = completed.boundStatementBuilder()
                    .setString("state", State.COMPLETED.name())
                    .setString("content_type", c.getContentType())
                    .setLong("size_bytes", c.getSizeBytes())
                    .setString("name", c.getName())
                    .set("width", c.getWidth(), Integer.class)
                    .set("height", c.getHeight(), Integer.class)
                    .setString("object_key", c.getObjectKey())
                    .setString("thumbnail_key", c.getThumbnailKey())
                    .setString("media_id", event.getMediaId()).setString("owner_id", event.getOwnerId())
                    .setInstant("updated_at", event.getAt()).setLong("ts", ts).build();
        } else if (what instanceof UploadRejected r) {
            statement = rejected.boundStatementBuilder()
                    .setString("state", State.REJECTED.name())
                    .setString("reject_code", r.getCode())
                    .setString("media_id", event.getMediaId()).setString("owner_id", event.getOwnerId())
                    .setInstant("updated_at", event.getAt()).setLong("ts", ts).build();
        } else {
            throw new IllegalArgumentException("unknown media event " + what.getClass().getName());
        }
        return List.of(statement);
    }

    /** A row per uploaded attachment of a posted message; nothing for other events. */
    public List<BoundStatement> postedStatements(ConversationEvent event) {
        if (!(event.getPayload() instanceof MessagePosted message)) {
            return List.of();
        }
        List<BoundStatement> out = new ArrayList<>();
        for (Attachment a : message.getAttachments()) {
            if (a.getMediaId() != null) {
                out.add(posted.boundStatementBuilder()
                        .setString("media_id", a.getMediaId())
                        .setString("conversation_id", event.getConversationId())
                        .setLong("seq", event.getSeq())
                        .setInstant("posted_at", event.getOccurredAt())
                        .build());
            }
        }
        return out;
    }
}
