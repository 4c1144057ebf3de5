package dev.kchat.ingress;

import static dev.kchat.ingress.ApiClient.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.FriendRequested;
import dev.kchat.events.social.GraphOrigin;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.NotificationsSeen;
import dev.kchat.events.social.PostCreated;
import dev.kchat.events.social.PostLiked;
import dev.kchat.events.social.PostVisibility;
import dev.kchat.events.social.SocialGraphEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Moments API over HTTP against the real ingress, a real broker and the real CQL store (written
 * here as the sink would): what it produces, and what it refuses with a precise code while producing
 * nothing (a valid request afterwards is the first record on the topic).
 */
class MomentsApiTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static TestIngress ingress;
    private static ApiClient api;

    @BeforeAll
    static void start() {
        ingress = TestIngress.start("ingress_moments", Map.of("limits.rate.send.user", "off"));
        api = new ApiClient(TestIngress.SECRET, ingress::port);
        // alice and bob are friends; carol has asked alice; bob has a post and alice has liked it
        ingress.storeMoments(graph("alice", "bob", new FriendAdded()), graph("bob", "alice", new FriendAdded()),
                graph("carol", "alice", new FriendRequested(true, null)), graph("alice", "carol", new FriendRequested(false, null)),
                MomentEvent.newBuilder().setEventId("e1").setPostId("p_bob").setAuthorId("bob").setActorId("bob").setAt(T0)
                        .setEvent(PostCreated.newBuilder().setText("hi").build()).build(),
                MomentEvent.newBuilder().setEventId("e2").setPostId("p_bob").setAuthorId("bob").setActorId("alice").setAt(T0)
                        .setEvent(new PostLiked()).build());
    }

    @AfterAll
    static void stop() {
        if (ingress != null) {
            ingress.close();
        }
    }

    @Test
    void shouldRefuseFriendChangesThatCannotHoldWithTheirCodeAndProduceNothing() throws Exception {
        assertError(api.call("dave", "POST", "/v1/friends/requests/alice/accept", null, 404), "no_pending_request");
        assertError(api.call("dave", "POST", "/v1/friends/requests/alice/decline", null, 404), "no_pending_request");
        assertError(api.call("dave", "DELETE", "/v1/friends/alice", null, 404), "not_friends");
        assertError(api.call("dave", "DELETE", "/v1/friends/blocks/alice", null, 404), "not_blocked");
        assertError(api.call("dave", "POST", "/v1/friends/requests", "{\"user_id\":\"dave\"}", 400), "cannot_target_self");
        assertError(api.call("dave", "POST", "/v1/friends/requests", "{\"user_id\":\"a b\"}", 400), "invalid_user");
        assertError(api.call("dave", "POST", "/v1/friends/requests", "{\"user\":\"alice\"}", 400), "unknown_field");
        assertError(api.call("bob", "POST", "/v1/friends/requests", "{\"user_id\":\"alice\"}", 409), "already_friends");
        assertError(api.call("alice", "POST", "/v1/friends/requests", "{\"user_id\":\"carol\"}", 409), "incoming_request_pending");
        assertError(api.call("carol", "POST", "/v1/friends/requests", "{\"user_id\":\"alice\"}", 409), "request_already_sent");
        // carol's own request is hers to withdraw (DELETE /v1/friends/alice), not to decline
        assertError(api.call("carol", "POST", "/v1/friends/requests/alice/decline", null, 404), "no_pending_request");

        // When: a request that holds
        JsonNode accepted = api.call("dave", "POST", "/v1/friends/requests", "{\"user_id\":\"alice\",\"message\":\"hello\"}", 202);

        // Then: it is dave's first record, an intent on his side
        assertThat(accepted.get("status").asText()).isEqualTo("requested");
        List<SocialGraphEvent> produced = ingress.recordsUpTo(ingress.topics().socialGraph(), "dave", r -> true);
        assertThat(produced).hasSize(1);
        assertThat(produced.get(0).getOrigin()).isEqualTo(GraphOrigin.INTENT);
        assertThat(produced.get(0).getOtherUserId()).isEqualTo("alice");
        assertThat(((FriendRequested) produced.get(0).getEvent()).getMessage()).isEqualTo("hello");
    }

    @Test
    void shouldRefuseBadPostsAndActionsOnPostsTheCallerCannotSeeAndProduceNothing() throws Exception {
        assertError(api.call("erin", "POST", "/v1/moments", "{\"text\":\"  \"}", 400), "empty_post");
        assertError(api.call("erin", "POST", "/v1/moments", "{\"text\":\"x\",\"media\":[\"ftp://h/x\"]}", 400), "invalid_media");
        assertError(api.call("erin", "POST", "/v1/moments", "{\"text\":\"x\",\"visibility\":\"SOME\"}", 400), "invalid_visibility");
        assertError(api.call("erin", "POST", "/v1/moments", "{\"text\":\"x\",\"visibility\":\"LISTED\"}", 400), "invalid_audience");
        assertError(api.call("erin", "POST", "/v1/moments", "{\"text\":\"x\",\"audience\":[\"bob\"]}", 400), "invalid_audience");
        assertError(api.call("erin", "POST", "/v1/moments", "{\"text\":42}", 400), "invalid_type");
        assertError(api.call("erin", "PUT", "/v1/moments/p_bob/like", null, 404), "post_not_found");
        assertError(api.call("alice", "PUT", "/v1/moments/p_bob/like", null, 409), "already_liked");
        assertError(api.call("alice", "DELETE", "/v1/moments/p_bob", null, 403), "not_the_author");
        assertError(api.call("alice", "POST", "/v1/moments/p_bob/comments", "{\"text\":\"x\",\"reply_to_comment_id\":\"c_none\"}", 404),
                "comment_not_found");
        assertError(api.call("alice", "GET", "/v1/moments?after=nonsense", null, 400), "invalid_cursor");
        assertError(api.call("alice", "GET", "/v1/moments?limit=1000", null, 400), "invalid_parameter");
        assertError(api.call("erin", "GET", "/v1/users/bob/moments", null, 403), "not_friends");

        // When: a post that holds (for all friends but bob), with an Idempotency-Key
        JsonNode posted = api.call("erin", "POST", "/v1/moments",
                "{\"text\":\"hello\",\"media\":[\"https://cdn.example/x.jpg\"],\"visibility\":\"except_listed\",\"audience\":[\"bob\"]}", 202);

        // Then: it is erin's first record on moments.events, with its audience
        List<MomentEvent> produced = ingress.recordsUpTo(ingress.topics().momentsEvents(), "erin", r -> true);
        assertThat(produced).hasSize(1);
        PostCreated created = (PostCreated) produced.get(0).getEvent();
        assertThat(produced.get(0).getPostId()).isEqualTo(posted.get("post_id").asText());
        assertThat(created.getVisibility()).isEqualTo(PostVisibility.EXCEPT_LISTED);
        assertThat(created.getAudience()).containsExactly("bob");
        assertThat(created.getMedia()).extracting(a -> a.getUrl()).containsExactly("https://cdn.example/x.jpg");
    }

    @Test
    void shouldMarkTheCallersNotificationsReadUnderTheirKeyAndRefuseABadBodyOrNoToken() throws Exception {
        assertError(api.call("frank", "POST", "/v1/moments/notifications/read", "{\"unread\":3}", 400), "unknown_field");
        assertError(api.call("frank", "POST", "/v1/moments/notifications/read", "[]", 400), "invalid_field");
        assertError(api.call("frank", "POST", "/v1/moments/notifications/read", "{", 400), "invalid_json");
        assertError(api.call(null, "POST", "/v1/moments/notifications/read", null, 401), "missing_token");

        // When: frank with no body, gina with an empty object
        JsonNode read = api.call("frank", "POST", "/v1/moments/notifications/read", null, 202);
        api.call("gina", "POST", "/v1/moments/notifications/read", "{}", 202);

        // Then: each one's first record is a NotificationsSeen of their own, with no post
        assertThat(read.get("user_id").asText()).isEqualTo("frank");
        assertThat(read.get("unread").asLong()).isZero();
        for (String user : List.of("frank", "gina")) {
            List<MomentEvent> produced = ingress.recordsUpTo(ingress.topics().momentsEvents(), user, r -> true);
            assertThat(produced).hasSize(1);
            MomentEvent seen = produced.get(0);
            assertThat(seen.getEvent()).isInstanceOf(NotificationsSeen.class);
            assertThat(seen.getAuthorId()).isEqualTo(user);
            assertThat(seen.getActorId()).isEqualTo(user);
            assertThat(seen.getPostId()).isEmpty();
        }
    }

    @Test
    void shouldAnswerAPostWithOnlyTheLikesItsReaderMaySee() throws Exception {
        JsonNode asAuthor = api.get("bob", "/v1/moments/p_bob", 200);
        assertThat(asAuthor.get("likes").findValuesAsText("user_id")).containsExactly("alice");
        assertThat(asAuthor.get("visibility").asText()).isEqualTo("FRIENDS");
        JsonNode asFriend = api.get("alice", "/v1/moments/p_bob", 200);
        assertThat(asFriend.has("visibility")).isFalse();
        assertError(api.get("carol", "/v1/moments/p_bob", 404), "post_not_found");
    }

    private static SocialGraphEvent graph(String user, String other, Object kind) {
        return SocialGraphEvent.newBuilder().setUserId(user).setOtherUserId(other).setAt(T0).setEvent(kind)
                .setOrigin(GraphOrigin.MIRROR).build();
    }
}
