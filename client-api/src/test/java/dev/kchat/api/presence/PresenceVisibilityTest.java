package dev.kchat.api.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PresenceVisibilityTest {

    /** Who is a current member of what, and the kind of each conversation: the store's read side. */
    private final Map<String, Set<String>> members = new HashMap<>();
    private final Map<String, String> kinds = new HashMap<>();
    private final List<String> conversationReads = new ArrayList<>();
    private final List<Collection<String>> membershipReads = new ArrayList<>();
    private Instant now = Instant.parse("2026-11-23T10:00:00Z");

    private final PresenceVisibility visibility = new PresenceVisibility(this::currentConversationKinds,
            this::currentMemberships, Duration.ofSeconds(30), 1_000, new Clock() {
                @Override
                public ZoneOffset getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now;
                }
            });

    @Test
    void shouldShowOneselfAndThoseWhoShareADirectChatOrAGroupButNotOnlyAChannel() {
        // Given alice has a direct chat with bob, a group with carol, a channel with dave; erin is a stranger
        conversation("dm:alice:bob", "DIRECT", "alice", "bob");
        conversation("g-team", "GROUP", "alice", "carol");
        conversation("c-news", "CHANNEL", "dave", "alice", "carol");
        conversation("dm:bob:erin", "DIRECT", "bob", "erin");

        // When alice asks for everyone's presence
        Set<String> visible = visibility.visibleTo("alice", List.of("erin", "dave", "carol", "alice", "bob", "carol"));

        // Then she sees herself, bob and carol, in the order asked; not dave (channel only), not erin
        assertThat(visible).containsExactly("carol", "alice", "bob");
        assertThat(visibility.canSee("dave", "alice")).isFalse();
        assertThat(visibility.canSee("erin", "erin")).isTrue();
    }

    @Test
    void shouldStopShowingSomeoneWhoLeftOnceTheCachedAnswerExpires() {
        // Given bob and alice share a group
        conversation("g-team", "GROUP", "alice", "bob");
        assertThat(visibility.canSee("alice", "bob")).isTrue();

        // When bob leaves it, then the answer holds until the cache expires, and not after
        members.get("g-team").remove("bob");
        assertThat(visibility.canSee("alice", "bob")).isTrue();
        now = now.plusSeconds(30);
        assertThat(visibility.canSee("alice", "bob")).isFalse();
    }

    @Test
    void shouldExpireAnAnswerWithTheCallersListItWasBuiltOn() {
        // Given alice's list is read at 0 s (she asks about bob), and carol is asked about at 29 s
        conversation("g-team", "GROUP", "alice", "bob", "carol");
        assertThat(visibility.canSee("alice", "bob")).isTrue();
        now = now.plusSeconds(29);
        assertThat(visibility.canSee("alice", "carol")).isTrue();

        // When alice leaves the group, then at 30 s no answer built on her old list is left
        members.get("g-team").remove("alice");
        now = now.plusSeconds(1);
        assertThat(visibility.canSee("alice", "carol")).isFalse();
        assertThat(conversationReads).containsExactly("alice", "alice");
    }

    @Test
    void shouldNotSeeAFormerMemberOfADirectChat() {
        conversation("dm:alice:bob", "DIRECT", "alice", "bob");
        members.get("dm:alice:bob").remove("bob");

        assertThat(visibility.canSee("alice", "bob")).isFalse();
    }

    @Test
    void shouldAnswerABatchOf200WithOneConversationReadAndOneMembershipBatchThenFromTheCache() {
        // Given alice in 3 groups and a direct chat with u7; 200 users asked, u0..u9 in her first group
        conversation("g-1", "GROUP", "alice", "u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9");
        conversation("g-2", "GROUP", "alice");
        conversation("c-3", "CHANNEL", "alice", "u10");
        conversation("dm:alice:u7", "DIRECT", "alice", "u7");
        conversation("dm:u11:u12", "DIRECT", "u11", "u12");
        List<String> asked = IntStream.range(0, 200).mapToObj(i -> "u" + i).toList();

        // When she asks twice
        Set<String> first = visibility.visibleTo("alice", asked);
        Set<String> second = visibility.visibleTo("alice", asked);

        // Then ten are visible, the store was read once for her list and once for the batch, only her
        // groups and her direct chat with u7 were asked about, and the second answer came from the cache
        assertThat(first).containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(i -> "u" + i).toList());
        assertThat(second).isEqualTo(first);
        assertThat(conversationReads).containsExactly("alice");
        assertThat(membershipReads).hasSize(1);
        assertThat(membershipReads.get(0)).containsExactlyInAnyOrder("g-1", "g-2", "dm:alice:u7");
    }

    @Test
    void shouldReadNoMembershipsForACallerInNoDirectChatOrGroup() {
        conversation("c-news", "CHANNEL", "alice", "bob");

        assertThat(visibility.visibleTo("alice", List.of("bob", "not a user id"))).isEmpty();
        assertThat(membershipReads).isEmpty();
    }

    // ------------------------------------------------------------------ the fake read side

    private void conversation(String id, String kind, String... users) {
        kinds.put(id, kind);
        members.put(id, new HashSet<>(List.of(users)));
    }

    private Map<String, String> currentConversationKinds(String userId) {
        conversationReads.add(userId);
        Map<String, String> out = new HashMap<>();
        members.forEach((id, in) -> {
            if (in.contains(userId)) {
                out.put(id, kinds.get(id));
            }
        });
        return out;
    }

    private Map<String, Set<String>> currentMemberships(Collection<String> userIds, Collection<String> conversationIds) {
        membershipReads.add(List.copyOf(conversationIds));
        Map<String, Set<String>> out = new HashMap<>();
        for (String userId : userIds) {
            for (String id : conversationIds) {
                if (members.getOrDefault(id, Set.of()).contains(userId)) {
                    out.computeIfAbsent(userId, u -> new HashSet<>()).add(id);
                }
            }
        }
        return out;
    }
}
