package dev.kchat.edge.members;

import static dev.kchat.edge.members.MemberListFixtures.SERVER;
import static dev.kchat.edge.members.MemberListFixtures.assigned;
import static dev.kchat.edge.members.MemberListFixtures.event;
import static dev.kchat.edge.members.MemberListFixtures.joined;
import static dev.kchat.edge.members.MemberListFixtures.left;
import static dev.kchat.edge.members.MemberListFixtures.moved;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.chat.MemberBanned;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.RoleDeleted;
import dev.kchat.events.chat.RoleUnassigned;
import dev.kchat.events.common.ServerLeaveKind;
import dev.kchat.store.servers.ServerRows.MemberLine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class MemberListIndexTest {

    @Test
    void shouldKeepTheOrderOfAFullSortThroughRandomJoinsLeavesRolesAndReorders() {
        // Given: a server with 5 roles and 300 members, some holding roles
        Random random = new Random(17);
        Map<String, Integer> positions = new HashMap<>(Map.of(SERVER, 0));
        for (int r = 1; r <= 5; r++) {
            positions.put(SERVER + ":r" + r, r);
        }
        Map<String, Set<String>> members = new HashMap<>();
        for (int u = 0; u < 300; u++) {
            Set<String> roles = new HashSet<>();
            if (random.nextInt(3) == 0) {
                roles.add(SERVER + ":r" + (1 + random.nextInt(5)));
            }
            members.put("u" + u, roles);
        }
        MemberListIndex index = MemberListIndex.of(SERVER, positions, reference(members, positions));

        // When: 3,000 random events, each applied to the index and to the reference
        long seq = 0;
        for (int i = 0; i < 3_000; i++) {
            String user = "u" + random.nextInt(400);
            String role = SERVER + ":r" + (1 + random.nextInt(6)); // r6 is created along the way
            SpecificRecord payload = switch (random.nextInt(8)) {
                case 0, 1 -> joined(user);
                case 2 -> left(user, ServerLeaveKind.KICKED);
                case 3 -> MemberBanned.newBuilder().setUserId(user).build();
                case 4 -> assigned(user, role);
                case 5 -> RoleUnassigned.newBuilder().setUserId(user).setRoleId(role).build();
                case 6 -> random.nextBoolean() ? moved(role, random.nextInt(10))
                        : RoleCreated.newBuilder().setRole(MemberListFixtures.role(role, random.nextInt(10))).build();
                default -> RoleDeleted.newBuilder().setRoleId(role).build();
            };
            index.apply(event(++seq, payload));
            applyToReference(payload, members, positions);

            // Then: the index is always the reference sorted from scratch
            if (i % 100 == 0 || i == 2_999) {
                List<MemberLine> expected = reference(members, positions);
                List<MemberLine> extra = new ArrayList<>(index.all());
                extra.removeAll(expected);
                List<MemberLine> missing = new ArrayList<>(expected);
                missing.removeAll(index.all());
                assertThat(extra).as("after event %d (%s): lines not expected; missing %s", i, payload, missing).isEmpty();
                assertThat(index.all()).as("after event %d (%s)", i, payload).isEqualTo(expected);
            }
        }
        assertThat(index.total()).isEqualTo(members.size());
    }

    @Test
    void shouldReadRangesByPositionAndStopAtTheEnd() {
        // Given: 10 members, two of them holding a role
        Map<String, Integer> positions = Map.of(SERVER, 0, SERVER + ":r1", 1);
        List<MemberLine> lines = new ArrayList<>();
        for (int u = 0; u < 10; u++) {
            lines.add(new MemberLine("u" + u, null, -1, u == 7 || u == 8 ? Set.of(SERVER + ":r1") : Set.of()));
        }
        MemberListIndex index = MemberListIndex.of(SERVER, positions, lines);

        // Then: the role holders first, then by user id; a range past the end is cut, one beyond it empty
        assertThat(index.range(0, 2)).extracting(MemberLine::userId).containsExactly("u7", "u8", "u0");
        assertThat(index.range(0, 1)).extracting(MemberLine::topRoleId).containsOnly(SERVER + ":r1");
        assertThat(index.range(8, 99)).extracting(MemberLine::userId).containsExactly("u6", "u9");
        assertThat(index.range(10, 20)).isEmpty();
        assertThat(index.total()).isEqualTo(10);
    }

    @Test
    void shouldCountAVersionOnlyWhenTheListChanges() {
        // Given: one member
        MemberListIndex index = MemberListIndex.of(SERVER, Map.of(SERVER, 0), List.of(new MemberLine("ana", null, -1, Set.of())));

        // When: a join of a member already there, a leave of a stranger, then a real join
        boolean again = index.apply(event(1, joined("ana")));
        boolean stranger = index.apply(event(2, left("zed", ServerLeaveKind.LEFT)));
        boolean real = index.apply(event(3, joined("ben")));

        // Then: only the real join changed the list
        assertThat(again).isFalse();
        assertThat(stranger).isFalse();
        assertThat(real).isTrue();
        assertThat(index.version()).isEqualTo(1);
    }

    /** The member list sorted from scratch, as the store sorts it. */
    private static List<MemberLine> reference(Map<String, Set<String>> members, Map<String, Integer> positions) {
        List<MemberLine> out = new ArrayList<>();
        members.forEach((user, roles) -> out.add(MemberLine.of(SERVER, user, roles, positions)));
        out.sort(MemberLine.LIST_ORDER);
        return out;
    }

    private static void applyToReference(SpecificRecord p, Map<String, Set<String>> members, Map<String, Integer> positions) {
        if (p instanceof dev.kchat.events.chat.ServerMemberJoined j) {
            members.putIfAbsent(j.getUserId(), new HashSet<>());
        } else if (p instanceof dev.kchat.events.chat.ServerMemberLeft l) {
            members.remove(l.getUserId());
        } else if (p instanceof MemberBanned b) {
            members.remove(b.getUserId());
        } else if (p instanceof dev.kchat.events.chat.RoleAssigned a && members.containsKey(a.getUserId())) {
            members.get(a.getUserId()).add(a.getRoleId());
        } else if (p instanceof RoleUnassigned u && members.containsKey(u.getUserId())) {
            members.get(u.getUserId()).remove(u.getRoleId());
        } else if (p instanceof dev.kchat.events.chat.RoleUpdated u) {
            positions.put(u.getRole().getRoleId(), u.getRole().getPosition());
        } else if (p instanceof RoleCreated c) {
            positions.put(c.getRole().getRoleId(), c.getRole().getPosition());
        } else if (p instanceof RoleDeleted d) {
            positions.remove(d.getRoleId());
            members.values().forEach(roles -> roles.remove(d.getRoleId()));
        }
    }
}
