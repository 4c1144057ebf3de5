package dev.kchat.store.servers;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.chat.ChannelCreated;
import dev.kchat.events.chat.ChannelDeleted;
import dev.kchat.events.chat.ChannelOverwriteCleared;
import dev.kchat.events.chat.ChannelOverwriteSet;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.InviteCreated;
import dev.kchat.events.chat.InviteRevoked;
import dev.kchat.events.chat.MemberBanned;
import dev.kchat.events.chat.MemberUnbanned;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.RoleDeleted;
import dev.kchat.events.chat.RoleUnassigned;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.events.common.ChannelType;
import dev.kchat.events.common.OverwriteTarget;
import dev.kchat.events.common.ServerChannel;
import dev.kchat.events.common.ServerLeaveKind;
import dev.kchat.events.common.ServerRole;
import dev.kchat.store.TestStore;
import dev.kchat.store.servers.ServerRows.ChannelReadState;
import dev.kchat.store.servers.ServerRows.MemberLine;
import dev.kchat.store.servers.ServerRows.PermissionState;
import dev.kchat.store.write.ChatWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Servers on the real CQL server: what {@link ServerWriter} stores from a server's log and {@link ServerRepository} reads back. */
class ServerStoreTest {

    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private static final long VIEW = 1L << 10;
    private static final long SEND = 1L << 11;

    private static String keyspace;
    private static ServerWriter writer;
    private static ChatWriter chat;
    private static ServerRepository repository;

    @BeforeAll
    static void migrate() {
        keyspace = TestStore.newKeyspace("servers");
        writer = new ServerWriter(TestStore.session(), keyspace);
        chat = new ChatWriter(TestStore.session(), keyspace);
        repository = new ServerRepository(TestStore.session(), keyspace);
    }

    @Test
    void shouldStoreAServerItsChannelsRolesMembersAndOverwritesFromItsLog() {
        String sv = "sv:00000000-0000-4000-8000-000000000001";
        List<ConversationEvent> log = serverLog(sv);

        store(log);

        assertThat(repository.server(sv)).hasValueSatisfying(s -> {
            assertThat(s.name()).isEqualTo("Guild");
            assertThat(s.ownerId()).isEqualTo("alice");
            assertThat(s.defaultChannelId()).isEqualTo(sv + ":c1");
            assertThat(s.lastSeq()).isEqualTo(log.size());
        });
        assertThat(repository.channels(sv)).extracting(ServerRows.Channel::channelId).containsExactly(sv + ":c1", sv + ":c2");
        assertThat(repository.roles(sv)).extracting(ServerRows.Role::roleId).containsExactly(sv + ":r1", sv);
        assertThat(repository.serversOf("bob")).contains(sv);
        assertThat(repository.member(sv, "bob")).hasValueSatisfying(m -> assertThat(m.roleIds()).containsExactly(sv + ":r1"));
        PermissionState state = repository.permissionState(sv, "bob", sv + ":c2").orElseThrow();
        assertThat(state.ownerId()).isEqualTo("alice");
        assertThat(state.isMember()).isTrue();
        assertThat(state.roles().get(sv).permissions()).isEqualTo(VIEW | SEND);
        assertThat(state.overwrites().get(sv + ":c2")).extracting(ServerRows.Overwrite::targetId).containsExactly(sv, sv + ":r1");
        assertThat(repository.invite(code(sv))).hasValueSatisfying(i -> {
            assertThat(i.serverId()).isEqualTo(sv);
            assertThat(i.maxUses()).isEqualTo(5);
            assertThat(i.uses()).isEqualTo(2);
            assertThat(i.revoked()).isFalse();
        });
    }

