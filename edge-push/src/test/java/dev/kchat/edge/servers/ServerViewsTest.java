package dev.kchat.edge.servers;

import static dev.kchat.edge.servers.ServerFixtures.VIEW;
import static dev.kchat.edge.servers.ServerFixtures.message;
import static dev.kchat.edge.servers.ServerFixtures.serverEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.api.ApiException;
import dev.kchat.events.chat.ChannelDeleted;
import dev.kchat.events.chat.ChannelOverwriteSet;
import dev.kchat.events.chat.InviteCreated;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.RoleUnassigned;
import dev.kchat.events.chat.RoleUpdated;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.events.common.ServerLeaveKind;
import dev.kchat.events.common.ServerRole;
import dev.kchat.servers.permissions.Permission;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The permission check of {@code view_channel} and its re-check when a permission-changing event
 * passes: over the server fixture (c1 public, c2 for r1 only; alice holds r1, bob nothing, carol is
 * not a member), with the broadcasts handed in directly, as the reader would, in log order.
 */
class ServerViewsTest {

    private static final String S = "sv:s";
    private final ServerFixtures.FakeStore store = new ServerFixtures.FakeStore().put(S);
    private final FakeSource source = new FakeSource();
    private final ChannelViews channelViews = new ChannelViews(32, 10, () -> { });
    private final ServerViews views = new ServerViews(channelViews, source, store, Runnable::run, new SimpleMeterRegistry());
    private final RecordingViewer alice = new RecordingViewer("alice");
    private final RecordingViewer bob = new RecordingViewer("bob");
    private final RecordingViewer carol = new RecordingViewer("carol");
    private final RecordingViewer olga = new RecordingViewer("olga");

    @Test
    void shouldAnswerViewingWithThePermissionsOrRefuseWithAPreciseCode() {
        // When each user views a channel
        views.view(alice, S, S + ":c2", "v1");
        views.view(bob, S, S + ":c2", "v2");
        views.view(carol, S, S + ":c1", "v3");
        views.view(bob, S, S + ":c9", null);
        views.view(bob, S, S + ":c3", null);
        views.view(bob, "sv:nowhere", "sv:nowhere:c1", null);

        // Then alice, who holds r1, views the private channel with her bits
        JsonNode viewing = alice.ofType("viewing").get(0);
        assertThat(viewing.path("channel_id").asText()).isEqualTo(S + ":c2");
        assertThat(viewing.path("permissions").asLong() & VIEW).isEqualTo(VIEW);
        assertThat(viewing.path("permissions").asLong() & Permission.MANAGE_MESSAGES.bit()).isNotZero();
        // And the others are refused with the reason, naming the channel and echoing the ref
        assertThat(errors(bob)).containsExactly("forbidden " + S + ":c2 v2", "channel_not_found " + S + ":c9 -",
                "channel_not_found " + S + ":c3 -", "server_not_found sv:nowhere:c1 -");
        assertThat(errors(carol)).containsExactly("not_a_member " + S + ":c1 v3");
        // And a refused view holds nothing: bob's connection views nothing, the unknown server is not read
        assertThat(channelViews.views()).isEqualTo(1);
        assertThat(channelViews.wantedPartitions()).containsExactly(channelViews.partitionOf(S));
    }

