package dev.kchat.push.deliver;

import dev.kchat.events.push.PushPlatform;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;

/** The providers a {@link DeliveryConfig} turns on, by platform. */
public final class Providers {

    private Providers() {
    }

    /** Builds every configured provider; a platform without settings has none. */
    public static Map<PushPlatform, PushProvider> from(DeliveryConfig c) {
        Map<PushPlatform, PushProvider> out = new EnumMap<>(PushPlatform.class);
        if (c.webhookUrl() != null) {
            out.put(PushPlatform.WEBHOOK, new WebhookProvider(c.webhookUrl(), c.webhookSecret().getBytes(StandardCharsets.UTF_8),
                    c.timeout(), Clock.systemUTC()));
        }
        if (c.apnsKeyFile() != null) {
            out.put(PushPlatform.APNS, ApnsProvider.create(c.apnsHost(), c.apnsPort(), new File(c.apnsKeyFile()), c.apnsTeamId(),
                    c.apnsKeyId(), c.apnsTrustedCa() == null ? null : new File(c.apnsTrustedCa()), c.timeout()));
        }
        if (c.fcmCredentialsFile() != null) {
            out.put(PushPlatform.FCM, FcmProvider.create(Path.of(c.fcmCredentialsFile()), c.fcmProjectId(), c.fcmEndpoint(), c.timeout()));
        }
        return out;
    }
}
