package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Moments through the real platform (ingress, topology-moments, fanout, the sink, the CQL store,
 * the WebSocket edge) for three users with different friendships: amy and ben are friends, ben and
 * cat are friends, amy and cat are not. The push threshold is one friend, so ben (two friends) is a
 * big author whose posts his friends pull from his outbox, while amy and cat push theirs.
 *
 * <p>Every absence is asserted after something that arrived later on the same path (a later post
 * of the same author, a friend list that changed), never after a sleep.
 */
class MomentsEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String AMY = "amy";
    private static final String BEN = "ben";
    private static final String CAT = "cat";

    @RegisterExtension
    static final TestPlatforms.Running RUNNING = TestPlatforms.running(Map.of("moments.push.max.friends", "1"));

    @Test
    void shouldServeFeedsLikesCommentsAndNotificationsToFriendsOnlyAndTakeBackWhatDeleteUnfriendAndBlockRemove() throws Exception {
        // Given: an accept of a request nobody made is refused, and changes nothing
        assertThat(error(RUNNING.client().call(CAT, "POST", "/v1/friends/requests/amy/accept", null, false, null)))
                .isEqualTo("404 no_pending_request");
        befriend(AMY, BEN);
        befriend(BEN, CAT);
        assertThat(error(RUNNING.client().call(AMY, "POST", "/v1/friends/requests", "{\"user_id\":\"ben\"}", false, null)))
                .isEqualTo("409 already_friends");
        assertThat(friends(CAT)).containsExactly(BEN);
        WsDevice bensPhone = WsDevice.connect(RUNNING.platform().edgeUrl(), RUNNING.platform().token(BEN, Duration.ofHours(1)), BEN, "ben-phone", 0);
        WsDevice catsPhone = WsDevice.connect(RUNNING.platform().edgeUrl(), RUNNING.platform().token(CAT, Duration.ofHours(1)), CAT, "cat-phone", 0);

        // When: amy (one friend: push) and cat post; ben (two friends: pull) posts for all, then for cat only, then for all
        String amy1 = post(AMY, "{\"text\":\"amy 1\",\"media\":[\"https://cdn.example/a.jpg\"]}");
        String cat1 = post(CAT, "{\"text\":\"cat 1\"}");
        String ben1 = post(BEN, "{\"text\":\"ben 1\"}");
        String benSecret = post(BEN, "{\"text\":\"for cat\",\"visibility\":\"LISTED\",\"audience\":[\"cat\"]}");
        String ben2 = post(BEN, "{\"text\":\"ben 2\"}");

        // Then: each sees their friends' posts, newest first; ben's listed post only by cat (ben 2 came later, by pull too)
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(feed(AMY)).containsExactly(ben2, ben1, amy1));
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(feed(CAT)).containsExactly(ben2, benSecret, ben1, cat1));
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(feed(BEN)).containsExactly(ben2, benSecret, ben1, cat1, amy1));
        assertThat(error(RUNNING.client().call(AMY, "GET", "/v1/moments/" + benSecret, null, false, null))).isEqualTo("404 post_not_found");
        assertThat(postIds(RUNNING.client().expect(AMY, "GET", "/v1/users/ben/moments", null, 200))).containsExactly(ben2, ben1);
        assertThat(error(RUNNING.client().call(AMY, "GET", "/v1/users/cat/moments", null, false, null))).isEqualTo("403 not_friends");
        // And: pages of one post each, by the cursor, give the same feed
        assertThat(feedByPages(BEN)).containsExactly(ben2, benSecret, ben1, cat1, amy1);

        // When: amy and cat like ben 1, cat comments on it, ben replies to cat
        RUNNING.client().expect(AMY, "PUT", "/v1/moments/" + ben1 + "/like", null, 202);
        RUNNING.client().expect(CAT, "PUT", "/v1/moments/" + ben1 + "/like", null, 202);
        String catsComment = RUNNING.client().expect(CAT, "POST", "/v1/moments/" + ben1 + "/comments", "{\"text\":\"nice\"}", 202)
                .get("comment_id").asText();
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(likers(BEN, ben1)).containsExactly(AMY, CAT));
        RUNNING.client().expect(BEN, "POST", "/v1/moments/" + ben1 + "/comments",
                "{\"text\":\"thanks\",\"reply_to_comment_id\":\"" + catsComment + "\"}", 202);

        // Then: the author sees every like and comment; amy and cat, who are not friends, not each other's
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(commenters(BEN, ben1)).containsExactly(CAT, BEN));
        assertThat(likers(AMY, ben1)).containsExactly(AMY);
        assertThat(commenters(AMY, ben1)).containsExactly(BEN);
        assertThat(likers(CAT, ben1)).containsExactly(CAT);
        assertThat(commenters(CAT, ben1)).containsExactly(CAT, BEN);
        assertThat(error(RUNNING.client().call(AMY, "POST", "/v1/moments/" + ben1 + "/comments",
                "{\"text\":\"hi\",\"reply_to_comment_id\":\"" + catsComment + "\"}", false, null))).isEqualTo("404 comment_not_found");
        assertThat(error(RUNNING.client().call(AMY, "PUT", "/v1/moments/" + ben1 + "/like", null, false, null))).isEqualTo("409 already_liked");
        assertThat(error(RUNNING.client().call(AMY, "PUT", "/v1/moments/" + cat1 + "/like", null, false, null))).isEqualTo("404 post_not_found");

        // And: ben's phone got the two likes and the comment, cat's the reply (told from ben's partition), as
        // inbox entries, each with its recipient's unread count
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(notifications(bensPhone))
                .containsExactly("LIKED by amy, unread 1", "LIKED by cat, unread 2", "COMMENTED by cat, unread 3"));
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(notifications(catsPhone)).containsExactly("REPLIED by ben, unread 1"));
        assertThat(bensPhone.inboxSeqs()).isNotEmpty().allMatch(seq -> seq > 0);

        // When: ben reads his notifications
        assertThat(RUNNING.client().expect(BEN, "POST", "/v1/moments/notifications/read", null, 202).get("unread").asLong()).isZero();

        // Then: his phone gets the reset, and cat's count is still hers
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(notifications(bensPhone))
                .containsExactly("LIKED by amy, unread 1", "LIKED by cat, unread 2", "COMMENTED by cat, unread 3", "SEEN by ben, unread 0"));
        assertThat(notifications(catsPhone)).containsExactly("REPLIED by ben, unread 1");

        // When: cat deletes her comment, and amy deletes her post and posts again
        RUNNING.client().expect(CAT, "DELETE", "/v1/moments/" + ben1 + "/comments/" + catsComment, null, 202);
        assertThat(error(RUNNING.client().call(BEN, "DELETE", "/v1/moments/" + amy1, null, false, null))).isEqualTo("403 not_the_author");
        RUNNING.client().expect(AMY, "DELETE", "/v1/moments/" + amy1, null, 202);
        String amy2 = post(AMY, "{\"text\":\"amy 2\"}");

        // Then: the post left ben's feed before amy 2 arrived in it; the comment is gone for its readers
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(feed(BEN)).containsExactly(amy2, ben2, benSecret, ben1, cat1));
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(commenters(BEN, ben1)).containsExactly(BEN));

        // When: cat unfriends ben
        RUNNING.client().expect(CAT, "DELETE", "/v1/friends/ben", null, 202);

        // Then: once each side's friend list shows it, neither feed has the other's posts
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(friends(BEN)).containsExactly(AMY));
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(friends(CAT)).isEmpty());
        assertThat(feed(BEN)).containsExactly(amy2, ben2, benSecret, ben1);
        assertThat(feed(CAT)).containsExactly(cat1);

        // When: amy blocks ben
        RUNNING.client().expect(AMY, "POST", "/v1/friends/blocks", "{\"user_id\":\"ben\"}", 202);

        // Then: once ben's side has it, the block hides both ways: posts, and amy's like from the author
        // (cat's stays: the author sees every like but those of users blocked either way)
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(friends(BEN)).isEmpty());
        assertThat(feed(AMY)).containsExactly(amy2);
        assertThat(feed(BEN)).containsExactly(ben2, benSecret, ben1);
        assertThat(likers(BEN, ben1)).containsExactly(CAT);
        assertThat(error(RUNNING.client().call(AMY, "GET", "/v1/moments/" + ben1, null, false, null))).isEqualTo("404 post_not_found");
        assertThat(blocked(AMY)).containsExactly(BEN);
        assertThat(error(RUNNING.client().call(BEN, "POST", "/v1/friends/requests", "{\"user_id\":\"amy\"}", false, null)))
                .isEqualTo("403 blocked");
        bensPhone.close();
        catsPhone.close();
    }

    /** {@code a} asks {@code b}, {@code b} accepts once the request is stored; both sides then list each other. */
    private static void befriend(String a, String b) throws Exception {
        RUNNING.client().expect(a, "POST", "/v1/friends/requests", "{\"user_id\":\"" + b + "\",\"message\":\"hi\"}", 202);
        await().atMost(DEADLINE).until(() -> RUNNING.client().expect(b, "GET", "/v1/friends/requests", null, 200).get("requests")
                .findValuesAsText("user_id").contains(a));
        RUNNING.client().expect(b, "POST", "/v1/friends/requests/" + a + "/accept", null, 202);
        await().atMost(DEADLINE).until(() -> friends(a).contains(b) && friends(b).contains(a));
    }

    private static String post(String user, String body) throws Exception {
        return RUNNING.client().expect(user, "POST", "/v1/moments", body, 202).get("post_id").asText();
    }

    private static List<String> feed(String user) throws Exception {
        return postIds(RUNNING.client().expect(user, "GET", "/v1/moments?limit=100", null, 200));
    }

    /** The feed read one post per page, each page after the previous page's cursor. */
    private static List<String> feedByPages(String user) throws Exception {
        List<String> ids = new ArrayList<>();
        String path = "/v1/moments?limit=1";
        while (true) {
            JsonNode page = RUNNING.client().expect(user, "GET", path, null, 200);
            ids.addAll(postIds(page));
            if (page.get("next").isNull()) {
                return ids;
            }
            path = "/v1/moments?limit=1&after=" + java.net.URLEncoder.encode(page.get("next").asText(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static List<String> postIds(JsonNode page) {
        return page.get("posts").findValuesAsText("post_id");
    }

    private static List<String> friends(String user) throws Exception {
        return RUNNING.client().expect(user, "GET", "/v1/friends", null, 200).get("friends").findValuesAsText("user_id");
    }

    private static List<String> blocked(String user) throws Exception {
        List<String> out = new ArrayList<>();
        RUNNING.client().expect(user, "GET", "/v1/friends/blocks", null, 200).get("blocked").forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> likers(String reader, String postId) throws Exception {
        return RUNNING.client().expect(reader, "GET", "/v1/moments/" + postId, null, 200).get("likes").findValuesAsText("user_id");
    }

    private static List<String> commenters(String reader, String postId) throws Exception {
        List<String> out = new ArrayList<>();
        RUNNING.client().expect(reader, "GET", "/v1/moments/" + postId, null, 200).get("comments").forEach(c -> out.add(c.get("user_id").asText()));
        return out;
    }

    /** The Moments notifications a device got, as "KIND by actor, unread N". */
    private static List<String> notifications(WsDevice device) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : device.framesOfType("event")) {
            JsonNode item = f.path("entry").path("item");
            if (item.path("type").asText().equals("MomentNotification")) {
                out.add(item.path("kind").asText() + " by " + item.path("actor_id").asText() + ", unread " + item.path("unread").asText());
            }
        }
        return out;
    }

    private static String error(PlatformClient.Answer answer) {
        return answer.status() + " " + answer.body().at("/error/code").asText();
    }
}
