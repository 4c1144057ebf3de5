package dev.kchat.push.deliver;

import dev.kchat.events.push.PushPlatform;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.AdminServer;
import dev.kchat.service.Health;
import dev.kchat.service.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery side running: {@link PushDelivery} on its own thread, the providers, and an admin
 * server ({@code /health/ready} up while the loop polls; {@code /metrics} with the delivery and
 * decision meters).
 */
public final class DeliveryService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryService.class);

    private final PushDelivery delivery;
    private final Thread thread;
    private final Map<PushPlatform, PushProvider> providers;
    private final PrometheusMeterRegistry metrics;
    private final AdminServer admin;

    private DeliveryService(PushDelivery delivery, Thread thread, Map<PushPlatform, PushProvider> providers,
            PrometheusMeterRegistry metrics, AdminServer admin) {
        this.delivery = delivery;
        this.thread = thread;
        this.providers = providers;
        this.metrics = metrics;
        this.admin = admin;
    }

    /** Starts the loop over {@code topics} with these providers (closed by {@link #close()}). */
    public static DeliveryService start(DeliveryConfig config, Topics topics, Map<PushPlatform, PushProvider> providers) {
        PrometheusMeterRegistry metrics = Metrics.newRegistry(PushDelivery.COMPONENT);
        DeliveryMetrics meters = new DeliveryMetrics(metrics);
        PushDelivery delivery = new PushDelivery(config, topics, new DeliveryAttempts(providers, config.retry(), meters), meters,
                Clock.systemUTC());
        Thread thread = new Thread(delivery, PushDelivery.COMPONENT);
        thread.start();
        Map<String, Health.Check> checks = new LinkedHashMap<>();
        checks.put("delivery", delivery::health);
        checks.put("providers", () -> Health.up(providers.isEmpty() ? "none configured: every request ends REJECTED"
                : providers.keySet().toString()));
        AdminServer admin = AdminServer.start(config.adminHost(), config.adminPort(), metrics, checks);
        log.info("{} delivering through {}; admin on {}", PushDelivery.COMPONENT, providers.keySet(), admin.port());
        return new DeliveryService(delivery, thread, providers, metrics, admin);
    }

    /** The registry the delivery and decision meters are in. */
    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    public int adminPort() {
        return admin.port();
    }

    /** Blocks until the delivery loop has ended; true if it ended on a failure. */
    public boolean awaitTermination() throws InterruptedException {
        try {
            delivery.stopped().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        return delivery.failed();
    }

    /** Stops the loop after its batch in hand (waiting up to 60 s), then the providers and the admin server. */
    @Override
    public void close() {
        delivery.close();
        try {
            thread.join(60_000);
            if (thread.isAlive()) {
                log.warn("{} still busy after 60 s", PushDelivery.COMPONENT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        providers.values().forEach(PushProvider::close);
        admin.close();
        metrics.close();
    }
}
