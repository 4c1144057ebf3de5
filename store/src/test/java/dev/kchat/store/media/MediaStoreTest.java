package dev.kchat.store.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.common.Attachment;
import dev.kchat.events.media.MediaEvent;
import dev.kchat.events.media.UploadCompleted;
import dev.kchat.events.media.UploadRequested;
import dev.kchat.store.TestStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Media on the real CQL server: what {@link MediaWriter} stores and {@link MediaRepository} reads back. */
class MediaStoreTest {

    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private static final String MEDIA = "0f5e2a5c-9b7d-4c1e-8a3f-2d6b7c8e9f01";

    private static String keyspace;

    @BeforeAll
    static void migrate() {
        keyspace = TestStore.newKeyspace("media");
    }

    @Test
    void shouldKeepTheCompletedStateWhenTheRequestIsReplayedAfterIt() {
        MediaWriter writer = new MediaWriter(TestStore.session(), keyspace);
        MediaRepository repository = new MediaRepository(TestStore.session(), keyspace);
        MediaEvent requested = MediaEvent.newBuilder().setMediaId(MEDIA).setOwnerId("alice").setAt(T0)
                .setEvent(UploadRequested.newBuilder().setDeclaredType("image/png").setDeclaredSize(99).setName("a.png")
                        .setObjectKey("u/alice/" + MEDIA).build()).build();
        MediaEvent completed = MediaEvent.newBuilder().setMediaId(MEDIA).setOwnerId("alice").setAt(T0.plusSeconds(2))
                .setEvent(UploadCompleted.newBuilder().setContentType("image/jpeg").setSizeBytes(1234).setName("a.png").setWidth(64)
                        .setHeight(48).setObjectKey("u/alice/" + MEDIA).setThumbnailKey("u/alice/" + MEDIA + ".thumb.jpg").build()).build();

        TestStore.write(new ArrayList<>(writer.statementsFor(requested)));
        TestStore.write(new ArrayList<>(writer.statementsFor(completed)));
        TestStore.write(new ArrayList<>(writer.statementsFor(requested))); // a replay

        MediaRepository.StoredMedia media = repository.media(MEDIA).orElseThrow();
        assertThat(media.state()).isEqualTo(MediaWriter.State.COMPLETED);
        assertThat(media.contentType()).isEqualTo("image/jpeg");
        assertThat(media.sizeBytes()).isEqualTo(1234);
        assertThat(media.width()).isEqualTo(64);
        assertThat(media.thumbnailKey()).endsWith(".thumb.jpg");
        assertThat(repository.media("00000000-0000-4000-8000-000000000000")).isEmpty();
    }

    @Test
    void shouldRecordTheMessagesAnUploadWasPostedIn() {
        MediaWriter writer = new MediaWriter(TestStore.session(), keyspace);
        MediaRepository repository = new MediaRepository(TestStore.session(), keyspace);
        String media = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d";
        ConversationEvent posted = ConversationEvent.newBuilder().setConversationId("g-1").setSeq(7).setEventId("e-7")
                .setActorId("alice").setOccurredAt(T0).setPayload(MessagePosted.newBuilder().setMessageId("m").setClientMsgId("c")
                        .setBody("").setAttachments(List.of(Attachment.newBuilder().setMediaId(media).setMimeType("image/jpeg")
                                .setSizeBytes(5).build())).build()).build();

        TestStore.write(new ArrayList<>(writer.postedStatements(posted)));
        TestStore.write(new ArrayList<>(writer.postedStatements(posted)));

        assertThat(repository.posts(media)).containsExactly(new MediaRepository.Post("g-1", 7));
    }
}
