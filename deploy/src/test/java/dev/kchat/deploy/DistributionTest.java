package dev.kchat.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kchat.service.Settings;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A packaged distribution, as an operator or a container runs it: the presence app's
 * {@code bin/presence} (unpacked from the build's {@code presence-dist.tar}) against a real broker
 * and registry, configured by environment variables only, with JSON logs. It becomes ready, serves
 * its metrics, and stops cleanly on SIGTERM.
 */
class DistributionTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = new TestCluster();
        ProvisionApp.provision(ProvisionConfig.from(Settings.of(Map.of(
                ProvisionConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers(),
                ProvisionConfig.SCHEMA_REGISTRY_URL, cluster.registryUrl()))));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void shouldStartFromItsScriptBecomeReadyServeMetricsLogJsonAndStopOnSigterm(@TempDir Path work) throws Exception {
        // Given: the unpacked distribution and only environment variables
        Path script = distribution("presence");
        int adminPort = freePort();
        Path log = work.resolve("presence.log");
        ProcessBuilder builder = new ProcessBuilder(script.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Map.of(
                "KCHAT_KAFKA_BOOTSTRAP_SERVERS", cluster.bootstrapServers(),
                "KCHAT_SCHEMA_REGISTRY_URL", cluster.registryUrl(),
                "KCHAT_PRESENCE_ADMIN_PORT", String.valueOf(adminPort),
                "KCHAT_PRESENCE_QUERY_PORT", String.valueOf(freePort()),
                "KCHAT_PRESENCE_STATE_DIR", work.resolve("state").toString(),
                "KCHAT_LOG_FORMAT", "json",
                "JAVA_OPTS", "-Xmx256m"));

        // When
        Process app = builder.start();
        try {
            // Then: ready (Kafka Streams RUNNING), with the platform's metrics
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> !app.isAlive() || status(adminPort, "/health/ready") == 200);
            assertThat(app.isAlive()).as("running; its log:%n%s", Files.readString(log)).isTrue();
            String metrics = get(adminPort, "/metrics").body();
            assertThat(metrics)
                    .contains("kchat_consumer_lag_records{app=\"topology-presence\",topic=\"presence.sessions\"}")
                    .contains("jvm_memory_used_bytes{app=\"topology-presence\"");
        } finally {
            // When: SIGTERM, as docker stop sends it
            app.destroy();
        }
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
        assertThat(app.exitValue()).as("exit on SIGTERM").isEqualTo(143);

        // Then: every line of its log is a JSON object, down to the clean stop
        List<JsonNode> lines = Files.readAllLines(log).stream().map(DistributionTest::json).toList();
        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line.has("level") && line.has("formattedMessage")).isTrue());
        assertThat(lines).extracting(line -> line.get("formattedMessage").asText()).contains("topology-presence stopped");
    }

    /** The start script of an app's distribution, unpacked under target/dists by the build. */
    static Path distribution(String app) throws IOException {
        try (Stream<Path> found = Files.walk(Path.of("target", "dists"))) {
            return found.filter(p -> p.endsWith(Path.of("bin", app))).findFirst().orElseThrow(() ->
                    new AssertionError("no bin/" + app + " under target/dists: build the app's module first (its package phase)"));
        }
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not a JSON log line: " + line, e);
        }
    }

    private static int status(int port, String path) {
        try {
            return get(port, path).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