    @Test
    void shouldReadAnInvitesUsesFromItsRowAndCountItsJoinersOnlyForJoinsThatPredateTheCount() {
        // Given an invite whose joins carry routing's count, and one whose joins were logged before the count
        String sv = "sv:00000000-0000-4000-8000-000000000041";
        String counted = code(sv);
        String legacy = "old" + sv.substring(sv.length() - 4);
        long seq = 0;
        List<ConversationEvent> log = new ArrayList<>();
        log.add(event(sv, ++seq, "alice", ServerCreated.newBuilder().setName("Guild").setOwnerId("alice")
                .setEveryoneRole(role(sv, "@everyone", VIEW | SEND, 0)).setDefaultChannel(channel(sv + ":c1", "general")).build()));
        log.add(event(sv, ++seq, "alice", InviteCreated.newBuilder().setCode(counted).build()));
        log.add(event(sv, ++seq, "alice", InviteCreated.newBuilder().setCode(legacy).build()));
        // Routing's count is authoritative: 41 uses, of which only this join is in this log.
        log.add(event(sv, ++seq, "bob", ServerMemberJoined.newBuilder().setUserId("bob").setInviteCode(counted).setInviteUses(41).build()));
        log.add(event(sv, ++seq, "carol", ServerMemberJoined.newBuilder().setUserId("carol").setInviteCode(legacy).build()));
        log.add(event(sv, ++seq, "dan", ServerMemberJoined.newBuilder().setUserId("dan").setInviteCode(legacy).build()));

        // When the log is stored
        store(log);

        // Then the first invite's uses are the count on its row, the second's its joiners
        assertThat(repository.invite(counted)).hasValueSatisfying(i -> assertThat(i.uses()).isEqualTo(41));
        assertThat(repository.invite(legacy)).hasValueSatisfying(i -> assertThat(i.uses()).isEqualTo(2));
    }

    @Test
    void shouldConvergeToTheSameStateWhenTheLogIsReplayedOutOfOrder() {
        String sv = "sv:00000000-0000-4000-8000-000000000002";
        List<ConversationEvent> log = serverLog(sv);
        store(log);
        List<String> before = snapshotOf(sv);

        List<ConversationEvent> shuffled = new ArrayList<>(log);
        Collections.shuffle(shuffled, new java.util.Random(17));
        store(shuffled);

        assertThat(snapshotOf(sv)).isEqualTo(before);
    }

    @Test
    void shouldTakeRolesAwayWhenAMemberIsKickedAndKeepTheBanUntilLifted() {
        String sv = "sv:00000000-0000-4000-8000-000000000003";
        List<ConversationEvent> log = new ArrayList<>(serverLog(sv));
        long seq = log.size();
        log.add(event(sv, ++seq, "alice", ServerMemberLeft.newBuilder().setUserId("bob").setKind(ServerLeaveKind.KICKED).setBy("alice").build()));
        log.add(event(sv, ++seq, "bob", ServerMemberJoined.newBuilder().setUserId("bob").setInviteCode(code(sv)).build()));
        log.add(event(sv, ++seq, "alice", ServerMemberLeft.newBuilder().setUserId("carol").setKind(ServerLeaveKind.BANNED).setBy("alice").build()));
        log.add(event(sv, ++seq, "alice", MemberBanned.newBuilder().setUserId("carol").setReason("spam").build()));
        log.add(event(sv, ++seq, "alice", InviteRevoked.newBuilder().setCode(code(sv)).build()));
        store(log);

        assertThat(repository.member(sv, "bob")).hasValueSatisfying(m -> {
            assertThat(m.active()).isTrue();
            assertThat(m.roleIds()).as("a member who comes back starts without roles").isEmpty();
            assertThat(m.leftSeq()).as("the kick is behind them").isNull();
            assertThat(m.leftKind()).isNull();
        });
        assertThat(repository.member(sv, "carol")).hasValueSatisfying(m -> {
            assertThat(m.active()).isFalse();
            assertThat(m.leftKind()).isEqualTo("BANNED");
        });
        assertThat(repository.serversOf("carol")).doesNotContain(sv);
        assertThat(repository.bans(sv)).extracting(ServerRows.Ban::userId).containsExactly("carol");
        assertThat(repository.invite(code(sv))).hasValueSatisfying(i -> assertThat(i.revoked()).isTrue());

        store(List.of(event(sv, ++seq, "alice", MemberUnbanned.newBuilder().setUserId("carol").build())));
        assertThat(repository.bans(sv)).isEmpty();
        assertThat(repository.ban(sv, "carol")).hasValueSatisfying(b -> assertThat(b.active()).isFalse());
    }

