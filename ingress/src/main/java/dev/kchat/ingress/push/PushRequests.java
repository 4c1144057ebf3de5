package dev.kchat.ingress.push;

/**
 * Request bodies of the push API (JSON, snake_case, bound strictly by {@code ApiJson}). Validation
 * lives in {@link PushSettingsFactory}.
 */
public final class PushRequests {

    private PushRequests() {
    }

    /**
     * {@code POST /v1/push/tokens}: a device's push token; {@code device_id} left out is the caller's
     * device (its device header or token claim).
     */
    public record RegisterToken(String platform, String token, String appId, String deviceId) {
    }

    /** {@code PUT /v1/push/mutes/{conversation_id}} and {@code PUT /v1/push/dnd}: until when (ISO-8601), or none: until lifted. */
    public record Until(String until) {
    }

    /** {@code PUT /v1/push/preview}: whether pushes hide sender and text. */
    public record Preview(Boolean hideText) {
    }
}
