package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.schemas.registry.HttpSchemaRegistryClient;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalPlatformTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldBringUpBrokerRegistryAndTopicsAndKeepSchemaIdsAcrossARestart() throws Exception {
        LocalConfig config = LocalConfig.from(Settings.of(Map.of(
                "local.data.dir", dataDir.toString(),
                "local.kafka.port", String.valueOf(FreePorts.next()),
                "local.registry.port", String.valueOf(FreePorts.next()))));
        int inboxId;
        try (LocalPlatform platform = LocalPlatform.start(config)) {
            inboxId = new HttpSchemaRegistryClient("http://127.0.0.1:" + config.registryPort()).latest("chat.inbox-value").id();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + config.kafkaPort()))) {
                Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                assertThat(names).contains(Topics.COMMANDS, Topics.INBOX, Topics.ERRORS);
            }
            assertThat(platform.summary()).contains("127.0.0.1:" + config.kafkaPort()).contains("chat.inbox");
        }
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(dataDir.toString())))
                .as("no broker process left behind").isEmpty();

        try (LocalPlatform restarted = LocalPlatform.start(config)) {
            assertThat(new HttpSchemaRegistryClient("http://127.0.0.1:" + config.registryPort()).latest("chat.inbox-value").id())
                    .isEqualTo(inboxId);
        }
    }
}
