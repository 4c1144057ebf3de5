package dev.kchat.ingress;

import static dev.kchat.ingress.ApiClient.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.events.push.ConversationMuted;
import dev.kchat.events.push.ConversationUnmuted;
import dev.kchat.events.push.DoNotDisturbSet;
import dev.kchat.events.push.PreviewSet;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushTokenRegistered;
import dev.kchat.events.push.PushTokenRemoved;
import dev.kchat.events.push.TokenRemovalReason;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The push API over HTTP against the real ingress and a real broker: what it produces on
 * {@code push.settings}, and what it refuses with a precise code while producing nothing (the
 * valid requests afterwards are the first records of the user).
 */
class PushApiTest {

    private static final String APNS_TOKEN = "AB".repeat(32);
    private static TestIngress ingress;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        ingress = TestIngress.start("ingress_push", Map.of());
        api = new ApiClient(TestIngress.SECRET, ingress::port);
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
    }

    @Test
    void shouldRefuseBadPushRequestsWithTheirCodeThenProduceEachValidOneAsASettingsEvent() throws Exception {
        // Refused, nothing produced
        assertError(api.call("erin", "POST", "/v1/push/tokens", "{\"platform\":\"sms\",\"token\":\"t\",\"app_id\":\"a\",\"device_id\":\"d\"}", 400),
                "invalid_platform");
        assertError(api.call("erin", "POST", "/v1/push/tokens", "{\"platform\":\"apns\",\"token\":\"not-hex\",\"app_id\":\"a\",\"device_id\":\"d\"}", 400),
                "invalid_token");
        assertError(api.call("erin", "POST", "/v1/push/tokens", "{\"platform\":\"fcm\",\"token\":\"has space\",\"app_id\":\"a\",\"device_id\":\"d\"}", 400),
                "invalid_token");
        assertError(api.call("erin", "POST", "/v1/push/tokens", "{\"platform\":\"fcm\",\"token\":\"t\",\"app_id\":\"a b\",\"device_id\":\"d\"}", 400),
                "invalid_app_id");
        assertError(api.call("erin", "POST", "/v1/push/tokens", "{\"platform\":\"fcm\",\"token\":\"t\",\"app_id\":\"a\",\"device_id\":\"a/b\"}", 400),
                "invalid_device_id");
        assertError(api.call("erin", "POST", "/v1/push/tokens", "{\"platform\":\"fcm\",\"token\":\"t\",\"app_id\":\"a\",\"device_id\":\"d\",\"x\":1}", 400),
                "unknown_field");
        assertError(api.call("erin", "PUT", "/v1/push/mutes/d:erin:frank", "{\"until\":\"tomorrow\"}", 400), "invalid_until");
        assertError(api.call("erin", "PUT", "/v1/push/mutes/d:erin:frank", "{\"until\":\"2020-01-01T00:00:00Z\"}", 400), "invalid_until");
        assertError(api.call("erin", "PUT", "/v1/push/mutes/bad%20id", null, 400), "invalid_conversation_id");
        assertError(api.call("erin", "PUT", "/v1/push/preview", "{}", 400), "missing_field");
        assertError(api.call("erin", "PUT", "/v1/push/preview", "{\"hide_text\":\"yes\"}", 400), "invalid_type");
        assertError(api.call(null, "PUT", "/v1/push/dnd", null, 401), "missing_token");

        // Accepted, in order
        JsonNode registered = api.call("erin", "POST", "/v1/push/tokens",
                "{\"platform\":\"apns\",\"token\":\"" + APNS_TOKEN + "\",\"app_id\":\"dev.kchat.app\",\"device_id\":\"phone\"}", 202);
        assertThat(registered.get("device_id").asText()).isEqualTo("phone");
        assertThat(registered.get("platform").asText()).isEqualTo("apns");
        api.call("erin", "PUT", "/v1/push/mutes/d:erin:frank", null, 202);
        api.call("erin", "PUT", "/v1/push/mutes/g-1", "{\"until\":\"2099-01-01T00:00:00Z\"}", 202);
        api.call("erin", "DELETE", "/v1/push/mutes/g-1", null, 202);
        api.call("erin", "PUT", "/v1/push/dnd", "{\"until\":\"2099-01-01T08:00:00Z\"}", 202);
        api.call("erin", "DELETE", "/v1/push/dnd", null, 202);
        JsonNode preview = api.call("erin", "PUT", "/v1/push/preview", "{\"hide_text\":true}", 202);
        assertThat(preview.get("hide_text").asBoolean()).isTrue();
        api.call("erin", "DELETE", "/v1/push/tokens/phone", null, 202);

        List<PushSettingsEvent> produced = ingress.recordsUpTo(ingress.topics().pushSettings(), "erin",
                e -> e.getEvent() instanceof PushTokenRemoved);
        assertThat(produced).extracting(e -> e.getEvent().getClass().getSimpleName()).containsExactly("PushTokenRegistered",
                "ConversationMuted", "ConversationMuted", "ConversationUnmuted", "DoNotDisturbSet", "DoNotDisturbSet", "PreviewSet",
                "PushTokenRemoved");
        PushTokenRegistered token = (PushTokenRegistered) produced.get(0).getEvent();
        assertThat(token.getPlatform()).isEqualTo(PushPlatform.APNS);
        assertThat(token.getToken()).as("APNs tokens kept in lower case").isEqualTo(APNS_TOKEN.toLowerCase());
        assertThat(token.getAppId()).isEqualTo("dev.kchat.app");
        assertThat(((ConversationMuted) produced.get(1).getEvent()).getUntil()).isNull();
        assertThat(((ConversationMuted) produced.get(2).getEvent()).getUntil()).isEqualTo(Instant.parse("2099-01-01T00:00:00Z"));
        assertThat(((ConversationUnmuted) produced.get(3).getEvent()).getConversationId()).isEqualTo("g-1");
        assertThat(((DoNotDisturbSet) produced.get(4).getEvent()).getEnabled()).isTrue();
        assertThat(((DoNotDisturbSet) produced.get(5).getEvent()).getEnabled()).isFalse();
        assertThat(((PreviewSet) produced.get(6).getEvent()).getHideText()).isTrue();
        PushTokenRemoved removed = (PushTokenRemoved) produced.get(7).getEvent();
        assertThat(removed.getDeviceId()).isEqualTo("phone");
        assertThat(removed.getReason()).isEqualTo(TokenRemovalReason.LOGOUT);
        assertThat(removed.getToken()).isNull();
    }
}
