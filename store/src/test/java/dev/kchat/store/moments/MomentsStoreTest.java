package dev.kchat.store.moments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import dev.kchat.events.common.Attachment;
import dev.kchat.events.social.CommentAdded;
import dev.kchat.events.social.CommentDeleted;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.FriendRemoved;
import dev.kchat.events.social.FriendRequested;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.NotificationsSeen;
import dev.kchat.events.social.PostCreated;
import dev.kchat.events.social.PostDeleted;
import dev.kchat.events.social.PostLiked;
import dev.kchat.events.social.PostUnliked;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.events.social.FriendBlocked;
import dev.kchat.events.social.FriendUnblocked;
import dev.kchat.events.social.PostVisibility;
import dev.kchat.moments.FriendGraph;
import dev.kchat.moments.FriendIntents;
import dev.kchat.moments.PostAudience;
import dev.kchat.moments.MomentsConfig;
import dev.kchat.store.TestStore;
import dev.kchat.store.moments.MomentsRepository.Comment;
import dev.kchat.store.moments.MomentsRepository.Like;
import dev.kchat.store.moments.MomentsRepository.Page;
import dev.kchat.store.moments.MomentsRepository.PostView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Moments on the real CQL server: what {@link MomentsWriter} stores from the three topics and how
 * {@link MomentsRepository} reads it back for one reader.
 */
class MomentsStoreTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String ALICE = "alice";
    private static final String BOB = "bob";
    private static final String CAROL = "carol";
    private static final String STAR = "star";
    private static final String DAVE = "dave";

    private static final List<String> TABLES = List.of("moments_posts", "moments_posts_by_author", "moments_feed_by_user",
            "moments_outbox_by_author", "moments_outbox_authors", "moments_interactions_by_post", "moments_friends_by_user",
            "moments_blocks_by_user");

    private static String keyspace;
    private MomentsWriter writer;
    private MomentsRepository repository;

    @BeforeAll
    static void migrate() {
        keyspace = TestStore.newKeyspace("moments");
    }

    /** One keyspace per class (migrating one takes seconds); every test starts from empty tables. */
    @BeforeEach
    void emptyTables() {
        for (String table : TABLES) {
            TestStore.session().execute("TRUNCATE " + keyspace + "." + table);
        }
        writer = new MomentsWriter(TestStore.session(), keyspace);
        repository = new MomentsRepository(TestStore.session(), keyspace, MomentsConfig.defaults());
    }

    // ---------------------------------------------------------------- friends

    @Test
    void shouldListFriendsAndPendingRequestsAndForgetARemovedFriendEvenWhenAnOlderAddIsReplayed() {
        // Given
        graph(ALICE, BOB, 1, FriendRequested.newBuilder().setOutgoing(true).setMessage("hi").build());
        graph(ALICE, BOB, 2, new FriendAdded());
        graph(ALICE, CAROL, 3, FriendRequested.newBuilder().setOutgoing(false).build());
        graph(ALICE, DAVE, 4, new FriendAdded());
        graph(ALICE, DAVE, 5, new FriendRemoved());

        // When: the add of dave is replayed
        graph(ALICE, DAVE, 4, new FriendAdded());

        // Then
        assertThat(repository.friends(ALICE)).containsExactly(new MomentsRepository.Friend(BOB, at(2)));
        assertThat(repository.pendingRequests(ALICE)).containsExactly(
                new MomentsRepository.PendingRequest(CAROL, MomentsWriter.INCOMING, at(3), null));
        FriendGraph graph = repository.friendGraph(ALICE);
        assertThat(graph.isFriend(DAVE)).isFalse();
        assertThat(graph.pendingRequests()).containsEntry(CAROL, FriendGraph.Direction.INCOMING);
    }

    @Test
    void shouldLetAnAddInTheSameMillisecondAsItsRequestWin() {
        graph(ALICE, BOB, 1, FriendRequested.newBuilder().setOutgoing(true).build());
        graph(ALICE, BOB, 1, new FriendAdded());

        assertThat(repository.friends(ALICE)).extracting(MomentsRepository.Friend::userId).containsExactly(BOB);
        assertThat(repository.pendingRequests(ALICE)).isEmpty();
    }

    // ---------------------------------------------------------------- feed

    @Test
    void shouldMergePushedEntriesWithBigAuthorsOutboxesNewestFirstPagedByCursor() {
        // Given: alice is friends with bob (pushes) and star (pulls)
        befriend(ALICE, BOB, 1);
        befriend(ALICE, STAR, 2);
        post(BOB, "b1", 10);
        feed(ALICE, "b1", BOB, 10, false, false);
        post(STAR, "s1", 11);
        feed(STAR, "s1", STAR, 11, false, true);
        post(ALICE, "a1", 12);
        feed(ALICE, "a1", ALICE, 12, false, false);
        post(STAR, "s2", 13);
        feed(STAR, "s2", STAR, 13, false, true);

        // When: pages of two
        Page first = repository.feed(ALICE, Optional.empty(), 2);
        Page second = repository.feed(ALICE, first.next(), 2);

        // Then
        assertThat(first.posts()).extracting(PostView::postId).containsExactly("s2", "a1");
        assertThat(first.next()).isPresent();
        assertThat(second.posts()).extracting(PostView::postId).containsExactly("s1", "b1");
        assertThat(second.next()).isEmpty();
        assertThat(first.posts().get(0).text()).isEqualTo("post s2");
        assertThat(first.posts().get(0).media()).containsExactly("https://media.example/s2.jpg");
    }

    @Test
    void shouldHideRemovedEntriesDeletedOutboxPostsAndFormerFriendsPosts() {
        // Given
        befriend(ALICE, BOB, 1);
        befriend(ALICE, CAROL, 2);
        befriend(ALICE, STAR, 3);
        post(BOB, "b1", 10);
        feed(ALICE, "b1", BOB, 10, false, false);
        post(CAROL, "c1", 11);
        feed(ALICE, "c1", CAROL, 11, false, false);
        post(STAR, "s1", 12);
        feed(STAR, "s1", STAR, 12, false, true);
        post(BOB, "b2", 13);
        feed(ALICE, "b2", BOB, 13, false, false);

        // When: b2 deleted (removal of the pushed entry), s1 deleted (outbox removal), carol unfriended
        // by alice (her entry's removal still in flight: only the friend row is gone)
        moment(BOB, "b2", BOB, 20, new PostDeleted());
        feed(ALICE, "b2", BOB, 13, true, false);
        moment(STAR, "s1", STAR, 21, new PostDeleted());
        feed(STAR, "s1", STAR, 12, true, true);
        graph(ALICE, CAROL, 22, new FriendRemoved());
        // a replayed push of b2 does not bring it back
        feed(ALICE, "b2", BOB, 13, false, false);

        // Then
        assertThat(repository.feed(ALICE, Optional.empty(), 10).posts()).extracting(PostView::postId).containsExactly("b1");
    }

    @Test
    void shouldRefuseAMalformedCursorAndAnOutOfRangePageSize() {
        assertThatThrownBy(() -> repository.feed(ALICE, Optional.of("nonsense"), 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> repository.feed(ALICE, Optional.empty(), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> repository.feed(ALICE, Optional.empty(), MomentsConfig.DEFAULT_FEED_PAGE_SIZE_MAX + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- timeline

    @Test
    void shouldPageATimelineSkippingDeletedPostsAndShowNothingToAStranger() {
        // Given
        befriend(ALICE, BOB, 1);
        for (int i = 1; i <= 5; i++) {
            post(ALICE, "a" + i, 10 + i);
        }
        moment(ALICE, "a4", ALICE, 30, new PostDeleted());
        moment(ALICE, "a3", ALICE, 31, new PostDeleted());

        // When
        Page first = repository.timeline(ALICE, BOB, Optional.empty(), 2);
        Page second = repository.timeline(ALICE, BOB, first.next(), 2);

        // Then
        assertThat(first.posts()).extracting(PostView::postId).containsExactly("a5", "a2");
        assertThat(second.posts()).extracting(PostView::postId).containsExactly("a1");
        assertThat(second.next()).isEmpty();
        assertThat(repository.timeline(ALICE, ALICE, Optional.empty(), 10).posts()).hasSize(3);
        assertThat(repository.timeline(ALICE, DAVE, Optional.empty(), 10).posts()).isEmpty();
    }

    // ---------------------------------------------------------------- interactions

    @Test
    void shouldShowLikesAndCommentsOnlyFromTheReadersFriendsWhileTheAuthorSeesAll() {
        // Given: bob and carol are alice's friends but not each other's; dave is bob's friend only
        befriend(ALICE, BOB, 1);
        befriend(ALICE, CAROL, 2);
        befriend(BOB, DAVE, 3);
        post(ALICE, "p1", 10);
        moment(ALICE, "p1", BOB, 11, new PostLiked());
        moment(ALICE, "p1", CAROL, 12, CommentAdded.newBuilder().setCommentId("c1").setText("lovely").build());
        moment(ALICE, "p1", ALICE, 13, CommentAdded.newBuilder().setCommentId("c2").setText("thanks")
                .setReplyToUserId(CAROL).build());

        // Then: the author sees everything
        PostView asAlice = repository.post("p1", ALICE).orElseThrow();
        assertThat(asAlice.likes()).containsExactly(new Like(BOB, at(11)));
        assertThat(asAlice.comments()).containsExactly(new Comment("c1", CAROL, at(12), "lovely", null),
                new Comment("c2", ALICE, at(13), "thanks", CAROL));
        // bob sees his like and the author's reply, not carol's comment
        PostView asBob = repository.post("p1", BOB).orElseThrow();
        assertThat(asBob.likes()).extracting(Like::actorId).containsExactly(BOB);
        assertThat(asBob.comments()).extracting(Comment::commentId).containsExactly("c2");
        // carol does not see bob's like
        assertThat(repository.post("p1", CAROL).orElseThrow().likes()).isEmpty();
        // dave is no friend of alice: no post at all
        assertThat(repository.post("p1", DAVE)).isEmpty();
    }

    @Test
    void shouldApplyUnlikesAndCommentDeletionsAndKeepThemOverReplayedOlderAdds() {
        // Given
        befriend(ALICE, BOB, 1);
        post(ALICE, "p1", 10);
        MomentEvent like = moment(ALICE, "p1", BOB, 11, new PostLiked());
        MomentEvent comment = moment(ALICE, "p1", BOB, 12, CommentAdded.newBuilder().setCommentId("c1").setText("x").build());

        // When
        moment(ALICE, "p1", BOB, 13, new PostUnliked());
        moment(ALICE, "p1", BOB, 14, CommentDeleted.newBuilder().setCommentId("c1").build());
        write(writer.statementsFor(like));
        write(writer.statementsFor(comment));

        // Then
        PostView view = repository.post("p1", ALICE).orElseThrow();
        assertThat(view.likes()).isEmpty();
        assertThat(view.comments()).isEmpty();
    }

    @Test
    void shouldWriteNothingForNotificationsSeen() {
        // The unread count is the Moments app's; the sink stores nothing for it (and does not refuse it)
        MomentEvent seen = MomentEvent.newBuilder().setEventId("seen-1").setPostId("").setAuthorId(ALICE).setActorId(ALICE)
                .setAt(at(1)).setEvent(new NotificationsSeen()).build();

        assertThat(writer.statementsFor(seen)).isEmpty();
    }

    @Test
    void shouldKeepADeletedPostDeletedWhenItsCreationIsReplayed() {
        befriend(ALICE, BOB, 1);
        MomentEvent created = post(ALICE, "p1", 10);
        moment(ALICE, "p1", ALICE, 20, new PostDeleted());

        write(writer.statementsFor(created));

        assertThat(repository.post("p1", ALICE)).isEmpty();
        assertThat(repository.timeline(ALICE, ALICE, Optional.empty(), 10).posts()).isEmpty();
    }

    // ---------------------------------------------------------------- audiences, blocks, intents

    @Test
    void shouldShowAPulledPostOnlyToItsAudienceInFeedsTimelinesAndDirectReads() {
        // Given: star (pulls) is friends with alice and bob, and posts for alice only, then for all
        befriend(STAR, ALICE, 1);
        befriend(STAR, BOB, 2);
        moment(STAR, "listed", STAR, 10, PostCreated.newBuilder().setText("for alice").setVisibility(PostVisibility.LISTED)
                .setAudience(List.of(ALICE)).build());
        feed(STAR, "listed", STAR, 10, false, true);
        post(STAR, "all", 11);
        feed(STAR, "all", STAR, 11, false, true);

        // Then: alice sees both; bob only the post for all, in his feed, star's timeline and by id
        assertThat(postIds(repository.feed(ALICE, Optional.empty(), 10))).containsExactly("all", "listed");
        assertThat(postIds(repository.feed(BOB, Optional.empty(), 10))).containsExactly("all");
        assertThat(postIds(repository.timeline(STAR, BOB, Optional.empty(), 10))).containsExactly("all");
        assertThat(repository.post("listed", BOB)).isEmpty();
        PostView forAuthor = repository.post("listed", STAR).orElseThrow();
        assertThat(forAuthor.audience()).isEqualTo(new PostAudience(PostVisibility.LISTED, java.util.Set.of(ALICE)));
        assertThat(repository.post("all", BOB).orElseThrow().audience()).isEqualTo(PostAudience.FRIENDS);
    }

    @Test
    void shouldStoreABlockOnBothSidesHideTheBlockedUsersLikesFromTheAuthorAndLiftItOnUnblock() {
        // Given: friends; bob likes alice's post
        befriend(ALICE, BOB, 1);
        post(ALICE, "a1", 10);
        moment(ALICE, "a1", BOB, 11, new PostLiked());

        // When: alice blocks bob (both sides, as topology-moments writes them)
        graph(ALICE, BOB, 20, new FriendBlocked(true));
        graph(BOB, ALICE, 20, new FriendBlocked(false));

        // Then: no friendship, the block both ways, and the author no longer sees bob's like
        FriendGraph alice = repository.friendGraph(ALICE);
        assertThat(alice.friends()).isEmpty();
        assertThat(alice.blocked()).containsExactly(BOB);
        assertThat(repository.friendGraph(BOB).blockedBy()).containsExactly(ALICE);
        assertThat(repository.blocked(ALICE)).containsExactly(BOB);
        assertThat(repository.post("a1", ALICE).orElseThrow().likes()).isEmpty();
        assertThat(repository.post("a1", BOB)).isEmpty();

        // When: alice unblocks
        graph(ALICE, BOB, 21, new FriendUnblocked(true));
        graph(BOB, ALICE, 21, new FriendUnblocked(false));

        // Then: no block, no friendship back; the author sees the like again
        assertThat(repository.friendGraph(ALICE).blocked()).isEmpty();
        assertThat(repository.friendGraph(BOB).blockedBy()).isEmpty();
        assertThat(repository.friends(ALICE)).isEmpty();
        assertThat(repository.post("a1", ALICE).orElseThrow().likes()).extracting(Like::actorId).containsExactly(BOB);
    }

    @Test
    void shouldStoreNothingForAnIntentOnlyTheFactsTheMomentsAppWritesBack() {
        // When: an unchecked accept, then the checked facts of a request
        write(writer.statementsFor(FriendIntents.intent(ALICE, BOB, at(1), new FriendAdded())));
        graph(ALICE, BOB, 2, FriendRequested.newBuilder().setOutgoing(true).build());

        // Then
        assertThat(repository.friends(ALICE)).isEmpty();
        assertThat(repository.pendingRequests(ALICE)).extracting(MomentsRepository.PendingRequest::direction)
                .containsExactly(MomentsWriter.OUTGOING);
    }

    private static List<String> postIds(Page page) {
        return page.posts().stream().map(PostView::postId).toList();
    }

    // ---------------------------------------------------------------- helpers

    private static Instant at(long second) {
        return T0.plusSeconds(second);
    }

    private void befriend(String a, String b, long second) {
        graph(a, b, second, new FriendAdded());
        graph(b, a, second, new FriendAdded());
    }

    private void graph(String user, String other, long second, Object event) {
        write(writer.statementsFor(SocialGraphEvent.newBuilder().setUserId(user).setOtherUserId(other)
                .setAt(at(second)).setEvent(event).build()));
    }

    private MomentEvent post(String author, String postId, long second) {
        return moment(author, postId, author, second, PostCreated.newBuilder().setText("post " + postId)
                .setMedia(List.of(Attachment.newBuilder().setUrl("https://media.example/" + postId + ".jpg")
                        .setMimeType("image/jpeg").setSizeBytes(10).build()))
                .build());
    }

    private MomentEvent moment(String author, String postId, String actor, long second, Object event) {
        MomentEvent e = MomentEvent.newBuilder().setEventId(postId + "-" + actor + "-" + second).setPostId(postId)
                .setAuthorId(author).setActorId(actor).setAt(at(second)).setEvent(event).build();
        write(writer.statementsFor(e));
        return e;
    }

    private void feed(String viewer, String postId, String author, long second, boolean removed, boolean pulled) {
        write(writer.statementsFor(FeedEntry.newBuilder().setViewerId(viewer).setPostId(postId).setAuthorId(author)
                .setPostedAt(at(second)).setRemoved(removed).setPulled(pulled).build()));
    }

    private static void write(List<BoundStatement> statements) {
        TestStore.write(new ArrayList<>(statements));
    }
}
