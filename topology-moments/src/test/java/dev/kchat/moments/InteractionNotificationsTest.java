package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.commented;
import static dev.kchat.moments.MomentsFixtures.liked;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.events.social.InteractionKind;
import dev.kchat.moments.InteractionNotifications.Notification;
import java.util.List;
import org.junit.jupiter.api.Test;

class InteractionNotificationsTest {

    @Test
    void shouldTellTheAuthorAboutALike() {
        List<Notification> out = InteractionNotifications.of(liked("p1", "amy", "bob"));

        assertThat(out).singleElement().satisfies(n -> {
            assertThat(n.recipientId()).isEqualTo("amy");
            assertThat(n.notification().getKind()).isEqualTo(InteractionKind.LIKED);
            assertThat(n.notification().getActorId()).isEqualTo("bob");
            assertThat(n.notification().getPostId()).isEqualTo("p1");
        });
    }

    @Test
    void shouldTellTheAuthorAndTheRepliedToUserAboutAReply() {
        // When bob replies to cat's comment on amy's post
        List<Notification> out = InteractionNotifications.of(commented("p1", "amy", "bob", "cat"));

        // Then amy hears of a comment, cat of a reply, both with the text
        assertThat(out).extracting(Notification::recipientId).containsExactly("amy", "cat");
        assertThat(out.get(0).notification().getKind()).isEqualTo(InteractionKind.COMMENTED);
        assertThat(out.get(1).notification().getKind()).isEqualTo(InteractionKind.REPLIED);
        assertThat(out).allSatisfy(n -> {
            assertThat(n.notification().getText()).isEqualTo("nice");
            assertThat(n.notification().getCommentId()).isEqualTo("c-bob");
        });
    }

    @Test
    void shouldTellTheAuthorOfAReplyToThemOnce() {
        List<Notification> out = InteractionNotifications.of(commented("p1", "amy", "bob", "amy"));

        assertThat(out).singleElement().satisfies(n -> {
            assertThat(n.recipientId()).isEqualTo("amy");
            assertThat(n.notification().getKind()).isEqualTo(InteractionKind.REPLIED);
        });
    }

    @Test
    void shouldTellNobodyAboutTheirOwnActionsOrNonInteractions() {
        // The author likes her own post; the author answers bob; bob answers himself; an unlike; a post
        assertThat(InteractionNotifications.of(liked("p1", "amy", "amy"))).isEmpty();
        assertThat(InteractionNotifications.of(commented("p1", "amy", "amy", "bob")))
                .extracting(Notification::recipientId).containsExactly("bob");
        assertThat(InteractionNotifications.of(commented("p1", "amy", "bob", "bob")))
                .extracting(Notification::recipientId).containsExactly("amy");
        assertThat(InteractionNotifications.of(MomentsFixtures.unliked("p1", "amy", "bob"))).isEmpty();
        assertThat(InteractionNotifications.of(MomentsFixtures.postCreated("p1", "amy", 0))).isEmpty();
    }
}
