package dev.kchat.presence;

import dev.kchat.api.ApiException;
import dev.kchat.api.presence.UserPresence;
import dev.kchat.api.presence.PresenceClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.presence.PresenceState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Request parsing and the answer's JSON shape of {@code GET /presence}. */
class QueryServerTest {

    @Test
    void shouldReadCommaSeparatedUsersInOrderWithDuplicatesOnce() {
        assertThat(QueryServer.parseUsers(params("bob,alice,bob", "carol"))).containsExactly("bob", "alice", "carol");
    }

    @Test
    void shouldRefuseAMissingOrEmptyUsersParameter() {
        assertThatThrownBy(() -> QueryServer.parseUsers(null)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo("missing_parameter"));
        assertThatThrownBy(() -> QueryServer.parseUsers(params(""))).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo("missing_parameter"));
    }

    @Test
    void shouldRefuseAnInvalidOrEmptyUserIdNamingIt() {
        assertThatThrownBy(() -> QueryServer.parseUsers(params("alice,bad id"))).isInstanceOf(ApiException.class)
                .hasMessageContaining("'bad id' is not a user id")
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo("invalid_user_id"));
        assertThatThrownBy(() -> QueryServer.parseUsers(params("alice,,bob"))).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo("invalid_user_id"));
    }

    @Test
    void shouldRefuseMoreThanTheCapButAcceptExactlyIt() {
        String cap = IntStream.range(0, PresenceClient.MAX_USERS).mapToObj(i -> "u" + i).collect(Collectors.joining(","));
        assertThat(QueryServer.parseUsers(params(cap))).hasSize(PresenceClient.MAX_USERS);
        assertThatThrownBy(() -> QueryServer.parseUsers(params(cap + ",one-more"))).isInstanceOf(ApiException.class)
                .hasMessageContaining("at most 200 users per request, got 201")
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo("too_many_users"));
    }

    @Test
    void shouldRefuseAnUnknownScope() {
        assertThat(QueryServer.parseScope(null)).isFalse();
        assertThat(QueryServer.parseScope(params("local"))).isTrue();
        assertThatThrownBy(() -> QueryServer.parseScope(params("all"))).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo("invalid_parameter"));
    }

    @Test
    void shouldWriteUnknownUsersAsOfflineWithANullLastActiveTime() {
        Map<String, UserPresence> found = new LinkedHashMap<>();
        found.put("alice", new UserPresence("alice", PresenceState.DND, Instant.parse("2026-11-23T10:00:00Z"), 2));
        found.put("nobody", UserPresence.unknown("nobody"));

        assertThat(QueryServer.body(found).toString()).isEqualTo("{\"users\":["
                + "{\"user_id\":\"alice\",\"state\":\"DND\",\"last_active_at\":\"2026-11-23T10:00:00Z\",\"devices_online\":2},"
                + "{\"user_id\":\"nobody\",\"state\":\"OFFLINE\",\"last_active_at\":null,\"devices_online\":0}]}");
    }

    private static ArrayDeque<String> params(String... values) {
        return new ArrayDeque<>(List.of(values));
    }
}
