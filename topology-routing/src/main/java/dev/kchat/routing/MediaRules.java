package dev.kchat.routing;

import dev.kchat.events.common.Attachment;
import dev.kchat.events.media.MediaEvent;
import dev.kchat.events.media.UploadCompleted;
import java.util.ArrayList;
import java.util.List;

/**
 * The attachment check of a send: every attachment must name (media_id) a completed upload of the
 * sender's own, as routing's global store {@value RoutingApp#MEDIA_STORE} over {@code media.events}
 * knows it. The posted message carries what the upload's completion found (sniffed type, size,
 * dimensions), not what the client said. A plain function of the attachments and the store.
 *
 * <p>The store is filled by the global thread, apart from the task that decides the send: a send
 * that names an upload completed moments ago, before the global thread has read its completion, is
 * refused as {@value #MEDIA_NOT_FOUND} (the client may send again with the same client_msg_id; a
 * rejected send records nothing). Ingress answers the completion only after Kafka has the event,
 * so in practice the global thread has it first.
 */
final class MediaRules {

    /** No upload with that id (a forged id, or one of another platform). */
    static final String MEDIA_NOT_FOUND = "media_not_found";
    /** The upload is another user's. */
    static final String MEDIA_NOT_OWNED = "media_not_owned";
    /** The upload was requested but not completed, or its completion was refused. */
    static final String MEDIA_NOT_COMPLETED = "media_not_completed";
    /** An attachment that names no upload (a free URL). */
    static final String MEDIA_REQUIRED = "media_required";

    private MediaRules() {
    }

    /** The checked attachments, or the refusal. */
    record Checked(List<Attachment> attachments, String code, String reason) {

        static Checked refused(String code, String reason) {
            return new Checked(List.of(), code, reason);
        }

        boolean refused() {
            return code != null;
        }
    }

    static Checked check(String senderId, List<Attachment> requested, RoutingState state) {
        List<Attachment> out = new ArrayList<>(requested.size());
        for (Attachment a : requested) {
            String mediaId = a.getMediaId();
            if (mediaId == null) {
                return Checked.refused(MEDIA_REQUIRED, "an attachment names a completed upload (media_id); free URLs are not accepted");
            }
            MediaEvent media = state.media(mediaId);
            if (media == null) {
                return Checked.refused(MEDIA_NOT_FOUND, "no upload " + mediaId);
            }
            if (!media.getOwnerId().equals(senderId)) {
                return Checked.refused(MEDIA_NOT_OWNED, "upload " + mediaId + " is not yours");
            }
            if (!(media.getEvent() instanceof UploadCompleted done)) {
                return Checked.refused(MEDIA_NOT_COMPLETED, "upload " + mediaId + " is not completed ("
                        + media.getEvent().getClass().getSimpleName() + ")");
            }
            out.add(Attachment.newBuilder()
                    .setMediaId(mediaId)
                    .setUrl(null)
                    .setMimeType(done.getContentType())
                    .setSizeBytes(done.getSizeBytes())
                    .setWidth(done.getWidth())
                    .setHeight(done.getHeight())
                    .setName(a.getName() != null ? a.getName() : done.getName())
                    .build());
        }
        return new Checked(out, null, null);
    }
}
