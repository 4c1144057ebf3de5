package dev.kchat.ingress.media;

import dev.kchat.api.ApiException;
import dev.kchat.store.media.MediaRepository;
import dev.kchat.store.media.MediaRepository.Post;
import dev.kchat.store.media.MediaRepository.StoredMedia;
import dev.kchat.store.media.MediaWriter;
import dev.kchat.store.read.ChatRepository;
import dev.kchat.store.read.ConversationSummary;
import dev.kchat.store.read.StoredEvent;
import java.util.List;
import java.util.Set;

/**
 * Who may download an upload ({@code GET /v1/media/{id}}), from the store: a completed upload that
 * was never posted is its owner's alone; once posted, it is reachable while at least one message
 * it is in is still there (not recalled, deleted or redacted), by the owner and by the current
 * members of such a message's conversation. When every message it is in was taken back it is gone
 * for everyone ({@code 410 media_gone}), its owner included: recalling a message takes its media
 * back. Anyone else, and any id that is not a completed upload, gets {@code 404 media_not_found},
 * so nobody learns of an upload they may not see.
 */
final class MediaAccess {

    /** Message states in which the message, and so its media, is still shown. */
    private static final Set<String> LIVE = Set.of("POSTED", "EDITED");

    private final MediaRepository media;
    private final ChatRepository chat;

    MediaAccess(MediaRepository media, ChatRepository chat) {
        this.media = media;
        this.chat = chat;
    }

    /**
     * The upload {@code callerId} may download.
     *
     * @throws ApiException {@code 404 media_not_found} or {@code 410 media_gone}
     */
    StoredMedia check(String callerId, String mediaId) {
        StoredMedia stored = media.media(mediaId).filter(m -> m.state() == MediaWriter.State.COMPLETED)
                .orElseThrow(() -> notFound(mediaId));
        boolean owner = stored.ownerId().equals(callerId);
        List<Post> posts = media.posts(mediaId);
        if (posts.isEmpty()) {
            if (owner) {
                return stored;
            }
            throw notFound(mediaId);
        }
        List<Post> live = posts.stream().filter(this::live).toList();
        if (live.isEmpty()) {
            throw new ApiException(410, "media_gone", "every message media " + mediaId + " was posted in was recalled or deleted");
        }
        if (owner || live.stream().anyMatch(p -> member(callerId, p.conversationId()))) {
            return stored;
        }
        throw notFound(mediaId);
    }

    private boolean live(Post post) {
        return chat.event(post.conversationId(), post.seq()).map(StoredEvent::status).map(LIVE::contains).orElse(false);
    }

    private boolean member(String userId, String conversationId) {
        return chat.membership(userId, conversationId).map(ConversationSummary::active).orElse(false);
    }

    private static ApiException notFound(String mediaId) {
        return ApiException.notFound("media_not_found", "no media '" + mediaId + "' you can see");
    }
}