    @Test
    void shouldStopDeliveringToAViewerWhoLostViewChannelRightAfterTheEventThatTookIt() {
        // Given alice and bob view c1
        views.view(alice, S, S + ":c1", null);
        views.view(bob, S, S + ":c1", null);
        source.deliver(message(S + ":c1", 1, "before"));

        // When an overwrite denies bob VIEW_CHANNEL in c1, then a message follows
        source.deliver(serverEvent(S, 10, ChannelOverwriteSet.newBuilder().setChannelId(S + ":c1")
                .setTargetKind(OverwriteTarget.MEMBER).setTargetId("bob").setAllow(0).setDeny(VIEW).build()));
        source.deliver(message(S + ":c1", 2, "after"));

        // Then bob got the first message, then the end of his view, and nothing of c1 after it
        assertThat(bob.kinds()).containsExactly("viewing", "broadcast:MessagePosted", "unviewed");
        assertThat(bob.ofType("unviewed").get(0).path("reason").asText()).isEqualTo("forbidden");
        assertThat(bob.bodies()).containsExactly("before");
        // And alice, whose permissions did not change, saw the overwrite event and both messages only
        assertThat(alice.kinds()).containsExactly("viewing", "broadcast:MessagePosted", "broadcast:ChannelOverwriteSet",
                "broadcast:MessagePosted");
        assertThat(alice.bodies()).containsExactly("before", "after");
    }

    @Test
    void shouldEndViewsOnRoleChangesKicksAndDeletedChannelsWithTheirReason() {
        // Given alice views the private c2 and c1, bob views c1
        views.view(alice, S, S + ":c2", null);
        views.view(alice, S, S + ":c1", null);
        views.view(bob, S, S + ":c1", null);

        // When alice loses r1, bob is kicked, then c1 is deleted
        source.deliver(serverEvent(S, 11, RoleUnassigned.newBuilder().setUserId("alice").setRoleId(S + ":r1").build()));
        source.deliver(serverEvent(S, 12, ServerMemberLeft.newBuilder().setUserId("bob").setKind(ServerLeaveKind.KICKED)
                .setBy("olga").build()));
        source.deliver(serverEvent(S, 13, ChannelDeleted.newBuilder().setChannelId(S + ":c1").build()));

        // Then each view ended once, with why
        assertThat(ended(alice)).containsExactly(S + ":c2 forbidden", S + ":c1 channel_deleted");
        assertThat(ended(bob)).containsExactly(S + ":c1 not_a_member");
        assertThat(channelViews.views()).isZero();
        assertThat(channelViews.wantedPartitions()).isEmpty();
        // And each saw their own membership events and not the other's: alice her role taken, bob his kick,
        // then the end of his view, not the deletion after it
        assertThat(bob.kinds()).containsExactly("viewing", "broadcast:ServerMemberLeft", "unviewed");
        assertThat(alice.kinds()).containsSubsequence("broadcast:RoleUnassigned").doesNotContain("broadcast:ServerMemberLeft");
    }

    @Test
    void shouldTellAViewerItsNewPermissionsWhenARoleChangesWithoutTakingTheChannel() {
        // Given alice views c1
        views.view(alice, S, S + ":c1", null);
        long before = alice.ofType("viewing").get(0).path("permissions").asLong();

        // When r1 gains MENTION_EVERYONE
        source.deliver(serverEvent(S, 20, RoleUpdated.newBuilder().setRole(ServerRole.newBuilder().setRoleId(S + ":r1")
                .setName("mods").setPosition(1).setPermissions(Permission.mask(Permission.MANAGE_MESSAGES, Permission.MENTION_EVERYONE))
                .build()).build()));

        // Then she is told the new bits, and still views c1
        long after = alice.ofType("viewing").get(1).path("permissions").asLong();
        assertThat(after).isEqualTo(before | Permission.MENTION_EVERYONE.bit());
        assertThat(channelViews.activeViewers(S + ":c1")).containsExactly(alice);
    }

    @Test
    void shouldSendServerEventsOnceToEachViewerOfTheServerAndInvitesOnlyToThoseWhoManageIt() {
        // Given alice views two channels, olga (the owner) one
        views.view(alice, S, S + ":c1", null);
        views.view(alice, S, S + ":c2", null);
        views.view(olga, S, S + ":c1", null);

        // When a role is created and an invite is made
        source.deliver(serverEvent(S, 30, RoleCreated.newBuilder().setRole(ServerRole.newBuilder().setRoleId(S + ":r2")
                .setName("guests").setPermissions(0).build()).build()));
        source.deliver(serverEvent(S, 31, InviteCreated.newBuilder().setCode("abc").build()));

        // Then the role reaches each connection once, the invite only the owner
        assertThat(alice.kinds()).containsExactly("viewing", "viewing", "broadcast:RoleCreated");
        assertThat(olga.kinds()).containsExactly("viewing", "broadcast:RoleCreated", "broadcast:InviteCreated");
    }

