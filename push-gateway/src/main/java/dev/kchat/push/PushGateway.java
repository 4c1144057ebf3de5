package dev.kchat.push;

import dev.kchat.events.push.PushPlatform;
import dev.kchat.push.decide.DeciderConfig;
import dev.kchat.push.decide.DeciderMetrics;
import dev.kchat.push.decide.PushDeciderApp;
import dev.kchat.push.deliver.DeliveryConfig;
import dev.kchat.push.deliver.DeliveryService;
import dev.kchat.push.deliver.PushProvider;
import dev.kchat.push.deliver.Providers;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import dev.kchat.streams.StreamsService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline push, one deployable with two parts: the decider ({@link PushDeciderApp}, a Kafka
 * Streams app, exactly-once: which entries become which push requests) and the delivery side
 * ({@link DeliveryService}: requests to providers, outcomes and removed tokens committed with its
 * offsets). They are split at {@code push.requests} because they fail and scale differently: the
 * decider is stateful, partitioned by user and must not repeat itself; delivery is I/O bound, waits
 * on providers with retries and backoff, and its calls cannot be in a Kafka transaction. Each part
 * has its own admin server. (Both run in one process here; running them apart needs only a main
 * per part.)
 */
public final class PushGateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PushGateway.class);

    private final PushDeciderApp decider;
    private final DeliveryService delivery;

    private PushGateway(PushDeciderApp decider, DeliveryService delivery) {
        this.decider = decider;
        this.delivery = delivery;
    }

    /** Starts both parts over {@code topics} (which must exist); closes what started if one fails. */
    public static PushGateway start(DeciderConfig deciderConfig, DeliveryConfig deliveryConfig, Topics topics) {
        return start(deciderConfig, deliveryConfig, topics, Providers.from(deliveryConfig));
    }

    /** As {@link #start(DeciderConfig, DeliveryConfig, Topics)} with the given providers (closed by {@link #close()}). */
    public static PushGateway start(DeciderConfig deciderConfig, DeliveryConfig deliveryConfig, Topics topics,
            Map<PushPlatform, PushProvider> providers) {
        DeliveryService delivery = DeliveryService.start(deliveryConfig, topics, providers);
        try {
            PushDeciderApp decider = PushDeciderApp.start(deciderConfig, topics, new DeciderMetrics(delivery.metrics()));
            log.info("push gateway up: decider admin on {}, delivery admin on {}, providers {}", decider.adminPort(),
                    delivery.adminPort(), providers.keySet());
            return new PushGateway(decider, delivery);
        } catch (RuntimeException e) {
            delivery.close();
            throw e;
        }
    }

    /** The decider's admin port (Kafka Streams health and metrics). */
    public int deciderAdminPort() {
        return decider.adminPort();
    }

    /** The delivery side's admin port (its health; decision and delivery metrics). */
    public int deliveryAdminPort() {
        return delivery.adminPort();
    }

    /** Stops deciding first (no new requests), then delivers and commits the batch in hand and stops. */
    @Override
    public void close() {
        decider.close();
        delivery.close();
        log.info("push gateway stopped");
    }

    /** Help text: every setting of both parts with its environment variable and default. */
    static String help() {
        List<String[]> all = new ArrayList<>(DeciderConfig.documented());
        all.addAll(DeliveryConfig.DOCUMENTED);
        return StreamsAppSettings.help("""
                kchat push-gateway: chat.inbox + presence.sessions + push.settings -> push.requests (decider)
                -> APNs / FCM / signed webhook (delivery) -> push.outcomes (+ push.settings: invalid tokens removed).

                Usage: java dev.kchat.push.PushGateway [--help]

                """, all, 32, 40);
    }

    /** Runs the gateway from {@code KCHAT_*} settings until the process is stopped. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(help());
            return;
        }
        Settings settings = Settings.fromEnvironment();
        DeciderConfig decider = DeciderConfig.from(settings);
        DeliveryConfig delivery = DeliveryConfig.from(settings);
        Topics topics = Topics.create(StreamsService.registryClient(decider.app().schemaRegistryUrl()));
        PushGateway gateway = start(decider, delivery, topics);
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "push-gateway-shutdown"));
        // Either part failing for good ends the process, so that the supervisor restarts both.
        CompletableFuture<String> failed = new CompletableFuture<>();
        watch(failed, "decider", gateway.decider::awaitTermination);
        watch(failed, "delivery", gateway.delivery::awaitTermination);
        String part = failed.join();
        if (part != null) {
            log.error("push {} failed; exiting so that the supervisor restarts the gateway", part);
            System.exit(1);
        }
    }

    /** Completes {@code failed} with {@code part} if it ends on a failure, with null if it ends asked to. */
    private static void watch(CompletableFuture<String> failed, String part, Termination termination) {
        Thread t = new Thread(() -> {
            try {
                failed.complete(termination.await() ? part : null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "push-gateway-watch-" + part);
        t.setDaemon(true);
        t.start();
    }

    @FunctionalInterface
    private interface Termination {
        boolean await() throws InterruptedException;
    }
}
