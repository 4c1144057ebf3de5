package dev.kchat.store.sink;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import com.datastax.oss.driver.api.core.CqlSession;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.store.media.MediaWriter;
import dev.kchat.store.moderation.ModerationWriter;
import dev.kchat.store.moments.MomentsWriter;
import dev.kchat.store.push.PushDeviceWriter;
import dev.kchat.store.servers.ServerWriter;
import dev.kchat.store.write.ChatWriter;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Which statements store a consumed record: decodes it by its topic and asks the writer of that
 * topic (the chat writer for the log and the inboxes, the moderation writer for verdicts, actions
 * and rules, the Moments writer for posts, feeds and the friend graph, the media writer for uploads and the messages they are in,
 * the push device writer for push tokens and outcomes). Decoding here rather than in the consumer makes an undecodable record a failure of
 * that record, which the sink sends to the error topic.
 */
final class SinkStatements {

    private final Topics topics;
    private final ChatWriter writer;
    private final ModerationWriter moderation;
    private final MomentsWriter moments;
    private final MediaWriter media;
    private final ServerWriter servers;
    private final PushDeviceWriter push;

    SinkStatements(Topics topics, ChatWriter writer, ModerationWriter moderation, MomentsWriter moments, MediaWriter media,
            ServerWriter servers, PushDeviceWriter push) {
        this.push = push;
        this.media = media;
        this.servers = servers;
        this.topics = topics;
        this.writer = writer;
        this.moderation = moderation;
        this.moments = moments;
    }

    /** Every topic's writer over the store in {@code keyspace}. */
    static SinkStatements create(Topics topics, CqlSession session, String keyspace) {
        return new SinkStatements(topics, new ChatWriter(session, keyspace), new ModerationWriter(session, keyspace),
                new MomentsWriter(session, keyspace), new MediaWriter(session, keyspace), new ServerWriter(session, keyspace),
                new PushDeviceWriter(session, keyspace));
    }

    /**
     * The statements that store one record.
     *
     * @throws IllegalArgumentException for a record the sink cannot store (no value, a topic it does not read)
     * @throws RuntimeException         from the deserializer for bytes that do not decode
     */
    List<BoundStatement> of(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null && record.topic().equals(topics.moderationRules().name()) && record.key() != null) {
            // The compacted rules topic deletes a rule with a tombstone.
            return moderation.ruleDeleted(new String(record.key(), java.nio.charset.StandardCharsets.UTF_8),
                    java.time.Instant.ofEpochMilli(record.timestamp()));
        }
        if (record.value() == null) {
            throw new IllegalArgumentException("record has no value (tombstone); the topic carries events only");
        }
        if (record.topic().equals(topics.moderationVerdicts().name())) {
            return moderation.statementsFor(topics.moderationVerdicts().valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        if (record.topic().equals(topics.moderationActions().name())) {
            return moderation.statementsFor(topics.moderationActions().valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        if (record.topic().equals(topics.moderationStats().name())) {
            return moderation.statementsFor(topics.moderationStats().valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        if (record.topic().equals(topics.moderationRules().name())) {
            return moderation.statementsFor(topics.moderationRules().valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        if (record.topic().equals(topics.conversationLog().name())) {
            ConversationEvent event = topics.conversationLog().valueSerde().deserializer()
                    .deserialize(record.topic(), record.value());
            List<BoundStatement> out = new java.util.ArrayList<>(writer.statementsFor(event, record.value()));
            out.addAll(media.postedStatements(event)); // which messages an upload is in, for downloads
            out.addAll(servers.statementsFor(event)); // a server's own log: channels, roles, members, invites, bans
            return out;
        }
        if (record.topic().equals(topics.mediaEvents().name())) {
            return media.statementsFor(topics.mediaEvents().valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        if (record.topic().equals(topics.inbox().name())) {
            InboxEntry entry = topics.inbox().valueSerde().deserializer().deserialize(record.topic(), record.value());
            List<BoundStatement> out = new java.util.ArrayList<>(writer.statementsFor(entry, record.value()));
            out.addAll(servers.statementsFor(entry)); // read positions and mentions in server channels
            return out;
        }
        if (record.topic().equals(topics.momentsEvents().name())) {
            return moments.statementsFor(topics.momentsEvents().valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        if (record.topic().equals(topics.momentsFeed().name())) {
            return moments.statementsFor(topics.momentsFeed().valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        if (record.topic().equals(topics.socialGraph().name())) {
            return moments.statementsFor(topics.socialGraph().valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        if (record.topic().equals(topics.pushSettings().name())) {
            return push.statementsFor(topics.pushSettings().valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        if (record.topic().equals(topics.pushOutcomes().name())) {
            return push.statementsFor(topics.pushOutcomes().valueSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        throw new IllegalArgumentException("the sink does not consume topic " + record.topic());
    }

}
