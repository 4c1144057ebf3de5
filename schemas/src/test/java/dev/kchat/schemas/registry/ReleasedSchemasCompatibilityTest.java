package dev.kchat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.schemas.serde.AvroSerde;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.schemas.topic.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * Every topic's value schema of this build is accepted by a registry that holds the schemas already
 * released, at the platform's level: a cluster running the earlier version upgrades without a
 * refused registration, and every record it wrote stays readable.
 *
 * <p>{@code src/test/resources/released/<subject>.avsc} are the value schemas of every topic as
 * they were before servers (issue 17) changed chat.commands, chat.conversation.log and the
 * envelopes carrying its events: each one self-contained (the types it refers to written out), as
 * the registry stores it. Replace them with a later release's schemas when a release is cut.
 */
class ReleasedSchemasCompatibilityTest {

    @Test
    void shouldRegisterEveryCurrentSchemaOverTheReleasedOnesAtThePlatformLevel() throws IOException {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry(Compatibility.PLATFORM_DEFAULT);
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        List<String> checked = new ArrayList<>();

        for (Topic<?, ?> topic : topics.all()) {
            Schema released = released(topic.valueSubject());
            if (released == null) {
                continue;
            }
            Schema current = ((AvroSerde<?>) topic.valueSerde()).schema();
            assertThat(released.getFullName()).as("the released value schema of %s", topic.name()).isEqualTo(current.getFullName());
            registry.register(topic.valueSubject(), released);

            assertThat(registry.compatibilityProblems(topic.valueSubject(), current)).as("%s against the released schema", topic.valueSubject())
                    .isEmpty();
            assertThat(registry.register(topic.valueSubject(), current)).as("%s registered", topic.valueSubject()).isPositive();
            checked.add(topic.name());
        }

        assertThat(checked).as("the topics whose released schema this build changed")
                .contains(Topics.COMMANDS, Topics.CONVERSATION_LOG, Topics.COMMAND_RESULTS, Topics.INBOX, Topics.BROADCAST);
    }

    private static Schema released(String subject) throws IOException {
        try (InputStream in = ReleasedSchemasCompatibilityTest.class.getResourceAsStream("/released/" + subject + ".avsc")) {
            return in == null ? null : new Schema.Parser().parse(in);
        }
    }
}