    @Test
    void shouldBringAStaleStoreUpToDateWithTheServerEventsReadWhileTheViewWaited() {
        // Given bob's view waits for its partition, and the store has not yet seen bob get r1
        source.hold = true;
        views.view(bob, S, S + ":c2", null);
        assertThat(bob.frames()).isEmpty();

        // When bob gets r1 on the broadcast before the store is read, then the partition is read
        source.deliver(serverEvent(S, 40, RoleAssigned.newBuilder().setUserId("bob").setRoleId(S + ":r1").build()));
        source.release();

        // Then the store's answer is brought up to date: bob views the private channel
        assertThat(bob.kinds()).containsExactly("viewing");
        assertThat(bob.ofType("viewing").get(0).path("channel_id").asText()).isEqualTo(S + ":c2");
    }

    @Test
    void shouldRefuseTooManyViewsAtOnceAndAnswerARepeatedViewAgain() {
        // Given a connection that may view two channels
        ChannelViews two = new ChannelViews(32, 2, () -> { });
        ServerViews bounded = new ServerViews(two, new FakeSource(), store, Runnable::run, new SimpleMeterRegistry());
        bounded.view(alice, S, S + ":c1", null);
        bounded.view(alice, S, S + ":c2", null);

        // When it views a third, and the first again
        assertThatThrownBy(() -> bounded.view(alice, S, S + ":c3", null)).isInstanceOf(ApiException.class)
                .extracting(e -> ((ApiException) e).code()).isEqualTo("too_many_views");
        bounded.view(alice, S, S + ":c1", null);

        // Then the repeat is answered again and nothing else changed
        assertThat(alice.ofType("viewing")).extracting(f -> f.path("channel_id").asText())
                .containsExactly(S + ":c1", S + ":c2", S + ":c1");
        assertThat(two.views()).isEqualTo(2);
        // And unviewing frees the connection's place
        assertThat(bounded.unview(alice, S + ":c2")).isEqualTo(S);
        assertThat(bounded.unview(alice, S + ":c2")).isNull();
        assertThat(two.views()).isEqualTo(1);
    }

    /** "code channel ref" of each error frame, {@code -} for no ref. */
    private static java.util.List<String> errors(RecordingViewer v) {
        return v.ofType("error").stream().map(f -> f.path("code").asText() + " " + f.path("channel_id").asText() + " "
                + f.path("ref").asText("-")).toList();
    }

    /** "channel reason" of each unviewed frame. */
    private static java.util.List<String> ended(RecordingViewer v) {
        return v.ofType("unviewed").stream().map(f -> f.path("channel_id").asText() + " " + f.path("reason").asText()).toList();
    }

    /** The reader's part: partitions are read at once (or when released), records handed in by the test. */
    private static final class FakeSource implements ServerBroadcastSource {
        private Consumer<ServerBroadcast> deliver;
        private final Map<Integer, CompletableFuture<Void>> held = new HashMap<>();
        boolean hold;

        @Override
        public void serve(Supplier<Set<Integer>> wantedPartitions, Consumer<ServerBroadcast> deliver) {
            this.deliver = deliver;
        }

        @Override
        public CompletableFuture<Void> whenReading(int partition) {
            return hold ? held.computeIfAbsent(partition, p -> new CompletableFuture<>()) : CompletableFuture.completedFuture(null);
        }

        void deliver(ServerBroadcast b) {
            deliver.accept(b);
        }

        void release() {
            hold = false;
            held.values().forEach(f -> f.complete(null));
        }
    }
}
