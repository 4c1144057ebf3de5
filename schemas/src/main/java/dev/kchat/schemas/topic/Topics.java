package dev.kchat.schemas.topic;

import dev.kchat.events.chat.BroadcastEntry;
import dev.kchat.events.chat.ChatCommand;
import dev.kchat.events.chat.CommandResult;
import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.Receipt;
import dev.kchat.events.chat.ServerBroadcast;
import dev.kchat.events.chat.TypingEvent;
import dev.kchat.events.moderation.ModerationAction;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.ModerationStats;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.events.media.MediaEvent;
import dev.kchat.events.platform.ProcessingError;
import dev.kchat.events.presence.PresenceChanged;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.push.PushCandidate;
import dev.kchat.events.push.PushOutcome;
import dev.kchat.events.push.PushRequest;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.schemas.registry.SchemaRegistryClient;
import dev.kchat.schemas.serde.AvroSerde;
import dev.kchat.schemas.topic.Topic.CleanupPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic of the platform with its key, value schema, partitions and retention: the one place
 * topic names live. Keys are plain UTF-8 strings (ids), so the default partitioner places a
 * conversation or a user on the same partition for every producer, and any tool can read them;
 * values are Avro in the Confluent wire format.
 *
 * <p>Co-partitioned topics must keep equal partition counts: {@code chat.commands},
 * {@code chat.conversation.log}, {@code chat.command.results} and {@code chat.receipts} (all keyed
 * by conversation, a server and its channels by the server id); {@code social.graph} and {@code moments.events} (keyed by user);
 * {@code chat.inbox.unsequenced} and {@code moments.notifications} (keyed by user, numbered together by fanout's inbox sequencer);
 * {@code chat.inbox}, {@code presence.sessions}, {@code push.settings} and {@code push.candidates} (keyed by user, read together by the push decider).
 *
 * <p>Immutable. Build one per process from its registry client; tests build their own.
 */
public final class Topics {

    public static final String COMMANDS = "chat.commands";
    public static final String CONVERSATION_LOG = "chat.conversation.log";
    public static final String COMMAND_RESULTS = "chat.command.results";
    public static final String COMMAND_REPLIES = "chat.command.replies";
    public static final String RECEIPTS = "chat.receipts";
    public static final String INBOX = "chat.inbox";
    /**
     * Unsequenced {@code chat.inbox} entries (inbox_seq 0) of conversations, keyed by recipient: the
     * per-conversation stage writes them, topology-fanout's per-user sequencer numbers them.
     */
    public static final String INBOX_UNSEQUENCED = "chat.inbox.unsequenced";
    public static final String BROADCAST = "chat.broadcast";
    /**
     * Every event of every server and its channels, keyed by server id: edges read the partitions of
     * the servers their connections are viewing.
     */
    public static final String SERVER_BROADCAST = "chat.server.broadcast";
    public static final String TYPING = "chat.typing";
    public static final String PRESENCE_SESSIONS = "presence.sessions";
    public static final String PRESENCE_CHANGES = "presence.changes";
    public static final String SOCIAL_GRAPH = "social.graph";
    public static final String MOMENTS_EVENTS = "moments.events";
    public static final String MOMENTS_FEED = "moments.feed";
    /**
     * Unsequenced {@code chat.inbox} entries (inbox_seq 0) from the Moments app, keyed by recipient:
     * topology-fanout's per-user sequencer numbers them with the user's other inbox entries.
     */
    public static final String MOMENTS_NOTIFICATIONS = "moments.notifications";
    public static final String MODERATION_VERDICTS = "moderation.verdicts";
    public static final String MODERATION_ACTIONS = "moderation.actions";
    public static final String MODERATION_STATS = "moderation.stats";
    public static final String MODERATION_MUTES = "moderation.mutes";
    public static final String MODERATION_RULES = "moderation.rules";
    /** Every state change of a media upload (ingress's /v1/media), keyed by media id. */
    public static final String MEDIA_EVENTS = "media.events";
    /** Push tokens and notification settings per user (push-gateway's decider keeps them). */
    public static final String PUSH_SETTINGS = "push.settings";
    /**
     * What the push decider needs about a message of a read-diffused group, one per member (routing's
     * fan-out stage); keyed by user, co-partitioned with {@code chat.inbox}.
     */
    public static final String PUSH_CANDIDATES = "push.candidates";
    /** One notification for one device of a user with no connected device (push-gateway). */
    public static final String PUSH_REQUESTS = "push.requests";
    /** What became of each push request (push-gateway's delivery side). */
    public static final String PUSH_OUTCOMES = "push.outcomes";
    public static final String ERRORS = "platform.errors";

    /** Partitions of the conversation-keyed topics, which must stay co-partitioned. */
    public static final int DEFAULT_CONVERSATION_PARTITIONS = 6;
    /**
     * Partitions of {@code chat.command.replies}: one per ingress instance that waits for decisions
     * (an instance owns the partitions the consumer group gives it), so at least the number of
     * ingress instances.
     */
    public static final int DEFAULT_REPLY_PARTITIONS = 6;
    /** Partitions of the user-keyed topics. */
    public static final int DEFAULT_USER_PARTITIONS = 6;
    /**
     * Partitions of {@code chat.server.broadcast}: more than the conversation topics, since an edge
     * reads only the partitions of the servers it views, and a finer split means less of other
     * servers' traffic read along with them. Not co-partitioned with anything.
     */
    public static final int DEFAULT_SERVER_BROADCAST_PARTITIONS = 32;

    /** The key of the conversation-keyed topics (see {@code Ids.routingKey}). */
    private static final String ROUTING_KEY = "conversation_id (for a server and its channels: the server id)";
    private static final Map<String, String> KEEP_FOREVER = Map.of("retention.ms", "-1");
    private static final Map<String, String> ONE_WEEK = Map.of("retention.ms", String.valueOf(Duration.ofDays(7).toMillis()));
    private static final Map<String, String> ONE_HOUR = Map.of("retention.ms", String.valueOf(Duration.ofHours(1).toMillis()));
    private static final Map<String, String> ONE_DAY = Map.of("retention.ms", String.valueOf(Duration.ofDays(1).toMillis()));

    private final Topic<String, ChatCommand> commands;
    private final Topic<String, ConversationEvent> conversationLog;
    private final Topic<String, CommandResult> commandResults;
    private final Topic<String, CommandResult> commandReplies;
    private final Topic<String, Receipt> receipts;
    private final Topic<String, InboxEntry> inbox;
    private final Topic<String, InboxEntry> inboxUnsequenced;
    private final Topic<String, BroadcastEntry> broadcast;
    private final Topic<String, ServerBroadcast> serverBroadcast;
    private final Topic<String, TypingEvent> typing;
    private final Topic<String, SessionEvent> presenceSessions;
    private final Topic<String, PresenceChanged> presenceChanges;
    private final Topic<String, SocialGraphEvent> socialGraph;
    private final Topic<String, MomentEvent> momentsEvents;
    private final Topic<String, FeedEntry> momentsFeed;
    private final Topic<String, InboxEntry> momentsNotifications;
    private final Topic<String, Verdict> moderationVerdicts;
    private final Topic<String, ModerationAction> moderationActions;
    private final Topic<String, ModerationStats> moderationStats;
    private final Topic<String, UserMute> moderationMutes;
    private final Topic<String, ModerationRule> moderationRules;
    private final Topic<String, MediaEvent> mediaEvents;
    private final Topic<String, PushSettingsEvent> pushSettings;
    private final Topic<String, PushCandidate> pushCandidates;
    private final Topic<String, PushRequest> pushRequests;
    private final Topic<String, PushOutcome> pushOutcomes;
    private final Topic<String, ProcessingError> errors;
    private final List<Topic<?, ?>> all;

    private Topics(SchemaRegistryClient registry, int conversationPartitions, int userPartitions, int serverBroadcastPartitions) {
        Builder b = new Builder(registry);
        int conv = conversationPartitions;
        int user = userPartitions;
        commands = b.topic(COMMANDS, ChatCommand.class, conv, CleanupPolicy.DELETE, ONE_WEEK, ROUTING_KEY);
        conversationLog = b.topic(CONVERSATION_LOG, ConversationEvent.class, conv, CleanupPolicy.DELETE, KEEP_FOREVER, ROUTING_KEY);
        commandResults = b.topic(COMMAND_RESULTS, CommandResult.class, conv, CleanupPolicy.DELETE, ONE_DAY, ROUTING_KEY);
        // Not keyed for placement: routing writes each reply to the partition the waiting instance named.
        commandReplies = b.topic(COMMAND_REPLIES, CommandResult.class, DEFAULT_REPLY_PARTITIONS, CleanupPolicy.DELETE, ONE_HOUR,
                "conversation_id (the partition is the waiting ingress instance's, not the key's)");
        receipts = b.topic(RECEIPTS, Receipt.class, conv, CleanupPolicy.DELETE, ONE_WEEK, ROUTING_KEY);
        inbox = b.topic(INBOX, InboxEntry.class, user, CleanupPolicy.DELETE, ONE_WEEK, "user_id");
        // A topic of its own, not a repartition: it must outlive a stopped fanout (no purge on commit).
        inboxUnsequenced = b.topic(INBOX_UNSEQUENCED, InboxEntry.class, user, CleanupPolicy.DELETE, ONE_WEEK, "user_id");
        broadcast = b.topic(BROADCAST, BroadcastEntry.class, Math.max(1, conv / 2), CleanupPolicy.DELETE, ONE_DAY, "conversation_id");
        serverBroadcast = b.topic(SERVER_BROADCAST, ServerBroadcast.class, serverBroadcastPartitions, CleanupPolicy.DELETE, ONE_DAY, "server_id");
        typing = b.topic(TYPING, TypingEvent.class, Math.max(1, conv / 2), CleanupPolicy.DELETE,
                Map.of("retention.ms", "60000", "segment.ms", "60000"), "conversation_id");
        presenceSessions = b.topic(PRESENCE_SESSIONS, SessionEvent.class, user, CleanupPolicy.DELETE, ONE_DAY, "user_id");
        presenceChanges = b.topic(PRESENCE_CHANGES, PresenceChanged.class, Math.max(1, user / 2), CleanupPolicy.COMPACT, Map.of(), "user_id");
        socialGraph = b.topic(SOCIAL_GRAPH, SocialGraphEvent.class, user, CleanupPolicy.DELETE, KEEP_FOREVER, "user_id");
        momentsEvents = b.topic(MOMENTS_EVENTS, MomentEvent.class, user, CleanupPolicy.DELETE, KEEP_FOREVER, "author_id");
        momentsFeed = b.topic(MOMENTS_FEED, FeedEntry.class, user, CleanupPolicy.DELETE, ONE_WEEK, "viewer_id");
        momentsNotifications = b.topic(MOMENTS_NOTIFICATIONS, InboxEntry.class, user, CleanupPolicy.DELETE, ONE_WEEK, "user_id");
        moderationVerdicts = b.topic(MODERATION_VERDICTS, Verdict.class, 3, CleanupPolicy.DELETE, KEEP_FOREVER, "subject_user_id");
        moderationActions = b.topic(MODERATION_ACTIONS, ModerationAction.class, 3, CleanupPolicy.DELETE, KEEP_FOREVER, "user_id");
        moderationStats = b.topic(MODERATION_STATS, ModerationStats.class, 1, CleanupPolicy.DELETE, KEEP_FOREVER, "window start, ISO-8601");
        moderationMutes = b.topic(MODERATION_MUTES, UserMute.class, 3, CleanupPolicy.COMPACT, Map.of(), "user_id");
        moderationRules = b.topic(MODERATION_RULES, ModerationRule.class, 1, CleanupPolicy.COMPACT, Map.of(), "rule_id");
        // Kept: routing's global store of uploads is restored from it (global stores have no changelog).
        mediaEvents = b.topic(MEDIA_EVENTS, MediaEvent.class, 3, CleanupPolicy.DELETE, KEEP_FOREVER, "media_id");
        // User-keyed like chat.inbox and presence.sessions, so the decider reads all three co-partitioned.
        pushSettings = b.topic(PUSH_SETTINGS, PushSettingsEvent.class, user, CleanupPolicy.DELETE, KEEP_FOREVER, "user_id");
        // User-keyed and co-partitioned with chat.inbox for the decider; short-lived: a push is worth little after a day.
        pushCandidates = b.topic(PUSH_CANDIDATES, PushCandidate.class, user, CleanupPolicy.DELETE, ONE_DAY, "user_id");
        pushRequests = b.topic(PUSH_REQUESTS, PushRequest.class, user, CleanupPolicy.DELETE, ONE_DAY, "user_id");
        pushOutcomes = b.topic(PUSH_OUTCOMES, PushOutcome.class, user, CleanupPolicy.DELETE, ONE_WEEK, "user_id");
        errors = b.topic(ERRORS, ProcessingError.class, 3, CleanupPolicy.DELETE,
                Map.of("retention.ms", String.valueOf(Duration.ofDays(30).toMillis())), "app_id");
        all = List.of(commands, conversationLog, commandResults, commandReplies, receipts, inbox, inboxUnsequenced, broadcast, typing,
                presenceSessions, presenceChanges, socialGraph, momentsEvents, momentsFeed, momentsNotifications,
                moderationVerdicts, moderationActions, moderationStats, moderationMutes, moderationRules, pushSettings, pushCandidates,
                pushRequests, pushOutcomes, mediaEvents, serverBroadcast, errors);
    }

    /** The platform's topics with default partition counts. */
    public static Topics create(SchemaRegistryClient registry) {
        return new Topics(registry, DEFAULT_CONVERSATION_PARTITIONS, DEFAULT_USER_PARTITIONS, DEFAULT_SERVER_BROADCAST_PARTITIONS);
    }

    /**
     * The platform's topics sized for a cluster. Conversation-keyed and user-keyed topics each keep
     * one count so joins stay co-partitioned.
     */
    public static Topics create(SchemaRegistryClient registry, int conversationPartitions, int userPartitions) {
        return new Topics(registry, conversationPartitions, userPartitions, DEFAULT_SERVER_BROADCAST_PARTITIONS);
    }

    /** As {@link #create(SchemaRegistryClient, int, int)}, with {@code chat.server.broadcast}'s partitions too. */
    public static Topics create(SchemaRegistryClient registry, int conversationPartitions, int userPartitions,
            int serverBroadcastPartitions) {
        return new Topics(registry, conversationPartitions, userPartitions, serverBroadcastPartitions);
    }

    public Topic<String, ChatCommand> commands() {
        return commands;
    }

    public Topic<String, ConversationEvent> conversationLog() {
        return conversationLog;
    }

    public Topic<String, CommandResult> commandResults() {
        return commandResults;
    }

    /** Routing's decisions for HTTP callers that wait: see {@link #DEFAULT_REPLY_PARTITIONS}. */
    public Topic<String, CommandResult> commandReplies() {
        return commandReplies;
    }

    public Topic<String, Receipt> receipts() {
        return receipts;
    }

    public Topic<String, InboxEntry> inbox() {
        return inbox;
    }

    /** Unsequenced conversation entries for topology-fanout's inbox sequencer; see {@link #INBOX_UNSEQUENCED}. */
    public Topic<String, InboxEntry> inboxUnsequenced() {
        return inboxUnsequenced;
    }

    public Topic<String, BroadcastEntry> broadcast() {
        return broadcast;
    }

    /** Server and channel events for the edges that view them; see {@link #SERVER_BROADCAST}. */
    public Topic<String, ServerBroadcast> serverBroadcast() {
        return serverBroadcast;
    }

    public Topic<String, TypingEvent> typing() {
        return typing;
    }

    public Topic<String, SessionEvent> presenceSessions() {
        return presenceSessions;
    }

    public Topic<String, PresenceChanged> presenceChanges() {
        return presenceChanges;
    }

    public Topic<String, SocialGraphEvent> socialGraph() {
        return socialGraph;
    }

    public Topic<String, MomentEvent> momentsEvents() {
        return momentsEvents;
    }

    public Topic<String, FeedEntry> momentsFeed() {
        return momentsFeed;
    }

    /** Unsequenced inbox entries (Moments notifications) for topology-fanout's inbox sequencer. */
    public Topic<String, InboxEntry> momentsNotifications() {
        return momentsNotifications;
    }

    public Topic<String, Verdict> moderationVerdicts() {
        return moderationVerdicts;
    }

    public Topic<String, ModerationAction> moderationActions() {
        return moderationActions;
    }

    public Topic<String, ModerationStats> moderationStats() {
        return moderationStats;
    }

    /** Who is muted now (compacted); see {@code UserMute}. */
    public Topic<String, UserMute> moderationMutes() {
        return moderationMutes;
    }

    public Topic<String, ModerationRule> moderationRules() {
        return moderationRules;
    }

    /** Push tokens, mutes, do-not-disturb and previews per user; see {@code PushSettingsEvent}. */
    public Topic<String, PushSettingsEvent> pushSettings() {
        return pushSettings;
    }

    /** Read-diffused groups' messages for the push decider, one per member; see {@link #PUSH_CANDIDATES}. */
    public Topic<String, PushCandidate> pushCandidates() {
        return pushCandidates;
    }

    /** Notifications to deliver, one per device and collapsed burst; see {@code PushRequest}. */
    public Topic<String, PushRequest> pushRequests() {
        return pushRequests;
    }

    /** What became of each push request; see {@code PushOutcome}. */
    public Topic<String, PushOutcome> pushOutcomes() {
        return pushOutcomes;
    }

    /** Media uploads: requested, completed, rejected; see {@code MediaEvent}. */
    public Topic<String, MediaEvent> mediaEvents() {
        return mediaEvents;
    }

    public Topic<String, ProcessingError> errors() {
        return errors;
    }

    /** Every topic, in a stable order. */
    public List<Topic<?, ?>> all() {
        return all;
    }

    /** The topic of a name; fails if the platform has none of that name. */
    public Topic<?, ?> byName(String name) {
        return all.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no platform topic named " + name));
    }

    private static final class Builder {
        private final SchemaRegistryClient registry;
        private final Serde<String> keys = Serdes.String();

        Builder(SchemaRegistryClient registry) {
            this.registry = registry;
        }

        <V extends SpecificRecord> Topic<String, V> topic(String name, Class<V> valueType, int partitions,
                CleanupPolicy cleanup, Map<String, String> configs, String keyDescription) {
            return new Topic<>(name, keys, AvroSerde.forValues(registry, valueType), partitions, cleanup, configs, keyDescription);
        }
    }
}
