package dev.kchat.moments;

import static dev.kchat.moments.MomentsFixtures.friendsOf;
import static dev.kchat.moments.MomentsFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.events.social.FeedEntry;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FeedPolicyTest {

    @Test
    void shouldPushAtTheThresholdAndPullJustAboveIt() {
        // Given the default threshold of 1,000 friends
        FeedPolicy policy = FeedPolicy.from(MomentsConfig.defaults());

        // When / Then: at most N friends pushes, N + 1 pulls
        assertThat(policy.pushMaxFriends()).isEqualTo(1_000);
        assertThat(policy.decide(0)).isEqualTo(Delivery.PUSH);
        assertThat(policy.decide(1_000)).isEqualTo(Delivery.PUSH);
        assertThat(policy.decide(1_001)).isEqualTo(Delivery.PULL);
    }

    @Test
    void shouldPushOneEntryToEachFriendAndTheAuthorInViewerOrder() {
        // Given an author "m" with three friends and a threshold of three
        FeedPolicy policy = new FeedPolicy(3);
        FriendGraph author = friendsOf("m", "z", "a", "n");

        // When "m" posts
        FanoutPlan plan = policy.plan(post("p1", "m", 0), author);

        // Then every friend and the author get the post, and nothing goes to the outbox
        assertThat(plan.delivery()).isEqualTo(Delivery.PUSH);
        assertThat(plan.toOutbox()).isFalse();
        assertThat(plan.feedEntries()).extracting(FeedEntry::getViewerId).containsExactly("a", "m", "n", "z");
        assertThat(plan.feedEntries()).allSatisfy(e -> {
            assertThat(e.getPostId()).isEqualTo("p1");
            assertThat(e.getAuthorId()).isEqualTo("m");
            assertThat(e.getPostedAt()).isEqualTo(MomentsFixtures.at(0));
            assertThat(e.getRemoved()).isFalse();
        });
    }

    @Test
    void shouldSendABigAuthorsPostToTheOutboxAndOnlyTheAuthorsOwnFeed() {
        // Given an author with one friend more than the threshold
        FeedPolicy policy = new FeedPolicy(2);
        FriendGraph author = friendsOf("star", "f1", "f2", "f3");

        // When the author posts
        FanoutPlan plan = policy.plan(post("p1", "star", 0), author);

        // Then the post is pulled: outbox, and a single entry for the author
        assertThat(plan.delivery()).isEqualTo(Delivery.PULL);
        assertThat(plan.toOutbox()).isTrue();
        assertThat(plan.feedEntries()).extracting(FeedEntry::getViewerId).containsExactly("star");
        assertThat(plan.feedEntries().get(0).getPulled()).as("the author's entry says the post is in the outbox").isTrue();
    }

    @Test
    void shouldDecideEachPostFromTheFriendCountAtPostingTime() {
        // Given a threshold of 1000 and an author who grows from 1000 to 1001 friends between two posts
        FeedPolicy policy = FeedPolicy.from(MomentsConfig.defaults());
        String[] friends = IntStream.range(0, 1_000).mapToObj(i -> "u" + i).toArray(String[]::new);
        FriendGraph before = friendsOf("author", friends);
        FriendGraph after = before.apply(MomentsFixtures.added("author", "newcomer", 5_000));

        // When each post is planned
        FanoutPlan first = policy.plan(post("p1", "author", 1), before);
        FanoutPlan second = policy.plan(post("p2", "author", 2), after);

        // Then the first is pushed to 1000 friends plus the author, the second pulled
        assertThat(first.delivery()).isEqualTo(Delivery.PUSH);
        assertThat(first.feedEntries()).hasSize(1_001);
        assertThat(second.delivery()).isEqualTo(Delivery.PULL);
        assertThat(second.feedEntries()).hasSize(1);
    }

    @Test
    void shouldPullEverythingWhenTheThresholdIsZeroButStillFeedTheAuthor() {
        // Given a threshold of zero (pure read diffusion) and an author without friends
        FeedPolicy policy = new FeedPolicy(0);

        // When / Then: no friends still pushes (nothing to amplify), any friend pulls
        assertThat(policy.plan(post("p1", "solo", 0), FriendGraph.empty("solo")).delivery()).isEqualTo(Delivery.PUSH);
        assertThat(policy.plan(post("p2", "solo", 0), friendsOf("solo", "x")).delivery()).isEqualTo(Delivery.PULL);
    }

    @Test
    void shouldRefuseAnotherUsersGraphANegativeCountAndANegativeThreshold() {
        FeedPolicy policy = new FeedPolicy(10);

        assertThatThrownBy(() -> policy.plan(post("p1", "alice", 0), friendsOf("bob", "carol")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bob");
        assertThatThrownBy(() -> policy.decide(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FeedPolicy(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldTakeThePostOfAPostCreatedEventOnly() {
        // Given a PostCreated and a PostDeleted record
        Post post = Post.of(MomentsFixtures.postCreated("p9", "alice", 7));

        // Then the post carries the record's id, author and time; other events are refused
        assertThat(post).isEqualTo(new Post("p9", "alice", MomentsFixtures.at(7)));
        assertThatThrownBy(() -> Post.of(MomentsFixtures.postDeleted("p9", "alice", 8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
