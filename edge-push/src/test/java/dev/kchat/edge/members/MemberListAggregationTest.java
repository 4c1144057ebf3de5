package dev.kchat.edge.members;

import static dev.kchat.edge.members.MemberListFixtures.SERVER;
import static dev.kchat.edge.members.MemberListFixtures.assigned;
import static dev.kchat.edge.members.MemberListFixtures.broadcast;
import static dev.kchat.edge.members.MemberListFixtures.joined;
import static dev.kchat.edge.members.MemberListFixtures.left;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.api.presence.UserPresence;
import dev.kchat.edge.members.MemberListFixtures.Recorder;
import dev.kchat.edge.servers.ServerBroadcastSource;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.events.common.ServerLeaveKind;
import dev.kchat.events.presence.PresenceChanged;
import dev.kchat.events.presence.PresenceState;
import dev.kchat.store.servers.ServerRows.MemberLine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Member-list subscriptions over a server of 300 members (m000 .. m299, m000 to m004 holding the role
 * "mods"), with the reader, the store and the presence app replaced by the test: records are handed in,
 * and the flusher's interval is the test calling {@link MemberListFlusher#flush} (a manual clock).
 */
class MemberListAggregationTest {

    private static final String MODS = SERVER + ":r1";

    private final FakeSource source = new FakeSource();
    private final AtomicBoolean shedding = new AtomicBoolean();
    private final List<List<String>> lookups = new ArrayList<>();
    private int storeReads;
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final MemberListSubscriptions lists = new MemberListSubscriptions(source, 4, () -> { }, this::members,
            users -> {
                lookups.add(users);
                return users.stream().map(u -> new UserPresence(u, u.equals("m010") ? PresenceState.IDLE : PresenceState.OFFLINE, null, 0))
                        .toList();
            }, Runnable::run, metrics);
    private final MemberListFlusher flusher = new MemberListFlusher(lists, shedding::get, metrics);