    @Test
    void shouldSortTheMemberListByHighestRoleThenUserAndReadItByRanges() {
        String sv = "sv:00000000-0000-4000-8000-000000000004";
        List<ConversationEvent> log = new ArrayList<>(serverLog(sv));
        long seq = log.size();
        log.add(event(sv, ++seq, "alice", RoleCreated.newBuilder().setRole(role(sv + ":r2", "admins", 0, 5)).build()));
        log.add(event(sv, ++seq, "alice", RoleAssigned.newBuilder().setUserId("carol").setRoleId(sv + ":r2").build()));
        log.add(event(sv, ++seq, "dave", ServerMemberJoined.newBuilder().setUserId("dave").setInviteCode(code(sv)).build()));
        log.add(event(sv, ++seq, "alice", RoleAssigned.newBuilder().setUserId("dave").setRoleId(sv + ":r9").build()));
        log.add(event(sv, ++seq, "alice", RoleUnassigned.newBuilder().setUserId("bob").setRoleId(sv + ":r1").build()));
        log.add(event(sv, ++seq, "alice", RoleAssigned.newBuilder().setUserId("bob").setRoleId(sv + ":r1").build()));
        store(log);

        // carol (r2, position 5), bob (r1, position 1), then alice and dave (only @everyone; dave's r9 does not exist).
        assertThat(repository.memberRange(sv, 0, 10).members()).extracting(MemberLine::userId).containsExactly("carol", "bob", "alice", "dave");
        ServerRows.MemberRange second = repository.memberRange(sv, 1, 2);
        assertThat(second.members()).extracting(MemberLine::userId).containsExactly("bob", "alice");
        assertThat(second.total()).isEqualTo(4);
        assertThat(repository.memberRange(sv, 9, 5).members()).isEmpty();

        store(List.of(event(sv, ++seq, "alice", RoleDeleted.newBuilder().setRoleId(sv + ":r2").build())));
        assertThat(repository.memberRange(sv, 0, 10).members()).extracting(MemberLine::userId).containsExactly("bob", "alice", "carol", "dave");
    }

    @Test
    void shouldCountMentionsAfterTheReadPositionAndFlagUnreadChannels() {
        String sv = "sv:00000000-0000-4000-8000-000000000005";
        store(serverLog(sv));
        String c1 = sv + ":c1";
        String c2 = sv + ":c2";
        for (long seq = 1; seq <= 4; seq++) {
            ConversationEvent posted = event(c1, seq, "alice", MessagePosted.newBuilder().setMessageId("m" + seq)
                    .setClientMsgId("c" + seq).setBody("hi @bob").setMentions(List.of("bob")).build());
            TestStore.write(chat.statementsFor(posted, new byte[] {0}));
            if (seq != 2) {
                // Fanout puts a mention entry in bob's inbox for messages 1, 3 and 4.
                InboxEntry mention = InboxEntry.newBuilder().setUserId("bob").setInboxSeq(seq).setConversationId(c1).setConvSeq(seq)
                        .setCreatedAt(T0).setItem(posted).build();
                TestStore.write(concat(chat.statementsFor(mention, new byte[] {0}), writer.statementsFor(mention)));
            }
        }
        InboxEntry read = InboxEntry.newBuilder().setUserId("bob").setInboxSeq(10).setConversationId(c1).setCreatedAt(T0)
                .setItem(ReadPositionChanged.newBuilder().setConversationId(c1).setReadSeq(3).setUnread(1).build()).build();
        TestStore.write(writer.statementsFor(read));

        Map<String, ChannelReadState> states = repository.readStates("bob", sv, List.of(c1, c2));
        assertThat(states.get(c1)).isEqualTo(new ChannelReadState(c1, 4, 3, 1));
        assertThat(states.get(c1).unread()).isTrue();
        assertThat(states.get(c2).unread()).isFalse();
        assertThat(TestStore.snapshot(keyspace, "conversations_by_user")).as("channels stay out of the conversation list")
                .noneMatch(row -> row.contains(sv));
    }

