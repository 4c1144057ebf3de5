package dev.kchat.ingress;

import static dev.kchat.ingress.ApiClient.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.events.push.ConversationMuted;
import dev.kchat.events.push.ConversationUnmuted;
import dev.kchat.events.push.DoNotDisturbSet;
import dev.kchat.events.push.PreviewSet;
import dev.kchat.events.push.PushOutcome;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushStatus;
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
 * valid requests afterwards are the first records of the user); and what it reads back of the
 * caller's devices from the store, written as the sink would.
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

    @Test
    void shouldListOnlyTheCallersDevicesEachWithItsLastOutcomeItsCountsAndAnInvalidTokenMarked() throws Exception {
        // Given: gus's phone had a failed then a delivered push; his tablet's token was reported invalid; hal has a laptop
        Instant t = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).minusSeconds(600);
        ingress.storePush(
                registered("gus", "phone", PushPlatform.APNS, "ab".repeat(32), t),
                registered("gus", "tablet", PushPlatform.FCM, "fcm-token", t.plusSeconds(1)),
                registered("hal", "laptop", PushPlatform.WEBHOOK, "hal-handle", t),
                outcome("gus", "phone", "p1", PushStatus.FAILED, 4, "HTTP 503", t.plusSeconds(10)),
                outcome("gus", "phone", "p2", PushStatus.DELIVERED, 1, "HTTP 200", t.plusSeconds(20)),
                outcome("gus", "tablet", "p3", PushStatus.TOKEN_INVALID, 1, "HTTP 404 UNREGISTERED", t.plusSeconds(20)),
                PushSettingsEvent.newBuilder().setUserId("gus").setAt(t.plusSeconds(20)).setEvent(PushTokenRemoved.newBuilder()
                        .setDeviceId("tablet").setToken("fcm-token").setReason(TokenRemovalReason.INVALID)
                        .setDetail("UNREGISTERED").build()).build(),
                outcome("hal", "laptop", "p4", PushStatus.REJECTED, 1, "HTTP 400", t.plusSeconds(30)));

        // When
        JsonNode gus = api.get("gus", "/v1/push/devices", 200);

        // Then: his two devices, in device id order, and nothing of hal's
        assertThat(gus.get("user_id").asText()).isEqualTo("gus");
        assertThat(gus.get("recent_window").asText()).isEqualTo("PT168H");
        JsonNode devices = gus.get("devices");
        assertThat(devices).extracting(d -> d.get("device_id").asText()).containsExactly("phone", "tablet");
        JsonNode phone = devices.get(0);
        assertThat(phone.get("platform").asText()).isEqualTo("apns");
        assertThat(phone.get("app_id").asText()).isEqualTo("dev.kchat.app");
        assertThat(phone.get("registered_at").asText()).isEqualTo(t.toString());
        assertThat(phone.get("state").asText()).isEqualTo("active");
        assertThat(phone.get("token_invalid_at").isNull()).isTrue();
        assertThat(phone.get("last_outcome").get("status").asText()).isEqualTo("DELIVERED");
        assertThat(phone.get("last_outcome").get("push_id").asText()).isEqualTo("p2");
        assertThat(phone.get("last_outcome").get("attempts").asInt()).isEqualTo(1);
        assertThat(phone.get("last_outcome").get("detail").asText()).isEqualTo("HTTP 200");
        assertThat(phone.get("last_outcome").get("at").asText()).isEqualTo(t.plusSeconds(20).toString());
        assertThat(phone.get("recent").toString())
                .isEqualTo("{\"pushes\":2,\"delivered\":1,\"token_invalid\":0,\"rejected\":0,\"failed\":1}");
        JsonNode tablet = devices.get(1);
        assertThat(tablet.get("platform").asText()).isEqualTo("fcm");
        assertThat(tablet.get("state").asText()).isEqualTo("token_invalid");
        assertThat(tablet.get("token_invalid_at").asText()).isEqualTo(t.plusSeconds(20).toString());
        assertThat(tablet.get("token_invalid_detail").asText()).isEqualTo("UNREGISTERED");
        assertThat(tablet.get("last_outcome").get("status").asText()).isEqualTo("TOKEN_INVALID");

        // And: hal sees his laptop only; a user with no device an empty list; no token is refused
        assertThat(api.get("hal", "/v1/push/devices", 200).get("devices")).singleElement()
                .satisfies(d -> assertThat(d.get("last_outcome").get("status").asText()).isEqualTo("REJECTED"));
        assertThat(api.get("ivy", "/v1/push/devices", 200).get("devices")).isEmpty();
        assertError(api.call(null, "GET", "/v1/push/devices", null, 401), "missing_token");
    }

    @Test
    void shouldShowALoggedOutDeviceNoMoreAndALastOutcomeOfNullBeforeAnyPush() throws Exception {
        // Given: jo registered a phone and a tablet, then logged the tablet out
        Instant t = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).minusSeconds(60);
        ingress.storePush(registered("jo", "phone", PushPlatform.WEBHOOK, "jo-phone", t),
                registered("jo", "tablet", PushPlatform.WEBHOOK, "jo-tablet", t),
                PushSettingsEvent.newBuilder().setUserId("jo").setAt(t.plusSeconds(5)).setEvent(PushTokenRemoved.newBuilder()
                        .setDeviceId("tablet").setReason(TokenRemovalReason.LOGOUT).build()).build());

        // Then
        JsonNode devices = api.get("jo", "/v1/push/devices", 200).get("devices");
        assertThat(devices).singleElement().satisfies(d -> {
            assertThat(d.get("device_id").asText()).isEqualTo("phone");
            assertThat(d.get("last_outcome").isNull()).isTrue();
            assertThat(d.get("recent").get("pushes").asInt()).isZero();
        });
    }

    private static PushSettingsEvent registered(String user, String device, PushPlatform platform, String token, Instant at) {
        return PushSettingsEvent.newBuilder().setUserId(user).setAt(at).setEvent(PushTokenRegistered.newBuilder()
                .setDeviceId(device).setPlatform(platform).setToken(token).setAppId("dev.kchat.app").build()).build();
    }

    private static PushOutcome outcome(String user, String device, String pushId, PushStatus status, int attempts, String detail,
            Instant at) {
        return PushOutcome.newBuilder().setPushId(pushId).setUserId(user).setDeviceId(device).setPlatform(PushPlatform.APNS)
                .setStatus(status).setAttempts(attempts).setDetail(detail).setAt(at).build();
    }
}
