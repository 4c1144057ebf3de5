package dev.kchat.ingress.push;

import dev.kchat.api.ApiException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.push.ConversationMuted;
import dev.kchat.events.push.ConversationUnmuted;
import dev.kchat.events.push.DoNotDisturbSet;
import dev.kchat.events.push.PreviewSet;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushTokenRegistered;
import dev.kchat.events.push.PushTokenRemoved;
import dev.kchat.events.push.TokenRemovalReason;
import dev.kchat.schemas.Ids;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The push API's checks, turning a valid request into its {@code push.settings} event and refusing
 * anything else with a precise 400 (nothing is produced then).
 */
final class PushSettingsFactory {

    /** Longest token taken: FCM registration tokens are ~160 characters, APNs tokens 64 hex digits. */
    static final int MAX_TOKEN_CHARS = 4_096;
    static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");
    static final Pattern APP_ID = Pattern.compile("[A-Za-z0-9_.:\\-]{1,255}");
    static final Pattern APNS_TOKEN = Pattern.compile("[0-9A-Fa-f]{64,200}");
    static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7E]+");

    private PushSettingsFactory() {
    }

    static PushSettingsEvent register(Caller caller, PushRequests.RegisterToken r, Instant now, String requestId) {
        PushPlatform platform = platform(r.platform());
        String device = device(caller, r.deviceId());
        if (r.token() == null || r.token().isEmpty() || r.token().length() > MAX_TOKEN_CHARS || !PRINTABLE.matcher(r.token()).matches()) {
            throw ApiException.badRequest("invalid_token", "token must be 1-" + MAX_TOKEN_CHARS + " printable ASCII characters");
        }
        if (platform == PushPlatform.APNS && !APNS_TOKEN.matcher(r.token()).matches()) {
            throw ApiException.badRequest("invalid_token", "an APNs device token is 64-200 hexadecimal digits");
        }
        if (r.appId() == null || !APP_ID.matcher(r.appId()).matches()) {
            throw ApiException.badRequest("invalid_app_id", "app_id must be 1-255 of A-Z a-z 0-9 _ . : - (the APNs topic or app package)");
        }
        String token = platform == PushPlatform.APNS ? r.token().toLowerCase(Locale.ROOT) : r.token();
        return event(caller, now, requestId, PushTokenRegistered.newBuilder().setDeviceId(device).setPlatform(platform)
                .setToken(token).setAppId(r.appId()).build());
    }

    static PushSettingsEvent logout(Caller caller, String deviceId, Instant now, String requestId) {
        return event(caller, now, requestId, PushTokenRemoved.newBuilder().setDeviceId(device(caller, deviceId))
                .setReason(TokenRemovalReason.LOGOUT).build());
    }

    static PushSettingsEvent mute(Caller caller, String conversationId, PushRequests.Until body, Instant now, String requestId) {
        return event(caller, now, requestId, new ConversationMuted(conversation(conversationId), until(body, now)));
    }

    static PushSettingsEvent unmute(Caller caller, String conversationId, Instant now, String requestId) {
        return event(caller, now, requestId, new ConversationUnmuted(conversation(conversationId)));
    }

    static PushSettingsEvent doNotDisturb(Caller caller, PushRequests.Until body, Instant now, String requestId) {
        return event(caller, now, requestId, new DoNotDisturbSet(true, until(body, now)));
    }

    static PushSettingsEvent disturb(Caller caller, Instant now, String requestId) {
        return event(caller, now, requestId, new DoNotDisturbSet(false, null));
    }

    static PushSettingsEvent preview(Caller caller, PushRequests.Preview body, Instant now, String requestId) {
        if (body.hideText() == null) {
            throw ApiException.badRequest("missing_field", "hide_text (true or false) is required");
        }
        return event(caller, now, requestId, new PreviewSet(body.hideText()));
    }

    private static PushPlatform platform(String platform) {
        if (platform != null) {
            switch (platform) {
                case "apns":
                    return PushPlatform.APNS;
                case "fcm":
                    return PushPlatform.FCM;
                case "webhook":
                    return PushPlatform.WEBHOOK;
                default:
                    break;
            }
        }
        throw ApiException.badRequest("invalid_platform", "platform must be apns, fcm or webhook");
    }

    /**
     * The device: the one named, else the caller's (its device header or claim). Any of the user's
     * devices may be named: tokens are the user's, so the boundary is the user (a phone's settings
     * screen logs out a lost tablet).
     */
    private static String device(Caller caller, String named) {
        String device = named != null ? named : caller.deviceId();
        if (device == null || !DEVICE_ID.matcher(device).matches()) {
            throw ApiException.badRequest("invalid_device_id", "device_id must be 1-128 of A-Z a-z 0-9 _ . : -");
        }
        return device;
    }

    private static String conversation(String id) {
        if (!Ids.isConversationId(id)) {
            throw ApiException.badRequest("invalid_conversation_id", "not a conversation id: " + id);
        }
        return id;
    }

    private static Instant until(PushRequests.Until body, Instant now) {
        if (body == null || body.until() == null) {
            return null;
        }
        Instant until;
        try {
            until = Instant.parse(body.until());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("invalid_until", "until must be an ISO-8601 instant such as 2026-11-26T22:00:00Z");
        }
        if (!until.isAfter(now)) {
            throw ApiException.badRequest("invalid_until", "until must be in the future");
        }
        return until;
    }

    private static PushSettingsEvent event(Caller caller, Instant now, String requestId, Object event) {
        return PushSettingsEvent.newBuilder().setUserId(caller.userId()).setAt(now).setRequestId(requestId).setEvent(event).build();
    }
}
