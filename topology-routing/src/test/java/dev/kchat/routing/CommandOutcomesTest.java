package dev.kchat.routing;

import static dev.kchat.routing.Commands.GROUP;
import static dev.kchat.routing.Commands.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.streams.ErrorTopicHandler;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routing counts its decisions by command type, outcome and rejection code, under a stable Prometheus name. */
class CommandOutcomesTest {

    @TempDir
    Path stateDir;

    @Test
    void shouldCountAcceptedDuplicateAndRejectedCommandsByTypeAndCode() {
        // Given: the topology counting into a Prometheus registry
        Topics topics = Topics.create(new InMemorySchemaRegistry());
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RoutingConfig config = RoutingTopologyTest.config(stateDir);
        Properties props = ErrorTopicHandler.bind(RoutingApp.streamsConfig(config), topics);
        try (TopologyTestDriver driver = new TopologyTestDriver(RoutingApp.buildTopology(config, topics, metrics), props, T0)) {
            TestInputTopic<String, ChatCommand> commands = driver.createInputTopic(Topics.COMMANDS,
                    topics.commands().keySerde().serializer(), topics.commands().valueSerde().serializer());

            // When: a group is created, alice sends twice the same message, and dave (no member) sends
            pipe(commands, Commands.createGroup(GROUP, "alice", "bob"));
            pipe(commands, Commands.send(GROUP, "alice", "m1"));
            pipe(commands, Commands.send(GROUP, "alice", "m1"));
            pipe(commands, Commands.send(GROUP, "dave", "m2"));
        }

        // Then
        String scrape = metrics.scrape();
        assertThat(scrape)
                .contains("kchat_commands_total{code=\"none\",outcome=\"accepted\",type=\"CreateConversation\"} 1.0")
                .contains("kchat_commands_total{code=\"none\",outcome=\"accepted\",type=\"SendMessage\"} 1.0")
                .contains("kchat_commands_total{code=\"none\",outcome=\"duplicate\",type=\"SendMessage\"} 1.0")
                .contains("kchat_commands_total{code=\"not_a_member\",outcome=\"rejected\",type=\"SendMessage\"} 1.0");
    }

    private static void pipe(TestInputTopic<String, ChatCommand> commands, ChatCommand command) {
        commands.pipeInput(command.getConversationId(), command);
    }
}
