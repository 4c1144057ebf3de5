package dev.kchat.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/asyncapi.yaml stays true to {@link Topics}: every topic has a channel of that address, with
 * its partitions, and a message whose payload refers to the .avsc of the topic's value schema.
 */
class AsyncApiDocTest {

    private static final Path DOCS = Path.of("..", "docs");
    /** A channel: {@code  <id>:} then {@code address: <topic>}. */
    private static final Pattern CHANNEL = Pattern.compile("^  (\\w+):\\n    address: (\\S+)\\n", Pattern.MULTILINE);
    /** A topic's message: {@code <id>:}, its name, ..., then the {@code $ref} of its .avsc. */
    private static final Pattern MESSAGE = Pattern.compile("^    (\\w+):\\n      name: \\w+\\n(?:(?!^    \\w).*\\n)*?\\s+\\$ref: '([^']+\\.avsc)'",
            Pattern.MULTILINE);

    @Test
    void shouldDescribeEveryTopicWithItsPartitionsAndValueSchema() throws IOException {
        String doc = Files.readString(DOCS.resolve("asyncapi.yaml"), StandardCharsets.UTF_8);
        Map<String, String> channelOfTopic = new HashMap<>();
        for (Matcher m = CHANNEL.matcher(doc); m.find(); ) {
            channelOfTopic.put(m.group(2), m.group(1));
        }
        Map<String, String> avscOfMessage = new HashMap<>();
        for (Matcher m = MESSAGE.matcher(doc); m.find(); ) {
            avscOfMessage.put(m.group(1), m.group(2));
        }
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Topics topics = Topics.create(registry);
        TopicProvisioner.registerSchemas(registry, topics);

        for (Topic<?, ?> topic : topics.all()) {
            String channel = channelOfTopic.get(topic.name());
            assertThat(channel).as("a channel with address %s", topic.name()).isNotNull();
            assertThat(doc).as("the partitions of %s", topic.name())
                    .contains("        topic: " + topic.name() + "\n        partitions: " + topic.partitions() + "\n");
            String avsc = avscOfMessage.get(channel);
            assertThat(avsc).as("the .avsc of %s's message", topic.name()).isNotNull();
            JsonNode schema = new ObjectMapper().readTree(DOCS.resolve(avsc).toFile());
            assertThat(schema.path("namespace").asText() + "." + schema.path("name").asText()).as("the value schema of %s", topic.name())
                    .isEqualTo(registry.latest(topic.valueSubject()).schema().getFullName());
        }
    }
}
