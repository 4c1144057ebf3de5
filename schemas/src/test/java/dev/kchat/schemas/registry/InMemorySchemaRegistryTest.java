package dev.kchat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.ConversationEvent;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InMemorySchemaRegistryTest {

    @TempDir
    Path dir;

    @Test
    void shouldKeepIdsVersionsAndLevelsAcrossRestartsWhenPersistent() {
        Path file = dir.resolve("registry.json");
        InMemorySchemaRegistry first = InMemorySchemaRegistry.persistentAt(file);
        first.setCompatibility("b-value", Compatibility.FULL);
        int a = first.register("a-value", ChatCommand.getClassSchema());
        int b = first.register("b-value", ConversationEvent.getClassSchema());

        InMemorySchemaRegistry restarted = InMemorySchemaRegistry.persistentAt(file);

        assertThat(restarted.schemaById(a)).isEqualTo(ChatCommand.getClassSchema());
        assertThat(restarted.latest("b-value").id()).isEqualTo(b);
        assertThat(restarted.compatibility("b-value")).isEqualTo(Compatibility.FULL);
        assertThat(restarted.register("c-value", ChatCommand.getClassSchema())).as("same text, same id").isEqualTo(a);
        assertThat(restarted.register("d-value", ConversationEvent.getClassSchema())).isEqualTo(b);
    }

    @Test
    void shouldAssignNewIdsOnlyToNewSchemaTexts() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry(Compatibility.NONE);

        int a = registry.register("x-value", ChatCommand.getClassSchema());
        int again = registry.register("x-value", ChatCommand.getClassSchema());
        int b = registry.register("x-value", ConversationEvent.getClassSchema());

        assertThat(again).isEqualTo(a);
        assertThat(b).isEqualTo(a + 1);
        assertThat(registry.versions("x-value")).containsExactly(1, 2);
    }
}