    /** A server: created by alice, a private channel c2 (hidden from @everyone, shown to r1), bob and carol joined, bob has r1. */
    private static List<ConversationEvent> serverLog(String sv) {
        List<ConversationEvent> log = new ArrayList<>();
        long seq = 0;
        log.add(event(sv, ++seq, "alice", ServerCreated.newBuilder().setName("Guild").setOwnerId("alice")
                .setEveryoneRole(role(sv, "@everyone", VIEW | SEND, 0))
                .setDefaultChannel(channel(sv + ":c1", "general")).build()));
        log.add(event(sv, ++seq, "alice", ChannelCreated.newBuilder().setChannel(channel(sv + ":c2", "staff")).build()));
        log.add(event(sv, ++seq, "alice", ChannelCreated.newBuilder().setChannel(channel(sv + ":c3", "gone")).build()));
        log.add(event(sv, ++seq, "alice", ChannelDeleted.newBuilder().setChannelId(sv + ":c3").build()));
        log.add(event(sv, ++seq, "alice", RoleCreated.newBuilder().setRole(role(sv + ":r1", "staff", 0, 1)).build()));
        log.add(event(sv, ++seq, "alice", ChannelOverwriteSet.newBuilder().setChannelId(sv + ":c2").setTargetKind(OverwriteTarget.ROLE)
                .setTargetId(sv).setAllow(0).setDeny(VIEW).build()));
        log.add(event(sv, ++seq, "alice", ChannelOverwriteSet.newBuilder().setChannelId(sv + ":c2").setTargetKind(OverwriteTarget.ROLE)
                .setTargetId(sv + ":r1").setAllow(VIEW).setDeny(0).build()));
        log.add(event(sv, ++seq, "alice", ChannelOverwriteSet.newBuilder().setChannelId(sv + ":c2").setTargetKind(OverwriteTarget.MEMBER)
                .setTargetId("carol").setAllow(VIEW).setDeny(0).build()));
        log.add(event(sv, ++seq, "alice", ChannelOverwriteCleared.newBuilder().setChannelId(sv + ":c2").setTargetKind(OverwriteTarget.MEMBER)
                .setTargetId("carol").build()));
        log.add(event(sv, ++seq, "alice", InviteCreated.newBuilder().setCode(code(sv)).setMaxUses(5).setExpiresAt(T0.plusSeconds(3600)).build()));
        log.add(event(sv, ++seq, "bob", ServerMemberJoined.newBuilder().setUserId("bob").setInviteCode(code(sv)).setInviteUses(1).build()));
        log.add(event(sv, ++seq, "carol", ServerMemberJoined.newBuilder().setUserId("carol").setInviteCode(code(sv)).setInviteUses(2).build()));
        log.add(event(sv, ++seq, "alice", RoleAssigned.newBuilder().setUserId("bob").setRoleId(sv + ":r1").build()));
        return log;
    }

    /** Invites are keyed by code across servers: each test's server has its own. */
    private static String code(String sv) {
        return "inv" + sv.substring(sv.length() - 4);
    }

    private static ServerRole role(String id, String name, long permissions, int position) {
        return ServerRole.newBuilder().setRoleId(id).setName(name).setPermissions(permissions).setPosition(position).setMentionable(true).build();
    }

    private static ServerChannel channel(String id, String name) {
        return ServerChannel.newBuilder().setChannelId(id).setName(name).setType(ChannelType.TEXT).setPosition(0).build();
    }

    private static ConversationEvent event(String conversation, long seq, String actor, Object payload) {
        return ConversationEvent.newBuilder().setConversationId(conversation).setSeq(seq).setEventId("e-" + conversation + "-" + seq)
                .setActorId(actor).setOccurredAt(T0.plusSeconds(seq)).setPayload(payload).build();
    }

    private static void store(List<ConversationEvent> events) {
        List<BoundStatement> statements = new ArrayList<>();
        events.forEach(e -> statements.addAll(writer.statementsFor(e)));
        TestStore.write(statements);
    }

    private static List<BoundStatement> concat(List<BoundStatement> a, List<BoundStatement> b) {
        List<BoundStatement> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static List<String> snapshotOf(String sv) {
        List<String> rows = new ArrayList<>();
        for (String table : List.of("servers", "server_members", "server_channels", "server_roles", "channel_overwrites", "invites",
                "invite_uses", "server_bans", "servers_by_user")) {
            TestStore.snapshot(keyspace, table).stream().filter(r -> r.contains(sv) || r.contains(code(sv))).forEach(r -> rows.add(table + r));
        }
        return rows;
    }
}
