package dev.kchat.routing;

import static dev.kchat.routing.Commands.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.schemas.Ids;
import dev.kchat.schemas.registry.InMemorySchemaRegistry;
import dev.kchat.schemas.topic.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The routing topology (the same {@link RoutingApp#buildTopology}) under {@link TopologyTestDriver}
 * for server commands: a server {@link #SERVER} owned by {@link #OWNER}, helpers that pipe a
 * command keyed the way every door keys it ({@link Ids#routingKey}) and read its one result, and
 * checks that every output record is keyed by the server id.
 */
abstract class ServerTopologyFixture {

    static final String OWNER = "olga";
    static final String ANN = "ann";
    static final String BOB = "bob";
    static final String CY = "cy";
    static final String SERVER = Ids.serverFor(OWNER, "create-1");
    static final String GENERAL = Ids.serverChannel(SERVER, 1);

    @TempDir
    Path stateDir;

    Topics topics;
    TopologyTestDriver driver;
    TestInputTopic<String, ChatCommand> commands;
    TestOutputTopic<String, ConversationEvent> log;
    TestOutputTopic<String, CommandResult> results;
    TestOutputTopic<String, ProcessingError> errors;
    TestOutputTopic<String, InboxEntry> unsequenced;
    Instant now = T0;

    @BeforeEach
    void start() {
        topics = Topics.create(new InMemorySchemaRegistry());
        driver = RoutingTopologyTest.driver(topics, stateDir);
        commands = driver.createInputTopic(Topics.COMMANDS, topics.commands().keySerde().serializer(), topics.commands().valueSerde().serializer());
        log = driver.createOutputTopic(Topics.CONVERSATION_LOG, topics.conversationLog().keySerde().deserializer(),
                topics.conversationLog().valueSerde().deserializer());
        results = driver.createOutputTopic(Topics.COMMAND_RESULTS, topics.commandResults().keySerde().deserializer(),
                topics.commandResults().valueSerde().deserializer());
        errors = driver.createOutputTopic(Topics.ERRORS, topics.errors().keySerde().deserializer(), topics.errors().valueSerde().deserializer());
        unsequenced = driver.createOutputTopic(Topics.INBOX_UNSEQUENCED, topics.inboxUnsequenced().keySerde().deserializer(),
                topics.inboxUnsequenced().valueSerde().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** Pipes the command keyed by its routing key; returns the events it appended (all keyed by the server id). */
    List<ConversationEvent> pipe(ChatCommand command) {
        commands.pipeInput(Ids.routingKey(command.getConversationId()), command, now);
        List<KeyValue<String, ConversationEvent>> events = log.readKeyValuesToList();
        events.forEach(kv -> assertThat(kv.key).as("key of %s", kv.value.getPayload().getClass().getSimpleName())
                .isEqualTo(Ids.routingKey(command.getConversationId())));
        return events.stream().map(kv -> kv.value).toList();
    }

    /** Pipes a command that must be accepted; returns its one result's seq. */
    long accepted(ChatCommand command) {
        pipe(command);
        KeyValue<String, CommandResult> result = results.readKeyValue();
        assertThat(result.key).isEqualTo(Ids.routingKey(command.getConversationId()));
        assertThat(result.value.getOutcome()).as("outcome of %s", command.getPayload().getClass().getSimpleName())
                .isInstanceOf(CommandAccepted.class);
        assertThat(results.isEmpty()).isTrue();
        return ((CommandAccepted) result.value.getOutcome()).getSeq();
    }

    /** Pipes a command that must be accepted; returns its one event. */
    ConversationEvent acceptedEvent(ChatCommand command) {
        List<ConversationEvent> events = pipe(command);
        CommandResult result = results.readValue();
        assertThat(result.getOutcome()).as("outcome of %s", command.getPayload().getClass().getSimpleName()).isInstanceOf(CommandAccepted.class);
        assertThat(events).hasSize(1);
        assertThat(((CommandAccepted) result.getOutcome()).getSeq()).isEqualTo(events.get(0).getSeq());
        return events.get(0);
    }

    /** Pipes a command that must be refused with {@code code}: nothing appended, nothing else emitted. */
    void rejected(ChatCommand command, String code) {
        List<ConversationEvent> events = pipe(command);
        KeyValue<String, CommandResult> result = results.readKeyValue();
        assertThat(result.key).isEqualTo(Ids.routingKey(command.getConversationId()));
        assertThat(result.value.getOutcome()).as("outcome of %s", command.getPayload().getClass().getSimpleName())
                .isInstanceOf(CommandRejected.class);
        CommandRejected rejected = (CommandRejected) result.value.getOutcome();
        assertThat(rejected.getCode()).as("code, reason: %s", rejected.getReason()).isEqualTo(code);
        assertThat(rejected.getReason()).isNotBlank();
        assertThat(events).as("nothing appended for a refused %s", command.getPayload().getClass().getSimpleName()).isEmpty();
        assertThat(results.isEmpty()).isTrue();
    }

    /** The owner creates {@link #SERVER}; ANN and BOB join with an invite. */
    void serverWithAnnAndBob() {
        accepted(ServerCommands.createServer(SERVER, OWNER, "Hikers"));
        accepted(ServerCommands.invite(SERVER, OWNER, "welcome", null, null));
        accepted(ServerCommands.join(SERVER, ANN, "welcome"));
        accepted(ServerCommands.join(SERVER, BOB, "welcome"));
    }

    /** The owner creates a role with these permissions at this position; returns its id. */
    String role(String name, long permissions, int position) {
        ConversationEvent created = acceptedEvent(ServerCommands.createRole(SERVER, OWNER, name, permissions, position, false));
        return ((dev.kchat.events.chat.RoleCreated) created.getPayload()).getRole().getRoleId();
    }

    /** The owner gives {@code userId} a new role with these permissions at this position; returns its id. */
    String grant(String userId, String name, long permissions, int position) {
        String roleId = role(name, permissions, position);
        accepted(ServerCommands.assign(SERVER, OWNER, userId, roleId));
        return roleId;
    }

    /** The owner sets an overwrite on a channel. */
    void overwrite(String channelId, OverwriteTarget kind, String targetId, long allow, long deny) {
        accepted(ServerCommands.overwrite(SERVER, OWNER, channelId, kind, targetId, allow, deny));
    }

    <V> KeyValueStore<String, V> store(String name) {
        return driver.getKeyValueStore(name);
    }

    void assertNoMoreRecords() {
        assertThat(log.isEmpty()).as("no more log records").isTrue();
        assertThat(results.isEmpty()).as("no more results").isTrue();
        assertThat(errors.isEmpty()).as("no more errors").isTrue();
    }
}
