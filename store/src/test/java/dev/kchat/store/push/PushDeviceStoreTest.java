package dev.kchat.store.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.push.DoNotDisturbSet;
import dev.kchat.events.push.PushOutcome;
import dev.kchat.events.push.PushPlatform;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushStatus;
import dev.kchat.events.push.PushTokenRegistered;
import dev.kchat.events.push.PushTokenRemoved;
import dev.kchat.events.push.TokenRemovalReason;
import dev.kchat.store.TestStore;
import dev.kchat.store.push.PushDeviceRepository.Device;
import dev.kchat.store.push.PushDeviceRepository.Outcome;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The push device tables against a real CQL server: what the sink writes is what a user's settings screen reads. */
class PushDeviceStoreTest {

    private static final Instant T = Instant.parse("2026-11-26T10:00:00Z");
    private static String keyspace;
    private static PushDeviceWriter writer;
    private static PushDeviceRepository repository;

    @BeforeAll
    static void newStore() {
        keyspace = TestStore.newKeyspace("push");
        writer = new PushDeviceWriter(TestStore.session(), keyspace, Clock.fixed(T.plusSeconds(3_600), ZoneOffset.UTC));
        repository = new PushDeviceRepository(TestStore.session(), keyspace);
    }

    @Test
    void shouldListEachDeviceWithItsLastOutcomeAndCountsAndTheSameAfterAReplayInAnyOrder() {
        // Given: ana's phone (APNs) with three outcomes, her tablet (FCM) with none, a mute, and bo's phone
        List<PushSettingsEvent> settings = List.of(
                registered("ana", "phone", PushPlatform.APNS, "aa01", T),
                registered("ana", "tablet", PushPlatform.FCM, "fcm-1", T.plusSeconds(1)),
                PushSettingsEvent.newBuilder().setUserId("ana").setAt(T.plusSeconds(2)).setEvent(new DoNotDisturbSet(true, null)).build(),
                registered("bo", "phone", PushPlatform.WEBHOOK, "bo-handle", T));
        List<PushOutcome> outcomes = List.of(
                outcome("ana", "phone", "p1", PushStatus.DELIVERED, 1, "HTTP 200", T.plusSeconds(10)),
                outcome("ana", "phone", "p2", PushStatus.FAILED, 4, "HTTP 503", T.plusSeconds(20)),
                outcome("ana", "phone", "p3", PushStatus.DELIVERED, 2, "HTTP 200", T.plusSeconds(30)));

        // When: stored, then stored again in reverse order (a replay)
        settings.forEach(e -> TestStore.write(writer.statementsFor(e)));
        outcomes.forEach(o -> TestStore.write(writer.statementsFor(o)));
        List<String> before = rows();
        List<PushSettingsEvent> reversed = new ArrayList<>(settings);
        Collections.reverse(reversed);
        reversed.forEach(e -> TestStore.write(writer.statementsFor(e)));
        outcomes.forEach(o -> TestStore.write(writer.statementsFor(o)));

        // Then
        assertThat(rows()).isEqualTo(before);
        List<Device> ana = repository.devices("ana");
        assertThat(ana).extracting(Device::deviceId).containsExactly("phone", "tablet");
        Device phone = ana.get(0);
        assertThat(phone.platform()).isEqualTo("APNS");
        assertThat(phone.appId()).isEqualTo("dev.kchat.app");
        assertThat(phone.registeredAt()).isEqualTo(T);
        assertThat(phone.tokenInvalid()).isFalse();
        assertThat(phone.lastOutcome()).contains(new Outcome("p3", "DELIVERED", 2, "HTTP 200", T.plusSeconds(30)));
        assertThat(phone.recentPushes()).isEqualTo(3);
        assertThat(phone.recent()).isEqualTo(Map.of("DELIVERED", 2, "FAILED", 1));
        assertThat(ana.get(1).lastOutcome()).isEmpty();
        assertThat(ana.get(1).recentPushes()).isZero();
        assertThat(repository.devices("bo")).extracting(Device::deviceId).containsExactly("phone");
        assertThat(repository.devices("nobody")).isEmpty();
    }

