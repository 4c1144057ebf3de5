package dev.kchat.ingress.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiJson;
import dev.kchat.api.RequestIds;
import dev.kchat.api.TopicPublisher;
import dev.kchat.api.http.Parameters;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushTokenRegistered;
import dev.kchat.ingress.Doors;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The push API under {@code /v1/push}: a device registers its push token and drops it on logout;
 * a user mutes a conversation's notifications, sets do-not-disturb, and hides message text in
 * pushes. Each request is one {@code push.settings} record keyed by the caller, answered
 * {@code 202} once Kafka has it; push-gateway's decider applies it to the next decision (there is
 * no read-back here: a client keeps its own copy of what it set).
 */
public final class PushRoutes implements Doors.RouteGroup, AutoCloseable {

    private final TopicPublisher<PushSettingsEvent> settings;
    private final Clock clock;

    public PushRoutes(TopicPublisher<PushSettingsEvent> settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes.post("/v1/push/tokens", doors.withBody("push_register_token", (ex, caller, body) -> {
            PushSettingsEvent e = PushSettingsFactory.register(caller, ApiJson.read(body, PushRequests.RegisterToken.class),
                    clock.instant(), requestId(ex));
            PushTokenRegistered t = (PushTokenRegistered) e.getEvent();
            send(ex, doors, "push_register_token", e, () -> answer(e).put("device_id", t.getDeviceId())
                    .put("platform", t.getPlatform().name().toLowerCase(java.util.Locale.ROOT)).put("registered", true));
        }))
                .delete("/v1/push/tokens/{device_id}", doors.withoutBody("push_remove_token", (ex, caller) -> {
                    PushSettingsEvent e = PushSettingsFactory.logout(caller, Parameters.pathParam(ex, "device_id"), clock.instant(),
                            requestId(ex));
                    send(ex, doors, "push_remove_token", e, () -> answer(e).put("device_id", Parameters.pathParam(ex, "device_id"))
                            .put("removed", true));
                }))
                .put("/v1/push/mutes/{conversation_id}", doors.withBody("push_mute", (ex, caller, body) -> {
                    String conversation = Parameters.pathParam(ex, "conversation_id");
                    PushSettingsEvent e = PushSettingsFactory.mute(caller, conversation, until(body), clock.instant(), requestId(ex));
                    send(ex, doors, "push_mute", e, () -> answer(e).put("conversation_id", conversation).put("muted", true));
                }))
                .delete("/v1/push/mutes/{conversation_id}", doors.withoutBody("push_unmute", (ex, caller) -> {
                    String conversation = Parameters.pathParam(ex, "conversation_id");
                    PushSettingsEvent e = PushSettingsFactory.unmute(caller, conversation, clock.instant(), requestId(ex));
                    send(ex, doors, "push_unmute", e, () -> answer(e).put("conversation_id", conversation).put("muted", false));
                }))
                .put("/v1/push/dnd", doors.withBody("push_dnd_on", (ex, caller, body) -> {
                    PushSettingsEvent e = PushSettingsFactory.doNotDisturb(caller, until(body), clock.instant(), requestId(ex));
                    send(ex, doors, "push_dnd_on", e, () -> answer(e).put("do_not_disturb", true));
                }))
                .delete("/v1/push/dnd", doors.withoutBody("push_dnd_off", (ex, caller) -> {
                    PushSettingsEvent e = PushSettingsFactory.disturb(caller, clock.instant(), requestId(ex));
                    send(ex, doors, "push_dnd_off", e, () -> answer(e).put("do_not_disturb", false));
                }))
                .put("/v1/push/preview", doors.withBody("push_preview", (ex, caller, body) -> {
                    PushSettingsEvent e = PushSettingsFactory.preview(caller, ApiJson.read(body, PushRequests.Preview.class),
                            clock.instant(), requestId(ex));
                    send(ex, doors, "push_preview", e, () -> answer(e)
                            .put("hide_text", ((dev.kchat.events.push.PreviewSet) e.getEvent()).getHideText()));
                }));
    }

    /** No body or {@code {}} means "until lifted". */
    private static PushRequests.Until until(byte[] body) {
        return body.length == 0 ? null : ApiJson.read(body, PushRequests.Until.class);
    }

    private void send(HttpServerExchange ex, Doors doors, String route, PushSettingsEvent event, Supplier<ObjectNode> answer) {
        doors.publish(ex, route, () -> settings.publish(event.getUserId(), event), answer);
    }

    private static ObjectNode answer(PushSettingsEvent e) {
        return ApiJson.JSON.createObjectNode().put("user_id", e.getUserId()).put("at", e.getAt().toString());
    }

    private static String requestId(HttpServerExchange ex) {
        String id = ex.getRequestHeaders().getFirst(RequestIds.HEADER);
        if (id != null && !dev.kchat.schemas.Ids.isClientMsgId(id)) {
            throw dev.kchat.api.ApiException.badRequest("invalid_request_id",
                    RequestIds.HEADER + " must be 1-64 printable ASCII characters without spaces");
        }
        return id;
    }

    /** Flushes and closes the producer. */
    @Override
    public void close() {
        settings.close();
    }
}
