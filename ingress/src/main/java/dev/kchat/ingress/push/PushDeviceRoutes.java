package dev.kchat.ingress.push;

import com.datastax.oss.driver.api.core.DriverException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.ingress.Doors;
import dev.kchat.store.push.PushDeviceRepository;
import dev.kchat.store.push.PushDeviceRepository.Device;
import dev.kchat.store.push.PushDeviceRepository.Outcome;
import dev.kchat.store.push.PushDeviceWriter;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/push/devices}: what a "Notifications" settings screen shows a user about their own
 * devices, from the store (the sink writes {@code push.settings} and {@code push.outcomes} there):
 * each registered device's platform and registration, whether the provider reported its token
 * invalid (sign in again on it), its last push's outcome and the counts per status of its recent
 * pushes. Only the caller's devices; a device logged out is not listed. What the sink has not written
 * yet is not shown (the store follows the topics within moments).
 */
public final class PushDeviceRoutes implements Doors.RouteGroup {

    /** The statuses of {@code PushOutcome}, each counted (0 when none) in {@code recent}. */
    static final List<String> STATUSES = List.of("DELIVERED", "TOKEN_INVALID", "REJECTED", "FAILED");

    private static final Logger log = LoggerFactory.getLogger(PushDeviceRoutes.class);

    private final PushDeviceRepository repository;

    public PushDeviceRoutes(PushDeviceRepository repository) {
        this.repository = repository;
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes.get("/v1/push/devices", doors.withoutBody("push_devices", this::devices));
    }

    private void devices(HttpServerExchange ex, Caller caller) {
        ObjectNode body = ApiJson.JSON.createObjectNode().put("user_id", caller.userId())
                .put("recent_window", PushDeviceWriter.OUTCOME_RETENTION.toString())
                .put("recent_max", PushDeviceRepository.RECENT_OUTCOMES);
        ArrayNode devices = body.putArray("devices");
        List<Device> stored;
        try {
            stored = repository.devices(caller.userId());
        } catch (DriverException e) {
            log.warn("push_devices: store unavailable: {}", e.toString());
            throw new ApiException(503, "store_unavailable", "your push devices cannot be read right now; retry later");
        }
        stored.forEach(d -> devices.add(json(d)));
        ApiAnswers.json(ex, 200, body);
    }

    static ObjectNode json(Device d) {
        ObjectNode device = ApiJson.JSON.createObjectNode().put("device_id", d.deviceId())
                .put("platform", d.platform().toLowerCase(Locale.ROOT)).put("app_id", d.appId())
                .put("registered_at", d.registeredAt().toString())
                .put("state", d.tokenInvalid() ? "token_invalid" : "active")
                .put("token_invalid_at", text(d.removedAt())).put("token_invalid_detail", d.removedDetail());
        if (d.lastOutcome().isPresent()) {
            Outcome o = d.lastOutcome().get();
            device.putObject("last_outcome").put("push_id", o.pushId()).put("status", o.status()).put("attempts", o.attempts())
                    .put("detail", o.detail()).put("at", o.at().toString());
        } else {
            device.putNull("last_outcome");
        }
        ObjectNode recent = device.putObject("recent").put("pushes", d.recentPushes());
        STATUSES.forEach(s -> recent.put(s.toLowerCase(Locale.ROOT), d.recent().getOrDefault(s, 0)));
        return device;
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }
}
