package dev.kchat.store.media;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.List;
import java.util.Optional;

/** Reads what {@link MediaWriter} stored: an upload's state and the messages it was posted in. */
public final class MediaRepository {

    /** An upload as stored; {@code width}, {@code height} and {@code thumbnailKey} are null but for images. */
    public record StoredMedia(String mediaId, String ownerId, MediaWriter.State state, String contentType, long sizeBytes,
            String name, Integer width, Integer height, String objectKey, String thumbnailKey) {
    }

    /** A message an upload was attached to. */
    public record Post(String conversationId, long seq) {
    }

    private final CqlSession session;
    private final PreparedStatement media;
    private final PreparedStatement posts;

    public MediaRepository(CqlSession session, String keyspace) {
        this.session = session;
        media = session.prepare("SELECT media_id, owner_id, state, content_type, size_bytes, name, width, height, object_key,"
                + " thumbnail_key FROM " + keyspace + ".media_by_id WHERE media_id = ?");
        posts = session.prepare("SELECT conversation_id, seq FROM " + keyspace + ".media_posts WHERE media_id = ? LIMIT 1000");
    }

    public Optional<StoredMedia> media(String mediaId) {
        Row row = session.execute(media.bind(mediaId)).one();
        if (row == null || row.getString("state") == null) {
            return Optional.empty();
        }
        return Optional.of(new StoredMedia(row.getString("media_id"), row.getString("owner_id"),
                MediaWriter.State.valueOf(row.getString("state")), row.getString("content_type"),
                row.isNull("size_bytes") ? 0 : row.getLong("size_bytes"), row.getString("name"),
                row.isNull("width") ? null : row.getInt("width"), row.isNull("height") ? null : row.getInt("height"),
                row.getString("object_key"), row.getString("thumbnail_key")));
    }

    /** The messages the upload was posted in (at most 1,000: one upload forwarded further is not looked at). */
    public List<Post> posts(String mediaId) {
        return session.execute(posts.bind(mediaId)).all().stream()
                .map(r -> new Post(r.getString("conversation_id"), r.getLong("seq"))).toList();
    }
}
