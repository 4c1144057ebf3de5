package dev.kchat.push.deliver;

import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import java.util.concurrent.CompletableFuture;

/**
 * One push provider (APNs, FCM, the operator's webhook): sends one request, once, and says what
 * became of it. Retries, backoff and what follows an invalid token are the caller's
 * ({@link PushDelivery}); a provider never throws from {@link #send}, a failure is a
 * {@link Delivery} of kind {@link Delivery.Kind#RETRY} or {@link Delivery.Kind#REJECTED}.
 */
public interface PushProvider extends AutoCloseable {

    /** The platform whose tokens this provider serves. */
    PushPlatform platform();

    /** Sends one notification; completes (never exceptionally) with the provider's answer. */
    CompletableFuture<Delivery> send(PushRequest request);

    @Override
    void close();
}
