package dev.kchat.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * compose/ as the compose tool reads it ({@code docker compose config}: the file is valid, every
 * variable has a default) and as its parts must fit together: images built from the repository
 * have their Dockerfile, Prometheus scrapes every long-running platform service, the load balancer
 * points at services that exist, and every {@code kchat_*} metric the alerts and the dashboard use
 * is one the code produces. There is no Docker engine here: nothing is started.
 *
 * <p>The compose tool comes from {@code compose/install-compose-tool} (run by {@code .ci/run});
 * without it this test is skipped on a developer's machine and fails in CI ({@code CI=true}).
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path COMPOSE = ROOT.resolve("compose");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    /** What Micrometer appends to a meter's name in Prometheus (counters, timers, their histograms). */
    private static final Pattern SUFFIX = Pattern.compile("_(total|seconds_bucket|seconds_count|seconds_sum|seconds_max|seconds|bucket|count|sum|max)$");
    /** Services that run once and exit: no metrics endpoint to scrape. */
    private static final Set<String> ONE_SHOT = Set.of("provision", "moderation-submit", "flink-data-init");

    static JsonNode config;

    @BeforeAll
    static void readConfigWithTheComposeTool() throws Exception {
        List<String> tool = composeTool().orElse(null);
        if (tool == null) {
            String missing = "no Docker Compose v2 here: run compose/install-compose-tool";
            if ("true".equals(System.getenv("CI"))) {
                fail(missing);
            }
            Assumptions.abort(missing);
        }
        List<String> command = new ArrayList<>(tool);
        command.addAll(List.of("-f", COMPOSE.resolve("docker-compose.yml").toString(), "config", "--format", "json"));
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("docker compose config: %s", err).isZero();
        assertThat(err).as("warnings of docker compose config (e.g. a variable without default)").isBlank();
        config = JSON.readTree(out);
    }

    @Test
    void shouldRunEveryPlatformServiceTwiceWithProvisioningTheModerationJobAndTheObservabilityStack() {
        Set<String> services = names(config.get("services"));
        for (String app : List.of("routing", "fanout", "presence", "moments", "store-sink", "ingress", "edge", "push-gateway")) {
            assertThat(services).as("two instances of " + app).contains(app + "-1", app + "-2");
        }
        assertThat(services).contains("kafka-1", "kafka-2", "kafka-3", "scylla", "schema-registry", "provision",
                "flink-jobmanager", "flink-taskmanager", "moderation-submit", "lb", "prometheus", "grafana");
        assertThat(config.at("/services/kafka-1/environment/KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
        assertThat(config.at("/services/provision/environment/KCHAT_PROVISION_REPLICATION_FACTOR").asText()).isEqualTo("3");
        assertThat(config.at("/services/routing-1/depends_on/provision/condition").asText())
                .isEqualTo("service_completed_successfully");
    }

    @Test
    void shouldSendEveryPlatformServicesTracesToJaegerOverOtlpHttp() {
        assertThat(names(config.get("services"))).contains("jaeger");
        assertThat(config.at("/services/jaeger/command").toString()).contains("receivers.otlp.protocols.http.endpoint=0.0.0.0:4318");
        for (String service : List.of("routing-1", "fanout-1", "store-sink-1", "ingress-1", "edge-1", "ingress-2", "edge-2")) {
            assertThat(config.at("/services/" + service + "/environment/KCHAT_TRACING_ENABLED").asText()).as(service).isEqualTo("true");
            assertThat(config.at("/services/" + service + "/environment/KCHAT_TRACING_OTLP_ENDPOINT").asText()).as(service)
                    .isEqualTo("http://jaeger:4318/v1/traces");
        }
    }

    @Test
    void shouldBuildEveryImageOfTheRepositoryFromADockerfileOverItsDistribution() throws IOException {
        for (String service : names(config.get("services"))) {
            JsonNode build = config.at("/services/" + service + "/build/context");
            if (build.isMissingNode()) {
                continue;
            }
            Path dockerfile = Path.of(build.asText()).resolve("Dockerfile");
            assertThat(dockerfile).as(service).exists();
            String text = Files.readString(dockerfile);
            assertThat(text).as(service + " base image").containsPattern("(?m)^FROM (eclipse-temurin:(17|21)-jre|flink:2\\.2\\.\\d+-java17)$");
            Matcher copied = Pattern.compile("(?m)^COPY (target/\\S+?)/? ").matcher(text);
            assertThat(copied.find()).as(service + " copies a build output").isTrue();
        }
    }

    @Test
    void shouldScrapeEveryLongRunningPlatformServiceAndBalanceOnlyServicesThatExist() throws IOException {
        Set<String> services = names(config.get("services"));
        Set<String> platform = services.stream().filter(s -> !ONE_SHOT.contains(s))
                .filter(s -> config.at("/services/" + s + "/image").asText().startsWith("kchat/"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(platform).hasSizeGreaterThanOrEqualTo(14);
        JsonNode prometheus = YAML.readTree(COMPOSE.resolve("prometheus/prometheus.yml").toFile());
        Set<String> scraped = new TreeSet<>();
        for (JsonNode job : prometheus.get("scrape_configs")) {
            for (JsonNode sc : job.get("static_configs")) {
                sc.get("targets").forEach(target -> scraped.add(target.asText().replaceFirst(":\\d+$", "")));
            }
        }
        assertThat(scraped).as("Prometheus targets").containsAll(platform);
        assertThat(services).as("every scraped host is a service").containsAll(scraped);
        assertThat(prometheus.get("rule_files").get(0).asText()).isEqualTo("/etc/prometheus/alerts.yml");

        Matcher servers = Pattern.compile("(?m)^\\s*server \\S+ ([a-z0-9-]+):\\d+").matcher(
                Files.readString(COMPOSE.resolve("haproxy/haproxy.cfg")));
        Set<String> balanced = new TreeSet<>();
        while (servers.find()) {
            balanced.add(servers.group(1));
        }
        assertThat(balanced).containsExactlyInAnyOrder("ingress-1", "ingress-2", "edge-1", "edge-2", "presence-1", "presence-2");
        assertThat(services).containsAll(balanced);
    }

    @Test
    void shouldUseOnlyMetricsTheCodeProducesInAlertsAndTheDashboard() throws IOException {
        Set<String> produced = producedMetrics();
        assertThat(produced).contains("kchat_commands", "kchat_delivery_latency", "kchat_consumer_lag_records",
                "kchat_edge_inbox_lag_records", "kchat_sink_batch", "kchat_edge_connections", "kchat_edge_shed",
                "kchat_limits_refused");

        JsonNode alerts = YAML.readTree(COMPOSE.resolve("prometheus/alerts.yml").toFile());
        List<String> expressions = new ArrayList<>();
        for (JsonNode group : alerts.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                assertThat(rule.has("alert") && rule.has("expr") && rule.at("/labels/severity").isTextual()
                        && rule.at("/annotations/summary").isTextual()).as(rule.toString()).isTrue();
                expressions.add(rule.get("expr").asText());
            }
        }
        String operations = Files.readString(ROOT.resolve("docs/operations.md"));
        for (JsonNode group : alerts.get("groups")) {
            group.get("rules").forEach(rule -> assertThat(operations).as("docs/operations.md explains the alert")
                    .contains("`" + rule.get("alert").asText() + "`"));
        }
        JsonNode dashboard = JSON.readTree(COMPOSE.resolve("grafana/dashboards/kchat-overview.json").toFile());
        assertThat(dashboard.get("panels")).isNotEmpty();
        dashboard.get("panels").forEach(panel -> panel.get("targets").forEach(t -> expressions.add(t.get("expr").asText())));

        Matcher used = Pattern.compile("kchat_[a-z_]+").matcher(String.join("\n", expressions));
        Set<String> unknown = new TreeSet<>();
        while (used.find()) {
            String name = used.group();
            if (!produced.contains(name) && !produced.contains(SUFFIX.matcher(name).replaceFirst(""))) {
                unknown.add(name);
            }
        }
        assertThat(unknown).as("kchat_* metrics used but produced nowhere").isEmpty();
    }

    /** The Prometheus base names of every kchat.* meter name written in the modules' main sources. */
    static Set<String> producedMetrics() throws IOException {
        Pattern literal = Pattern.compile("\"(kchat(\\.[a-z]+)+)\"");
        Set<String> names = new TreeSet<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path sources : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.walk(sources)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                        Matcher m = literal.matcher(Files.readString(f));
                        while (m.find()) {
                            names.add(m.group(1).replace('.', '_'));
                        }
                    }
                }
            }
        }
        return names;
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** {@code docker compose}, a v2 {@code docker-compose}, or the plugin binary install-compose-tool puts in place. */
    static Optional<List<String>> composeTool() {
        List<List<String>> candidates = new ArrayList<>(List.of(List.of("docker", "compose"), List.of("docker-compose")));
        String home = System.getProperty("user.home");
        for (String dir : List.of(home + "/.docker/cli-plugins", "/usr/libexec/docker/cli-plugins", "/usr/local/lib/docker/cli-plugins")) {
            candidates.add(List.of(dir + "/docker-compose"));
        }
        for (List<String> candidate : candidates) {
            List<String> version = new ArrayList<>(candidate);
            version.add("version");
            try {
                Process p = new ProcessBuilder(version).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("(?s).*version v?2\\..*")) {
                    return Optional.of(candidate);
                }
            } catch (IOException e) {
                // not installed: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
