package dev.kchat.routing;

import static dev.kchat.routing.Commands.GROUP;
import static dev.kchat.routing.Commands.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.common.Attachment;
import dev.kchat.events.media.MediaEvent;
import dev.kchat.events.media.UploadCompleted;
import dev.kchat.events.media.UploadRequested;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attachments under {@link TopologyTestDriver}: routing posts a message only if each attachment
 * names a completed upload of the sender's own, as {@code media.events} tells it (the global store
 * {@value RoutingApp#MEDIA_STORE}), and the posted attachment carries the upload's checked type,
 * size and dimensions, not the client's.
 */
class MediaAttachmentTopologyTest {

    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String PHOTO = "0f5e2a5c-9b7d-4c1e-8a3f-2d6b7c8e9f01";
    private static final String BOBS_PHOTO = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d";
    private static final String PENDING = "2b3c4d5e-6f7a-4b2c-9d3e-4f5a6b7c8d9e";

    @TempDir
    Path stateDir;
    private TopologyTestDriver driver;
    private TestInputTopic<String, ChatCommand> commands;
    private TestInputTopic<String, MediaEvent> media;
    private TestOutputTopic<String, ConversationEvent> log;
    private TestOutputTopic<String, CommandResult> results;
    private TestOutputTopic<String, ProcessingError> errors;

    @BeforeEach
    void start() {
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        driver = RoutingTopologyTest.driver(topics, stateDir);
        commands = driver.createInputTopic(Topics.COMMANDS, topics.commands().keySerde().serializer(), topics.commands().valueSerde().serializer());
        media = driver.createInputTopic(Topics.MEDIA_EVENTS, topics.mediaEvents().keySerde().serializer(),
                topics.mediaEvents().valueSerde().serializer());
        log = driver.createOutputTopic(Topics.CONVERSATION_LOG, topics.conversationLog().keySerde().deserializer(),
                topics.conversationLog().valueSerde().deserializer());
        results = driver.createOutputTopic(Topics.COMMAND_RESULTS, topics.commandResults().keySerde().deserializer(),
                topics.commandResults().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
        // Given a group of alice and bob, alice's completed photo, bob's completed photo, and alice's pending upload
        commands.pipeInput(GROUP, Commands.createGroup(GROUP, ALICE, BOB), T0);
        media.pipeInput(PHOTO, completed(PHOTO, ALICE), T0);
        media.pipeInput(BOBS_PHOTO, completed(BOBS_PHOTO, BOB), T0);
        media.pipeInput(PENDING, MediaEvent.newBuilder().setMediaId(PENDING).setOwnerId(ALICE).setAt(T0)
                .setEvent(UploadRequested.newBuilder().setDeclaredType("image/png").setDeclaredSize(10).setObjectKey("u/alice/" + PENDING)
                        .build()).build(), T0);
        log.readValuesToList();
        results.readValuesToList();
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldPostAnAttachmentWithTheCheckedTypeSizeAndDimensionsOfTheUpload() {
        // When alice attaches her photo, claiming another type and size
        commands.pipeInput(GROUP, sendWith(ALICE, "m-1", Attachment.newBuilder().setMediaId(PHOTO)
                .setMimeType("text/html").setSizeBytes(1).build()), T0);

        // Then the message carries what the upload's completion found
        MessagePosted posted = (MessagePosted) single(log.readValuesToList()).getPayload();
        Attachment attachment = single(posted.getAttachments());
        assertThat(attachment.getMediaId()).isEqualTo(PHOTO);
        assertThat(attachment.getMimeType()).isEqualTo("image/jpeg");
        assertThat(attachment.getSizeBytes()).isEqualTo(48_213);
        assertThat(attachment.getWidth()).isEqualTo(640);
        assertThat(attachment.getHeight()).isEqualTo(480);
        assertThat(attachment.getName()).isEqualTo("paris.jpg");
        assertThat(attachment.getUrl()).isNull();
        assertThat(results.readValue().getOutcome()).isInstanceOf(CommandAccepted.class);
        assertNothingElse();
    }

    @Test
    void shouldRefuseAnUnknownUploadId() {
        assertRefused(sendWith(ALICE, "m-2", Attachment.newBuilder().setMediaId("9e9e9e9e-0000-4000-8000-000000000000")
                .setMimeType("image/jpeg").setSizeBytes(1).build()), MediaRules.MEDIA_NOT_FOUND);
    }

    @Test
    void shouldRefuseSomeoneElsesUpload() {
        assertRefused(sendWith(ALICE, "m-3", Attachment.newBuilder().setMediaId(BOBS_PHOTO).setMimeType("image/jpeg").setSizeBytes(1).build()),
                MediaRules.MEDIA_NOT_OWNED);
    }

    @Test
    void shouldRefuseAnUploadThatIsNotCompleted() {
        assertRefused(sendWith(ALICE, "m-4", Attachment.newBuilder().setMediaId(PENDING).setMimeType("image/png").setSizeBytes(1).build()),
                MediaRules.MEDIA_NOT_COMPLETED);
    }

    @Test
    void shouldRefuseAFreeUrl() {
        assertRefused(sendWith(ALICE, "m-5", Attachment.newBuilder().setUrl("https://evil.example/x.jpg").setMimeType("image/jpeg")
                .setSizeBytes(1).build()), MediaRules.MEDIA_REQUIRED);
    }

    @Test
    void shouldAcceptTheSameSendOnceTheUploadIsCompleted() {
        // Given a refusal while the upload was pending
        assertRefused(sendWith(ALICE, "m-6", Attachment.newBuilder().setMediaId(PENDING).setMimeType("image/png").setSizeBytes(1).build()),
                MediaRules.MEDIA_NOT_COMPLETED);

        // When the upload completes and alice sends again with the same client_msg_id
        media.pipeInput(PENDING, completed(PENDING, ALICE), T0);
        commands.pipeInput(GROUP, sendWith(ALICE, "m-6", Attachment.newBuilder().setMediaId(PENDING).setMimeType("image/png")
                .setSizeBytes(1).build()), T0);

        // Then it is posted (a refusal records nothing in the dedupe store)
        assertThat(single(log.readValuesToList()).getPayload()).isInstanceOf(MessagePosted.class);
        assertThat(results.readValue().getOutcome()).isInstanceOf(CommandAccepted.class);
        assertNothingElse();
    }

    private void assertRefused(ChatCommand send, String code) {
        commands.pipeInput(GROUP, send, T0);
        CommandResult result = results.readValue();
        assertThat(result.getOutcome()).isInstanceOfSatisfying(CommandRejected.class, r -> assertThat(r.getCode()).isEqualTo(code));
        assertThat(result.getSenderId()).isEqualTo(ALICE);
        assertThat(log.isEmpty()).isTrue();
        assertNothingElse();
    }

    private void assertNothingElse() {
        assertThat(log.isEmpty()).isTrue();
        assertThat(results.isEmpty()).isTrue();
        assertThat(errors.isEmpty()).isTrue();
    }

    private static ChatCommand sendWith(String sender, String clientMsgId, Attachment attachment) {
        ChatCommand send = Commands.send(GROUP, sender, clientMsgId);
        SendMessage payload = SendMessage.newBuilder((SendMessage) send.getPayload()).setAttachments(List.of(attachment)).build();
        return ChatCommand.newBuilder(send).setPayload(payload).build();
    }

    private static MediaEvent completed(String mediaId, String owner) {
        return MediaEvent.newBuilder().setMediaId(mediaId).setOwnerId(owner).setAt(T0)
                .setEvent(UploadCompleted.newBuilder().setContentType("image/jpeg").setSizeBytes(48_213).setName("paris.jpg")
                        .setWidth(640).setHeight(480).setObjectKey("u/" + owner + "/" + mediaId)
                        .setThumbnailKey("u/" + owner + "/" + mediaId + ".thumb.jpg").setLocationRemoved(true).build())
                .build();
    }

    private static <T> T single(List<T> values) {
        assertThat(values).hasSize(1);
        return values.get(0);
    }
}
