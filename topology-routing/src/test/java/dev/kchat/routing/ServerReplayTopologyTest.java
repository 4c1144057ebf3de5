package dev.kchat.routing;

import static dev.kchat.routing.Commands.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.servers.permissions.Permission;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server's commands replayed on a fresh topology give the same events: channel and role ids, seqs, snowflakes. */
class ServerReplayTopologyTest extends ServerTopologyFixture {

    @Test
    void shouldGiveTheSameIdsSeqsAndSnowflakesWhenTheSameServerCommandsAreReplayed(@TempDir Path otherStateDir) {
        // Given
        String second = Ids.serverChannel(SERVER, 2);
        List<ChatCommand> script = List.of(
                ServerCommands.createServer(SERVER, OWNER, "Hikers"),
                ServerCommands.invite(SERVER, OWNER, "welcome", 5, T0.plus(Duration.ofDays(1))),
                ServerCommands.join(SERVER, ANN, "welcome"),
                ServerCommands.createChannel(SERVER, OWNER, "trips", ChannelType.TEXT, null),
                ServerCommands.createRole(SERVER, OWNER, "mods", Permission.mask(Permission.MANAGE_MESSAGES), 2, true),
                ServerCommands.assign(SERVER, OWNER, ANN, Ids.serverRole(SERVER, 1)),
                ServerCommands.post(GENERAL, ANN, "m1", List.of(Ids.serverRole(SERVER, 1)), true),
                ServerCommands.post(second, OWNER, "m1"),
                ServerCommands.post(GENERAL, OWNER, "m2"),
                ServerCommands.overwrite(SERVER, OWNER, second, OverwriteTarget.MEMBER, ANN, 0, Permission.SEND_MESSAGES.bit()),
                ServerCommands.post(second, ANN, "m2"),
                ServerCommands.kick(SERVER, OWNER, ANN));

        // When: once here, once on a fresh driver with its own registry and state
        for (ChatCommand command : script) {
            commands.pipeInput(Ids.routingKey(command.getConversationId()), command, now);
        }
        List<ConversationEvent> first = log.readValuesToList();
        List<CommandResult> firstResults = results.readValuesToList();
        Topics otherTopics = Topics.create(new InMemorySchemaRegistry());
        List<ConversationEvent> replayed = new ArrayList<>();
        List<CommandResult> replayedResults = new ArrayList<>();
        try (TopologyTestDriver replay = RoutingTopologyTest.driver(otherTopics, otherStateDir)) {
            TestInputTopic<String, ChatCommand> in = replay.createInputTopic(Topics.COMMANDS,
                    otherTopics.commands().keySerde().serializer(), otherTopics.commands().valueSerde().serializer());
            replay.advanceWallClockTime(Duration.ofHours(1));
            for (ChatCommand command : script) {
                in.pipeInput(Ids.routingKey(command.getConversationId()), command, now);
            }
            replayed.addAll(replay.createOutputTopic(Topics.CONVERSATION_LOG, otherTopics.conversationLog().keySerde().deserializer(),
                    otherTopics.conversationLog().valueSerde().deserializer()).readValuesToList());
            replayedResults.addAll(replay.createOutputTopic(Topics.COMMAND_RESULTS, otherTopics.commandResults().keySerde().deserializer(),
                    otherTopics.commandResults().valueSerde().deserializer()).readValuesToList());
        }

        // Then: 11 events (ANN's post after the overwrite is refused), equal to the last bit
        assertThat(first).hasSize(11).isEqualTo(replayed);
        assertThat(firstResults).hasSize(script.size()).isEqualTo(replayedResults);
        assertThat(first).filteredOn(e -> e.getPayload() instanceof MessagePosted)
                .extracting(e -> ((MessagePosted) e.getPayload()).getSnowflake()).doesNotHaveDuplicates().allMatch(id -> id > 0);
        assertNoMoreRecords();
    }
}
