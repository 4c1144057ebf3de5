package dev.kchat.local;

import dev.kchat.service.Settings;
import dev.kchat.store.cql.CqlConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * How the local platform wires its apps together: the settings every app reads (where Kafka, the
 * registry and the store are, each app's ports and state folder), what an extra edge process shares,
 * and the data folder's token secret. The operator's own settings win over this wiring.
 */
final class PlatformSettings {

    private PlatformSettings() {
    }

    /**
     * The apps' settings.
     *
     * @param presenceQueryPort the presence app's query port once it runs (ingress and the edge ask it)
     * @param overrides         what the operator set explicitly ({@code -D}, {@code KCHAT_*})
     */
    static Settings of(LocalConfig config, String bootstrap, int registryPort, String cqlContactPoint, String jwtSecret,
            OptionalInt presenceQueryPort, Settings overrides) {
        Map<String, String> s = new HashMap<>();
        s.put("kafka.bootstrap.servers", bootstrap);
        s.put("schema.registry.url", "http://" + config.host() + ":" + registryPort);
        s.put(CqlConfig.CONTACT_POINTS, cqlContactPoint);
        s.put(CqlConfig.KEYSPACE, LocalPlatform.KEYSPACE);
        s.put("auth.jwt.hs256.secret", jwtSecret);
        s.put("ingress.http.host", config.host());
        s.put("ingress.http.port", String.valueOf(config.ingressPort()));
        s.put("ingress.admin.port", String.valueOf(config.adminPort(0)));
        s.put("edge.host", config.host());
        s.put("edge.advertised.host", config.host());
        s.put("edge.port", String.valueOf(config.edgePort()));
        s.put("edge.admin.port", String.valueOf(config.adminPort(1)));
        // The edge serves the web client, whose page calls the API on the ingress port: a cross-origin call.
        s.put("edge.web.api.url", "http://" + config.host() + ":" + config.ingressPort());
        s.put("ingress.cors.origins", "http://" + config.host() + ":" + config.edgePort()
                + ",http://localhost:" + config.edgePort() + ",http://127.0.0.1:" + config.edgePort());
        s.put("routing.admin.host", config.host());
        s.put("routing.admin.port", String.valueOf(config.adminPort(2)));
        s.put("routing.state.dir", config.dataDir().resolve("streams").toString());
        s.put("fanout.admin.host", config.host());
        s.put("fanout.admin.port", String.valueOf(config.adminPort(3)));
        s.put("fanout.state.dir", config.dataDir().resolve("streams").toString());
        s.put("presence.admin.host", config.host());
        s.put("presence.admin.port", String.valueOf(config.adminPort(5)));
        s.put("presence.query.host", config.host());
        s.put("presence.query.port", String.valueOf(config.adminPort(6)));
        s.put("presence.state.dir", config.dataDir().resolve("streams").toString());
        s.put("presence.streams.group.instance.id", "local-presence");
        s.put("moments.admin.host", config.host());
        s.put("moments.admin.port", String.valueOf(config.adminPort(8)));
        s.put("moments.state.dir", config.dataDir().resolve("streams").toString());
        s.put("moments.streams.group.instance.id", "local-moments");
        s.put("push.admin.host", config.host());
        s.put("push.admin.port", String.valueOf(config.adminPort(9)));
        s.put("push.state.dir", config.dataDir().resolve("streams").toString());
        s.put("push.streams.group.instance.id", "local-push");
        s.put("push.delivery.admin.host", config.host());
        s.put("push.delivery.admin.port", String.valueOf(config.adminPort(10)));
        s.put("push.delivery.instance.id", "local");
        if (presenceQueryPort.isPresent()) {
            String presenceUrl = "http://" + config.host() + ":" + presenceQueryPort.getAsInt();
            s.put("ingress.presence.url", presenceUrl);
            s.put("edge.presence.url", presenceUrl);
        }
        // Uploads: files under the data directory, through URLs the local store signs and serves itself
        // (the same key across restarts, so URLs handed out survive one).
        s.put("media.store", "local");
        s.put("media.local.dir", config.dataDir().resolve("media").toString());
        s.put("media.local.host", config.host());
        s.put("media.local.port", String.valueOf(config.adminPort(20)));
        s.put("media.signing.key", "kchat-local-media-urls:" + jwtSecret);
        // Static membership (every Streams app here has a group.instance.id): a restarted instance takes its
        // partitions back at once instead of waiting out the session timeout (Kafka Streams does not leave
        // the group on close otherwise).
        s.put("routing.streams.group.instance.id", "local-routing");
        s.put("fanout.streams.group.instance.id", "local-fanout");
        // What the operator set explicitly (-D, KCHAT_*) wins over the runner's wiring.
        // What the operator set explicitly (-D, KCHAT_*) wins over the runner's wiring.
        return Settings.of(s).with(overrides.withPrefix(""));
    }

    /** The settings an extra edge process shares with the platform (see {@link LocalPlatform#edgeSettings()}). */
    static Map<String, String> sharedWithEdges(Settings apps) {
        Map<String, String> out = new TreeMap<>();
        apps.withPrefix("").forEach((k, v) -> {
            boolean shared = k.startsWith("kafka.") || k.startsWith("schema.registry.") || k.startsWith("cql.")
                    || k.startsWith("auth.") || k.startsWith("limits.") || k.startsWith("edge.");
            if (shared && !k.equals("edge.port") && !k.equals("edge.admin.port")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** The HS256 secret of this data folder: made once, kept, so printed tokens survive restarts. */
    static String localSecret(Path dataDir) {
        Path file = dataDir.resolve("jwt-secret");
        try {
            if (!Files.exists(file)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random), StandardCharsets.UTF_8);
            }
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }
}