    @Test
    void shouldMarkADeviceWhoseTokenWasReportedInvalidUntilItRegistersAgain() {
        // Given: cy's phone registered, a push ended TOKEN_INVALID and the delivery side removed the token
        TestStore.write(writer.statementsFor(registered("cy", "phone", PushPlatform.APNS, "cc01", T)));
        TestStore.write(writer.statementsFor(outcome("cy", "phone", "p1", PushStatus.TOKEN_INVALID, 1, "410 Unregistered", T.plusSeconds(5))));
        TestStore.write(writer.statementsFor(removed("cy", "phone", "cc01", TokenRemovalReason.INVALID, "Unregistered", T.plusSeconds(5))));

        // Then: the phone is listed, marked, with the provider's reason and the outcome
        Device phone = repository.devices("cy").get(0);
        assertThat(phone.tokenInvalid()).isTrue();
        assertThat(phone.removedAt()).isEqualTo(T.plusSeconds(5));
        assertThat(phone.removedDetail()).isEqualTo("Unregistered");
        assertThat(phone.lastOutcome().orElseThrow().status()).isEqualTo("TOKEN_INVALID");

        // When: the phone signs in again with a new token
        TestStore.write(writer.statementsFor(registered("cy", "phone", PushPlatform.APNS, "cc02", T.plusSeconds(60))));

        // Then: it is live again, registered anew
        Device again = repository.devices("cy").get(0);
        assertThat(again.tokenInvalid()).isFalse();
        assertThat(again.registeredAt()).isEqualTo(T.plusSeconds(60));
    }

    @Test
    void shouldIgnoreAnInvalidReportOnATokenReplacedSinceAndForgetADeviceLoggedOut() {
        // Given: dee's phone replaced token dd01 by dd02, then the provider's report on dd01 arrives
        TestStore.write(writer.statementsFor(registered("dee", "phone", PushPlatform.FCM, "dd01", T)));
        TestStore.write(writer.statementsFor(registered("dee", "phone", PushPlatform.FCM, "dd02", T.plusSeconds(10))));
        TestStore.write(writer.statementsFor(removed("dee", "phone", "dd01", TokenRemovalReason.INVALID, "UNREGISTERED", T.plusSeconds(20))));
        TestStore.write(writer.statementsFor(registered("dee", "laptop", PushPlatform.WEBHOOK, "dee-laptop", T)));

        // Then: the phone is live on its new token
        List<Device> dee = repository.devices("dee");
        assertThat(dee).extracting(Device::deviceId).containsExactly("laptop", "phone");
        assertThat(dee.get(1).tokenInvalid()).isFalse();
        assertThat(dee.get(1).registeredAt()).isEqualTo(T.plusSeconds(10));

        // When: the phone logs out
        TestStore.write(writer.statementsFor(removed("dee", "phone", null, TokenRemovalReason.LOGOUT, null, T.plusSeconds(30))));

        // Then: only the laptop is left
        assertThat(repository.devices("dee")).extracting(Device::deviceId).containsExactly("laptop");
    }

    @Test
    void shouldStoreNoOutcomeOlderThanTheRetention() {
        // Given: an outcome 8 days before the writer's clock (a replay of a topic kept longer)
        TestStore.write(writer.statementsFor(registered("eve", "phone", PushPlatform.WEBHOOK, "eve-handle", T)));
        assertThat(writer.statementsFor(outcome("eve", "phone", "old", PushStatus.DELIVERED, 1, "HTTP 200",
                T.minus(java.time.Duration.ofDays(8))))).isEmpty();

        // Then
        assertThat(repository.devices("eve").get(0).lastOutcome()).isEmpty();
    }

    private static List<String> rows() {
        List<String> rows = new ArrayList<>(TestStore.snapshot(keyspace, "push_devices"));
        rows.addAll(TestStore.snapshot(keyspace, "push_outcomes_by_device"));
        return rows;
    }

    private static PushSettingsEvent registered(String user, String device, PushPlatform platform, String token, Instant at) {
        return PushSettingsEvent.newBuilder().setUserId(user).setAt(at).setEvent(PushTokenRegistered.newBuilder()
                .setDeviceId(device).setPlatform(platform).setToken(token).setAppId("dev.kchat.app").build()).build();
    }

    private static PushSettingsEvent removed(String user, String device, String token, TokenRemovalReason reason, String detail,
            Instant at) {
        return PushSettingsEvent.newBuilder().setUserId(user).setAt(at).setEvent(PushTokenRemoved.newBuilder()
                .setDeviceId(device).setToken(token).setReason(reason).setDetail(detail).build()).build();
    }

    private static PushOutcome outcome(String user, String device, String pushId, PushStatus status, int attempts, String detail,
            Instant at) {
        return PushOutcome.newBuilder().setPushId(pushId).setUserId(user).setDeviceId(device).setPlatform(PushPlatform.APNS)
                .setStatus(status).setAttempts(attempts).setDetail(detail).setAt(at).build();
    }
}
