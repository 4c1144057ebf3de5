package dev.kchat.moments;

import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.social.CommentAdded;
import dev.kchat.events.social.CommentDeleted;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.InteractionKind;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.events.social.NotificationsSeen;
import dev.kchat.events.social.PostCreated;
import dev.kchat.events.social.PostDeleted;
import dev.kchat.events.social.PostLiked;
import dev.kchat.events.social.PostUnliked;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.moments.state.FriendState;
import dev.kchat.moments.state.PostState;
import dev.kchat.schemas.topic.Topic;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per user (both inputs are keyed by user and co-partitioned, so one task owns a user's friend
 * graph and their posts): applies {@code social.graph} records to the user's {@link FriendGraph}
 * and {@code moments.events} records to the author's posts, and emits {@link FeedEntry} records
 * keyed by viewer and unsequenced {@link InboxEntry} notifications keyed by recipient.
 *
 * <ul>
 *   <li>{@code PostCreated}: {@link FeedPolicy#plan} from the author's friends now and the post's
 *       {@link PostAudience} (pushed only to the friends it allows); the post is
 *       remembered with how it was delivered. A replayed creation of a known post emits nothing.</li>
 *   <li>{@code PostDeleted} (by the author only): {@link Visibility#removalsOnPostDeleted}; the post
 *       is kept marked deleted, so a replay finds it gone.</li>
 *   <li>{@code social.graph} intents ({@code origin = INTENT}, written by ingress on the actor's
 *       side): checked by {@link FriendIntents} on the actor's graph, applied there, and written back
 *       as two facts, {@code ACTOR} (skipped when read back: already applied) and {@code MIRROR}
 *       (keyed by the other user, applied on their partition), in the same transaction.</li>
 *   <li>{@code FriendRemoved} or {@code FriendBlocked} ending a friendship on user U's side: U's
 *       pushed posts are taken out of the former friend's feed. The former friend's own record, on their partition, takes their posts out
 *       of U's feed: each side removes its own posts, which are the ones its task knows.</li>
 *   <li>Likes and comments on a live post by the author or one of the author's friends its
 *       audience allows (whoever sees the post): {@link InteractionNotifications}, to those of the
 *       recipients who see the post now. On an unknown or deleted post, or by
 *       someone who cannot see it, nobody is told (ingress refuses those; a record that gets here
 *       anyway is logged and kept by the store, whose reads apply {@link Visibility}).</li>
 *   <li>{@code NotificationsSeen} (by the user, under their key, no post): a {@code SEEN}
 *       notification to the user, which {@link UnreadCounter} turns into the reset of their count.</li>
 * </ul>
 *
 * <p>A record keyed differently from its owner, or with an id containing {@code '|'}, throws: the
 * error topic handler sends it to {@code platform.errors} with the cause.
 */
final class MomentsProcessor implements Processor<String, byte[], String, SpecificRecord> {

    private static final Logger log = LoggerFactory.getLogger(MomentsProcessor.class);

    private final FeedPolicy policy;
    private final Topic<String, SocialGraphEvent> graphTopic;
    private final Topic<String, MomentEvent> eventsTopic;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, FriendState> friends;
    private KeyValueStore<String, PostState> posts;

    MomentsProcessor(FeedPolicy policy, Topic<String, SocialGraphEvent> graphTopic, Topic<String, MomentEvent> eventsTopic) {
        this.policy = policy;
        this.graphTopic = graphTopic;
        this.eventsTopic = eventsTopic;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        friends = context.getStateStore(MomentsApp.FRIENDS_STORE);
        posts = context.getStateStore(MomentsApp.POSTS_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElseThrow(
                () -> new IllegalStateException("record without source topic"));
        if (topic.equals(graphTopic.name())) {
            onGraph(record, graphTopic.valueSerde().deserializer().deserialize(topic, record.value()));
        } else if (topic.equals(eventsTopic.name())) {
            onMoment(record, eventsTopic.valueSerde().deserializer().deserialize(topic, record.value()));
        } else {
            throw new IllegalStateException("record from unexpected topic " + topic);
        }
    }

    private void onGraph(Record<String, byte[]> record, SocialGraphEvent event) {
        String userId = MomentsState.requireId("user_id", event.getUserId());
        MomentsState.requireId("other_user_id", event.getOtherUserId());
        requireKey(record.key(), userId);
        switch (event.getOrigin()) {
            case INTENT -> onIntent(record, event);
            // Applied when its intent was checked, on this same partition: applying it again could undo
            // a later intent of the same millisecond.
            case ACTOR -> log.debug("social.graph fact of {} about {} was applied with its intent", userId, event.getOtherUserId());
            case DIRECT, MIRROR -> applyFact(record, event);
        }
    }

    /**
     * A change asked for by the record's user: checked against their side of the graph
     * ({@link FriendIntents#check}), applied to it, and written for both sides (the actor's fact and
     * the mirror keyed by the other user) in this task's transaction. A refused intent throws, so it
     * reaches {@code platform.errors} with its code, and nothing changes.
     */
    private void onIntent(Record<String, byte[]> record, SocialGraphEvent intent) {
        FriendIntents.check(graph(intent.getUserId()), intent).ifPresent(refusal -> {
            throw new IllegalArgumentException("refused social.graph intent of " + intent.getUserId() + " about "
                    + intent.getOtherUserId() + ": " + refusal.code() + ": " + refusal.reason());
        });
        SocialGraphEvent fact = FriendIntents.actorFact(intent);
        applyFact(record, fact);
        forward(record, fact.getUserId(), fact);
        SocialGraphEvent mirror = FriendIntents.mirror(intent);
        forward(record, mirror.getUserId(), mirror);
    }

    private void applyFact(Record<String, byte[]> record, SocialGraphEvent event) {
        String userId = event.getUserId();
        FriendGraph before = graph(userId);
        FriendGraph after = before.apply(event);
        if (after == before) {
            log.debug("social.graph record of {} about {} changes nothing (stale or repeated)", userId, event.getOtherUserId());
            return;
        }
        friends.put(userId, MomentsState.toState(after));
        String other = event.getOtherUserId();
        // An unfriending or a block: each side takes its own pushed posts out of the other's feed.
        if (before.isFriend(other) && !after.isFriend(other)) {
            for (PostState post : postsOf(userId)) {
                if (post.getPushed() && !post.getDeleted()) {
                    forward(record, other, Visibility.removal(other, MomentsState.toPost(post)));
                }
            }
        }
    }

    private void onMoment(Record<String, byte[]> record, MomentEvent event) {
        if (event.getEvent() instanceof NotificationsSeen) {
            onSeen(record, event);
            return;
        }
        String authorId = MomentsState.requireId("author_id", event.getAuthorId());
        String postId = MomentsState.requireId("post_id", event.getPostId());
        MomentsState.requireId("actor_id", event.getActorId());
        requireKey(record.key(), authorId);
        String postKey = MomentsState.postKey(authorId, postId);
        PostState known = posts.get(postKey);
        Object kind = event.getEvent();
        if (kind instanceof PostCreated) {
            requireAuthor(event);
            if (known != null) {
                log.debug("post {} of {} already known; replayed creation ignored", postId, authorId);
                return;
            }
            PostAudience audience = PostAudience.of((PostCreated) kind);
            FanoutPlan plan = policy.plan(Post.of(event), audience, graph(authorId));
            posts.put(postKey, PostState.newBuilder()
                    .setPostId(postId).setAuthorId(authorId).setPostedAt(event.getAt())
                    .setPushed(plan.delivery() == Delivery.PUSH).setDeleted(false)
                    .setVisibility(audience.visibility().name()).setAudience(new ArrayList<>(audience.listed())).build());
            plan.feedEntries().forEach(entry -> forward(record, entry.getViewerId(), entry));
        } else if (kind instanceof PostDeleted) {
            requireAuthor(event);
            if (known == null || known.getDeleted()) {
                log.debug("post {} of {} unknown or already deleted; deletion ignored", postId, authorId);
                return;
            }
            List<FeedEntry> removals = Visibility.removalsOnPostDeleted(MomentsState.toPost(known),
                    known.getPushed() ? Delivery.PUSH : Delivery.PULL, graph(authorId));
            posts.put(postKey, PostState.newBuilder(known).setDeleted(true).build());
            removals.forEach(entry -> forward(record, entry.getViewerId(), entry));
        } else if (kind instanceof PostLiked || kind instanceof CommentAdded) {
            String actor = event.getActorId();
            if (known == null || known.getDeleted()) {
                log.info("{} by {} on unknown or deleted post {} of {}: nobody notified",
                        kind.getClass().getSimpleName(), actor, postId, authorId);
                return;
            }
            // The author's side of the graph is the one on this partition; friendship is mutual.
            FriendGraph author = graph(authorId);
            PostAudience audience = MomentsState.toAudience(known);
            if (!seesPost(author, audience, actor)) {
                log.info("{} by {} on post {} of {}, which they do not see: nobody notified",
                        kind.getClass().getSimpleName(), actor, postId, authorId);
                return;
            }
            for (InteractionNotifications.Notification n : InteractionNotifications.of(event)) {
                if (!seesPost(author, audience, n.recipientId())) {
                    log.info("reply on post {} of {} to {}, who no longer sees it: not notified", postId, authorId, n.recipientId());
                    continue;
                }
                notify(record, n.recipientId(), event, n.notification());
            }
        } else if (kind instanceof PostUnliked || kind instanceof CommentDeleted) {
            // Nothing to tell anyone; the store applies them.
            return;
        } else {
            throw new IllegalArgumentException("unknown moments.events event "
                    + (kind == null ? "null" : kind.getClass().getName()) + " in " + event.getEventId());
        }
    }

    /** The user read their notifications: a {@code SEEN} entry for them, counted back to 0 after the repartition. */
    private void onSeen(Record<String, byte[]> record, MomentEvent event) {
        String userId = MomentsState.requireId("author_id", event.getAuthorId());
        requireKey(record.key(), userId);
        if (!userId.equals(event.getActorId()) || !event.getPostId().isEmpty()) {
            throw new IllegalArgumentException("NotificationsSeen " + event.getEventId() + " of " + userId + " by "
                    + event.getActorId() + " with post_id '" + event.getPostId() + "': must be the user's own, with no post");
        }
        notify(record, userId, event, MomentNotification.newBuilder()
                .setPostId("").setActorId(userId).setKind(InteractionKind.SEEN).setUnread(0).build());
    }

    /** An unsequenced inbox entry for the recipient; {@link UnreadCounter} sets its unread count. */
    private void notify(Record<String, byte[]> record, String recipientId, MomentEvent event, MomentNotification notification) {
        InboxEntry entry = InboxEntry.newBuilder()
                .setUserId(recipientId)
                .setInboxSeq(0)
                .setCreatedAt(event.getAt())
                .setItem(notification)
                .build();
        forward(record, recipientId, entry);
    }

    /** Whether {@code userId} sees the post, from the author's side (friendship is mutual). */
    private static boolean seesPost(FriendGraph author, PostAudience audience, String userId) {
        return userId.equals(author.userId()) || (author.isFriend(userId) && audience.allowsFriend(userId));
    }

    private FriendGraph graph(String userId) {
        FriendState state = friends.get(userId);
        return state == null ? FriendGraph.empty(userId) : MomentsState.toGraph(state);
    }

    private List<PostState> postsOf(String authorId) {
        List<PostState> out = new ArrayList<>();
        try (KeyValueIterator<String, PostState> it = posts.prefixScan(MomentsState.postPrefix(authorId), Serdes.String().serializer())) {
            while (it.hasNext()) {
                KeyValue<String, PostState> next = it.next();
                out.add(next.value);
            }
        }
        return out;
    }

    private void forward(Record<String, byte[]> record, String key, SpecificRecord value) {
        context.forward(record.withKey(key).withValue(value));
    }

    private static void requireKey(String key, String owner) {
        if (!owner.equals(key)) {
            throw new IllegalArgumentException("record of " + owner + " under key " + key);
        }
    }

    private static void requireAuthor(MomentEvent event) {
        if (!event.getActorId().equals(event.getAuthorId())) {
            throw new IllegalArgumentException(event.getEvent().getClass().getSimpleName() + " of post " + event.getPostId()
                    + " by " + event.getActorId() + ", who is not its author " + event.getAuthorId());
        }
    }
}
