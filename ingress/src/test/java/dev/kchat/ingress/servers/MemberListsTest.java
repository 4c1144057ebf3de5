package dev.kchat.ingress.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.store.servers.ServerRows.MemberLine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Each server's member list is read from the store once per TTL, and the least recently used lists go first. */
class MemberListsTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-26T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final List<String> loads = new ArrayList<>();
    private final MemberLists lists = new MemberLists(server -> {
        loads.add(server);
        return List.of(new MemberLine("u-" + loads.size(), null, -1, Set.of()));
    }, clock);

    @Test
    void shouldServeAListFromMemoryUntilItsTtlRunsOut() {
        List<MemberLine> first = lists.of("sv:a");
        now.set(now.get().plus(MemberLists.TTL).minusMillis(1));
        assertThat(lists.of("sv:a")).isSameAs(first);
        assertThat(loads).containsExactly("sv:a");

        now.set(now.get().plusMillis(1));
        assertThat(lists.of("sv:a").get(0).userId()).isEqualTo("u-2");
        assertThat(loads).containsExactly("sv:a", "sv:a");
    }

    @Test
    void shouldDropTheLeastRecentlyUsedListBeyondItsBound() {
        for (int i = 0; i <= MemberLists.MAX_SERVERS; i++) {
            lists.of("sv:" + i);
        }
        lists.of("sv:" + MemberLists.MAX_SERVERS); // still kept
        lists.of("sv:0"); // the first, dropped when the last came in
        assertThat(loads).hasSize(MemberLists.MAX_SERVERS + 2).endsWith("sv:0");
        assertThat(Duration.ofSeconds(5)).isEqualTo(MemberLists.TTL);
    }
}