    private Optional<MemberListStore.Members> members(String serverId) {
        storeReads++;
        if (!serverId.equals(SERVER)) {
            return Optional.empty();
        }
        List<MemberLine> lines = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String user = String.format("m%03d", i);
            lines.add(new MemberLine(user, null, -1, i < 5 ? Set.of(MODS) : Set.of()));
        }
        return Optional.of(new MemberListStore.Members(Map.of(SERVER, 0, MODS, 1), lines));
    }

    @Test
    void shouldAnswerTheRangesAtOnceSortedWithTheirPresence() {
        // When: m007 subscribes to [0,9] and [100,104]
        Recorder viewer = subscribe("m007", List.of(new ListRange(0, 9), new ListRange(100, 104)));

        // Then: one member_list: the mods first, each range with its members and presence, looked up in one batch
        JsonNode list = viewer.ofType("member_list").get(0);
        assertThat(list.path("total").asInt()).isEqualTo(300);
        assertThat(userIds(list.path("ranges").get(0))).containsExactly("m000", "m001", "m002", "m003", "m004", "m005", "m006",
                "m007", "m008", "m009");
        assertThat(list.at("/ranges/0/members/0/top_role_id").asText()).isEqualTo(MODS);
        assertThat(list.at("/ranges/0/members/0/roles/0").asText()).isEqualTo(MODS);
        assertThat(list.at("/ranges/0/members/9/top_role_id").isNull()).isTrue();
        assertThat(list.at("/ranges/1/offset").asInt()).isEqualTo(100);
        assertThat(userIds(list.path("ranges").get(1))).containsExactly("m100", "m101", "m102", "m103", "m104");
        assertThat(list.at("/ranges/0/members/0/presence").asText()).isEqualTo("offline");
        assertThat(lookups).hasSize(1);
        assertThat(lookups.get(0)).hasSize(15);
        assertThat(lists.presenceListener().watches("m104")).isTrue();
        assertThat(lists.presenceListener().watches("m105")).isFalse();
    }

    @Test
    void shouldSendFiveChangesOfOneUserInOneIntervalAsOneItem() {
        // Given: m007 subscribes to [0,99]
        Recorder viewer = subscribe("m007", List.of(new ListRange(0, 99)));

        // When: m003 changes presence five times within one interval, then the interval ends
        for (PresenceState s : List.of(PresenceState.ONLINE, PresenceState.IDLE, PresenceState.ONLINE, PresenceState.DND,
                PresenceState.ONLINE)) {
            presence("m003", s);
        }
        flusher.flush();

        // Then: one update with one item, m003's latest presence, and no range
        assertThat(viewer.ofType("member_list_update")).hasSize(1);
        JsonNode update = viewer.ofType("member_list_update").get(0);
        assertThat(update.path("presence")).hasSize(1);
        assertThat(update.at("/presence/0/user_id").asText()).isEqualTo("m003");
        assertThat(update.at("/presence/0/presence").asText()).isEqualTo("online");
        assertThat(update.path("ranges")).isEmpty();

        // And: a quiet interval sends nothing
        flusher.flush();
        assertThat(viewer.ofType("member_list_update")).hasSize(1);
        assertThat(metrics.counter("kchat.edge.members.updates").count()).isEqualTo(1.0);
    }

    @Test
    void shouldSendNothingForAChangeOutsideEveryRange() {
        // Given: m007 subscribes to [0,99]
        Recorder viewer = subscribe("m007", List.of(new ListRange(0, 99)));

        // When: m250 (position 250) comes online and a member joins after everyone in the list, then the interval ends
        presence("m250", PresenceState.ONLINE);
        source.deliver(broadcast(1, joined("z-late")));
        flusher.flush();

        // Then: no update, and m250 is not even watched
        assertThat(viewer.ofType("member_list_update")).isEmpty();
        assertThat(lists.presenceListener().watches("m250")).isFalse();
    }

    @Test
    void shouldSendARangeAgainWhenAJoinShiftsIt() {
        // Given: m007 subscribes to [0,9] and [200,209]
        Recorder viewer = subscribe("m007", List.of(new ListRange(0, 9), new ListRange(200, 209)));

        // When: "a-new" joins (sorted before every other member without a role) and is given the mods role
        source.deliver(broadcast(1, joined("a-new")));
        source.deliver(broadcast(2, assigned("a-new", MODS)));
        flusher.flush();

        // Then: one update sends both ranges again (everything after the mods moved one down), with the newcomer's presence
        List<JsonNode> updates = viewer.ofType("member_list_update");
        assertThat(updates).hasSize(1);
        JsonNode update = updates.get(0);
        assertThat(update.path("total").asInt()).isEqualTo(301);
        assertThat(update.path("ranges")).hasSize(2);
        assertThat(userIds(update.path("ranges").get(0))).containsExactly("a-new", "m000", "m001", "m002", "m003", "m004",
                "m005", "m006", "m007", "m008");
        assertThat(update.at("/ranges/0/members/0/top_role_id").asText()).isEqualTo(MODS);
        assertThat(update.at("/ranges/1/offset").asInt()).isEqualTo(200);
        assertThat(userIds(update.path("ranges").get(1)).get(0)).isEqualTo("m199");
        assertThat(update.path("presence")).isEmpty();
        // (the members new in a range, looked up in one batch: the newcomer and m199, shifted into [200,209])
        assertThat(lookups.get(lookups.size() - 1)).containsExactlyInAnyOrder("a-new", "m199");

        // And: m009, pushed out of [0,9], is no longer watched; a change of it sends nothing
        assertThat(lists.presenceListener().watches("m009")).isFalse();
        presence("m009", PresenceState.ONLINE);
        flusher.flush();
        assertThat(viewer.ofType("member_list_update")).hasSize(1);
    }

    @Test
    void shouldHoldPresenceWhileItIsShedAndSendTheLatestWhenSheddingEnds() {
        // Given: m007 subscribes to [0,99] and the edge sheds presence
        Recorder viewer = subscribe("m007", List.of(new ListRange(0, 99)));
        shedding.set(true);

        // When: m001 comes online then goes idle over two intervals
        presence("m001", PresenceState.ONLINE);
        flusher.flush();
        presence("m001", PresenceState.IDLE);
        flusher.flush();

        // Then: nothing while shedding; the latest once shedding ends
        assertThat(viewer.ofType("member_list_update")).isEmpty();
        shedding.set(false);
        flusher.flush();
        assertThat(viewer.ofType("member_list_update")).hasSize(1);
        assertThat(viewer.ofType("member_list_update").get(0).at("/presence/0/presence").asText()).isEqualTo("idle");
    }

    @Test
    void shouldEndTheSubscriptionOfAMemberWhoIsKicked() {
        // Given: m007 and m008 subscribe
        Recorder kicked = subscribe("m007", List.of(new ListRange(0, 99)));
        Recorder other = subscribe("m008", List.of(new ListRange(0, 99)));

        // When: m007 is kicked
        source.deliver(broadcast(1, left("m007", ServerLeaveKind.KICKED)));
        flusher.flush();

        // Then: m007 is told its subscription ended and gets nothing more; m008 gets the range without m007
        assertThat(kicked.ofType("member_list_ended")).extracting(f -> f.path("reason").asText()).containsExactly("kicked");
        assertThat(kicked.ofType("member_list_update")).isEmpty();
        assertThat(userIds(other.ofType("member_list_update").get(0).path("ranges").get(0))).doesNotContain("m007");
        assertThat(lists.subscriptions()).isEqualTo(1);
        // (the list was read from the store once, for both)
        assertThat(storeReads).isEqualTo(1);
    }

    @Test
    void shouldRefuseANonMemberAndAnUnknownServerAndChangeNothing() {
        // When: a stranger subscribes, and a member subscribes to a server that does not exist
        Recorder stranger = new Recorder("zed");
        lists.subscribe(stranger, SERVER, List.of(new ListRange(0, 99)), "k-1");
        Recorder lost = new Recorder("m007");
        lists.subscribe(lost, "sv:nowhere", List.of(new ListRange(0, 99)), null);

        // Then: precise refusals naming the server; no subscription, no list, nobody watched
        assertThat(stranger.ofType("error")).extracting(f -> f.path("code").asText() + " " + f.path("server_id").asText()
                + " " + f.path("ref").asText()).containsExactly("not_a_member " + SERVER + " k-1");
        assertThat(lost.ofType("error")).extracting(f -> f.path("code").asText()).containsExactly("server_not_found");
        assertThat(lists.subscriptions()).isZero();
        assertThat(lists.wantedPartitions()).isEmpty();
        assertThat(lists.presenceListener().watches("m000")).isFalse();
    }

    @Test
    void shouldReplaceTheRangesOnASecondSubscribeAndForgetThemOnClose() {
        // Given: m007 subscribes to [0,9], then again to [50,59]
        Recorder viewer = subscribe("m007", List.of(new ListRange(0, 9)));
        lists.subscribe(viewer, SERVER, List.of(new ListRange(50, 59)), null);

        // Then: the second answer holds the new range; only its users are watched
        assertThat(viewer.ofType("member_list")).hasSize(2);
        assertThat(viewer.ofType("member_list").get(1).at("/ranges/0/offset").asInt()).isEqualTo(50);
        assertThat(lists.presenceListener().watches("m000")).isFalse();
        assertThat(lists.presenceListener().watches("m050")).isTrue();
        assertThat(lists.subscriptions()).isEqualTo(1);

        // When: the connection closes
        lists.closed(viewer);

        // Then: nothing is left
        assertThat(lists.subscriptions()).isZero();
        assertThat(lists.wantedPartitions()).isEmpty();
        assertThat(lists.presenceListener().watches("m050")).isFalse();
    }

    private Recorder subscribe(String user, List<ListRange> ranges) {
        Recorder r = new Recorder(user);
        lists.subscribe(r, SERVER, ranges, null);
        assertThat(r.ofType("member_list")).as("%s's member_list", user).hasSize(1);
        return r;
    }

    private void presence(String user, PresenceState state) {
        PresenceChanged change = PresenceChanged.newBuilder().setUserId(user).setState(state).setLastActiveAt(Instant.EPOCH)
                .setDevicesOnline(1).setChangedAt(Instant.EPOCH).build();
        if (lists.presenceListener().watches(user)) {
            lists.presenceListener().changed(change);
        }
    }

    private static List<String> userIds(JsonNode range) {
        List<String> out = new ArrayList<>();
        range.path("members").forEach(m -> out.add(m.path("user_id").asText()));
        return out;
    }

    /** The reader's part: partitions are read at once, records handed in by the test. */
    private static final class FakeSource implements ServerBroadcastSource {
        private Consumer<ServerBroadcast> deliver;

        @Override
        public void serve(Supplier<Set<Integer>> wantedPartitions, Consumer<ServerBroadcast> deliver) {
            this.deliver = deliver;
        }

        @Override
        public CompletableFuture<Void> whenReading(int partition) {
            return CompletableFuture.completedFuture(null);
        }

        void deliver(ServerBroadcast b) {
            deliver.accept(b);
        }
    }
}
