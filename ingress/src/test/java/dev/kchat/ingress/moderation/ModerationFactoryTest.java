package dev.kchat.ingress.moderation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.api.ApiException;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.Mute;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModerationFactoryTest {

    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00.123456Z");
    private static final Caller MIA = new Caller("mia", "web", null, Set.of("moderator"));

    @Test
    void shouldRefuseCallersWithoutTheModeratorRole() {
        assertThatThrownBy(() -> ModerationFactory.requireModerator(new Caller("alice", "web")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.code()).isEqualTo("not_a_moderator");
                });
        ModerationFactory.requireModerator(MIA);
    }

    @Test
    void shouldMuteFromNowForTheDurationByTheModerator() {
        ModerationAction mute = ModerationFactory.mute(MIA, "troll", new ModerationRequests.Mute(60L, " spam "), NOW, null);

        assertThat(mute.getIssuedBy()).isEqualTo("admin:mia");
        assertThat(mute.getReason()).isEqualTo("spam");
        assertThat(mute.getIssuedAt()).isEqualTo(Instant.parse("2026-03-01T10:00:00.123Z"));
        assertThat(((Mute) mute.getAction()).getUntil()).isEqualTo(Instant.parse("2026-03-01T10:01:00.123Z"));
    }

    @Test
    void shouldNameAnActionAfterItsIdempotencyKeyOrElseAtRandom() {
        ModerationRequests.Mute request = new ModerationRequests.Mute(60L, "spam");

        String keyed = ModerationFactory.mute(MIA, "troll", request, NOW, "k-1").getActionId();

        assertThat(ModerationFactory.mute(MIA, "troll", request, NOW.plusSeconds(5), "k-1").getActionId()).isEqualTo(keyed);
        assertThat(ModerationFactory.mute(MIA, "other", request, NOW, "k-1").getActionId()).isNotEqualTo(keyed);
        assertThat(ModerationFactory.unmute(MIA, "troll", new ModerationRequests.Reason("ok"), NOW, "k-1").getActionId())
                .isNotEqualTo(keyed);
        assertThat(ModerationFactory.mute(MIA, "troll", request, NOW, null).getActionId())
                .isNotEqualTo(ModerationFactory.mute(MIA, "troll", request, NOW, null).getActionId());
        assertThatThrownBy(() -> ModerationFactory.mute(MIA, "troll", request, NOW, "has space"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("invalid_request_id"));
    }

    @Test
    void shouldTakeMutesFromOneSecondToThirtyOneDays() {
        ModerationFactory.mute(MIA, "troll", new ModerationRequests.Mute(1L, "r"), NOW, null);
        ModerationFactory.mute(MIA, "troll", new ModerationRequests.Mute(31L * 86_400, "r"), NOW, null);
        for (long seconds : new long[] {0, -1, 31L * 86_400 + 1, Long.MAX_VALUE}) {
            assertThatThrownBy(() -> ModerationFactory.mute(MIA, "troll", new ModerationRequests.Mute(seconds, "r"), NOW, null))
                    .as("%d s", seconds)
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("invalid_duration"));
        }
    }
}
