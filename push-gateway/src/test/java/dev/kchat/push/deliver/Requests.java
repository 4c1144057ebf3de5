package dev.kchat.push.deliver;

import dev.kchat.events.push.PushKind;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushRequest;
import java.time.Instant;

/** Push requests for the adapter tests. */
final class Requests {

    static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

    private Requests() {
    }

    static PushRequest request(PushPlatform platform, String token) {
        return PushRequest.newBuilder().setPushId("bob:phone:7").setUserId("bob").setDeviceId("phone").setPlatform(platform)
                .setToken(token).setAppId("dev.kchat.app").setKind(PushKind.MESSAGE).setCollapseKey("d:alice:bob")
                .setConversationId("d:alice:bob").setTitle("alice").setBody("call me").setCount(3).setBadge(5)
                .setFirstInboxSeq(5).setLastInboxSeq(7).setFirstEntryAt(T0).setRequestedAt(T0.plusSeconds(2)).build();
    }
}
