package dev.kchat.push.deliver;

import dev.kchat.service.Settings;
import dev.kchat.streams.StreamsAppSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the delivery side: where Kafka is, its consumer group, retries, and the providers.
 * A provider is on when its key setting is given (the webhook's URL, APNs' signing key, FCM's
 * service account file) and off otherwise; a request for a platform whose provider is off ends
 * {@code REJECTED}.
 *
 * @param bootstrapServers   Kafka
 * @param registryUrl        schema registry
 * @param group              consumer group over {@code push.requests}
 * @param instanceId         this instance's name: its transactional id is {@code group-instanceId}
 * @param adminHost          admin server bind address (health, metrics)
 * @param adminPort          admin server port; 0 picks a free one
 * @param retry              attempts and backoff per request
 * @param timeout            connect and request timeout of one provider call
 * @param webhookUrl         the webhook receiver, or null (off)
 * @param webhookSecret      the HMAC key of the webhook's signature (required with the URL)
 * @param apnsHost           APNs host (production {@code api.push.apple.com}; development {@code api.sandbox.push.apple.com})
 * @param apnsPort           APNs port
 * @param apnsKeyFile        the team's {@code .p8} signing key, or null (off)
 * @param apnsTeamId         the team id of the key
 * @param apnsKeyId          the key's id
 * @param apnsTrustedCa      PEM file of the only CA trusted for the APNs server, or null (the JVM's)
 * @param fcmCredentialsFile a service account key file (JSON), or null (off)
 * @param fcmProjectId       the Firebase project, or null (the key file's {@code project_id})
 * @param fcmEndpoint        FCM's base URL
 */
public record DeliveryConfig(
        String bootstrapServers,
        String registryUrl,
        String group,
        String instanceId,
        String adminHost,
        int adminPort,
        RetryPolicy retry,
        Duration timeout,
        URI webhookUrl,
        String webhookSecret,
        String apnsHost,
        int apnsPort,
        String apnsKeyFile,
        String apnsTeamId,
        String apnsKeyId,
        String apnsTrustedCa,
        String fcmCredentialsFile,
        String fcmProjectId,
        URI fcmEndpoint) {

    public static final String GROUP = "push.delivery.group";
    public static final String INSTANCE_ID = "push.delivery.instance.id";
    public static final String ADMIN_HOST = "push.delivery.admin.host";
    public static final String ADMIN_PORT = "push.delivery.admin.port";
    public static final String MAX_ATTEMPTS = "push.delivery.max.attempts";
    public static final String BACKOFF_INITIAL = "push.delivery.backoff.initial";
    public static final String BACKOFF_MAX = "push.delivery.backoff.max";
    public static final String TIMEOUT = "push.delivery.timeout";
    public static final String WEBHOOK_URL = "push.webhook.url";
    public static final String WEBHOOK_SECRET = "push.webhook.secret";
    public static final String APNS_HOST = "push.apns.host";
    public static final String APNS_PORT = "push.apns.port";
    public static final String APNS_KEY_FILE = "push.apns.key.file";
    public static final String APNS_TEAM_ID = "push.apns.team.id";
    public static final String APNS_KEY_ID = "push.apns.key.id";
    public static final String APNS_TRUSTED_CA = "push.apns.trusted.ca.file";
    public static final String FCM_CREDENTIALS_FILE = "push.fcm.credentials.file";
    public static final String FCM_PROJECT_ID = "push.fcm.project.id";
    public static final String FCM_ENDPOINT = "push.fcm.endpoint";

    public static final String DEFAULT_GROUP = "kchat-push-delivery";
    public static final int DEFAULT_ADMIN_PORT = 9406;
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofMillis(200);
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final String DEFAULT_APNS_HOST = "api.push.apple.com";
    public static final int DEFAULT_APNS_PORT = 443;
    public static final String DEFAULT_FCM_ENDPOINT = "https://fcm.googleapis.com";

    public static final List<String[]> DOCUMENTED = List.of(
            new String[] {GROUP, DEFAULT_GROUP, "consumer group of the delivery side over push.requests"},
            new String[] {INSTANCE_ID, "(host name)", "this instance's name, unique per instance: transactional id " + DEFAULT_GROUP + "-<id>"},
            new String[] {ADMIN_HOST, "127.0.0.1", "delivery admin server bind address (/health/ready, /metrics)"},
            new String[] {ADMIN_PORT, String.valueOf(DEFAULT_ADMIN_PORT), "delivery admin server port; 0 picks a free one"},
            new String[] {MAX_ATTEMPTS, String.valueOf(DEFAULT_MAX_ATTEMPTS), "provider calls per request before it ends FAILED"},
            new String[] {BACKOFF_INITIAL, "200ms", "wait after the first transient failure, doubled each time (+-20% jitter)"},
            new String[] {BACKOFF_MAX, "10s", "longest wait between attempts (a provider's Retry-After is capped at it)"},
            new String[] {TIMEOUT, "10s", "connect and request timeout of one provider call"},
            new String[] {WEBHOOK_URL, "(off)", "the signed webhook's receiver URL; the webhook provider is off without it"},
            new String[] {WEBHOOK_SECRET, "(required with the URL)", "HMAC-SHA256 key of X-Kchat-Signature"},
            new String[] {APNS_HOST, DEFAULT_APNS_HOST, "APNs host (api.sandbox.push.apple.com for development builds)"},
            new String[] {APNS_PORT, String.valueOf(DEFAULT_APNS_PORT), "APNs port (443 or 2197)"},
            new String[] {APNS_KEY_FILE, "(off)", "the team's .p8 signing key; the APNs provider is off without it"},
            new String[] {APNS_TEAM_ID, "(required with the key)", "Apple team id of the key"},
            new String[] {APNS_KEY_ID, "(required with the key)", "id of the key"},
            new String[] {APNS_TRUSTED_CA, "(the JVM's)", "PEM of the only CA trusted for the APNs server (tests, proxies)"},
            new String[] {FCM_CREDENTIALS_FILE, "(off)", "service account key (JSON) of the Firebase project; the FCM provider is off without it"},
            new String[] {FCM_PROJECT_ID, "(the key's project_id)", "Firebase project id"},
            new String[] {FCM_ENDPOINT, DEFAULT_FCM_ENDPOINT, "FCM base URL (tests point it at a stub)"});

    public DeliveryConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(retry, "retry");
        StreamsAppSettings.requirePositive(TIMEOUT, timeout);
        if (webhookUrl != null && (webhookSecret == null || webhookSecret.isBlank())) {
            throw new Settings.ConfigException(WEBHOOK_SECRET, "is required when " + WEBHOOK_URL + " is set");
        }
        if (apnsKeyFile != null && (apnsTeamId == null || apnsKeyId == null)) {
            throw new Settings.ConfigException(APNS_TEAM_ID, APNS_TEAM_ID + " and " + APNS_KEY_ID + " are required with " + APNS_KEY_FILE);
        }
    }

    /** Reads the settings, applying the documented defaults. */
    public static DeliveryConfig from(Settings s) {
        String webhook = blankToNull(s.string(WEBHOOK_URL, ""));
        return new DeliveryConfig(
                s.string(StreamsAppSettings.BOOTSTRAP_SERVERS, StreamsAppSettings.DEFAULT_BOOTSTRAP_SERVERS),
                s.string(StreamsAppSettings.SCHEMA_REGISTRY_URL, StreamsAppSettings.DEFAULT_SCHEMA_REGISTRY_URL),
                s.string(GROUP, DEFAULT_GROUP),
                s.string(INSTANCE_ID, hostName()),
                s.string(ADMIN_HOST, StreamsAppSettings.DEFAULT_ADMIN_HOST),
                s.integer(ADMIN_PORT, DEFAULT_ADMIN_PORT),
                retry(s),
                s.duration(TIMEOUT, DEFAULT_TIMEOUT),
                webhook == null ? null : URI.create(webhook),
                blankToNull(s.string(WEBHOOK_SECRET, "")),
                s.string(APNS_HOST, DEFAULT_APNS_HOST),
                s.integer(APNS_PORT, DEFAULT_APNS_PORT),
                blankToNull(s.string(APNS_KEY_FILE, "")),
                blankToNull(s.string(APNS_TEAM_ID, "")),
                blankToNull(s.string(APNS_KEY_ID, "")),
                blankToNull(s.string(APNS_TRUSTED_CA, "")),
                blankToNull(s.string(FCM_CREDENTIALS_FILE, "")),
                blankToNull(s.string(FCM_PROJECT_ID, "")),
                URI.create(s.string(FCM_ENDPOINT, DEFAULT_FCM_ENDPOINT)));
    }

    private static RetryPolicy retry(Settings s) {
        try {
            return new RetryPolicy(s.integer(MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS), s.duration(BACKOFF_INITIAL, DEFAULT_BACKOFF_INITIAL),
                    s.duration(BACKOFF_MAX, DEFAULT_BACKOFF_MAX));
        } catch (IllegalArgumentException e) {
            throw new Settings.ConfigException(MAX_ATTEMPTS + "/" + BACKOFF_INITIAL + "/" + BACKOFF_MAX, e.getMessage());
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "push-delivery";
        }
    }
}
