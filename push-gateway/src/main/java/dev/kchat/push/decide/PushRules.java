package dev.kchat.push.decide;

import dev.kchat.events.chat.ConversationEvent;
import dev.kchat.events.chat.InboxEntry;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRecalled;
import dev.kchat.events.chat.MessageRedacted;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.ReadPositionChanged;
import dev.kchat.events.presence.SessionClosed;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.events.push.ConversationMuted;
import dev.kchat.events.push.ConversationUnmuted;
import dev.kchat.events.push.DoNotDisturbSet;
import dev.kchat.events.push.PreviewSet;
import dev.kchat.events.push.PushCandidate;
import dev.kchat.events.push.PushKind;
import dev.kchat.events.push.PushSettingsEvent;
import dev.kchat.events.push.PushTokenRegistered;
import dev.kchat.events.push.PushTokenRemoved;
import dev.kchat.events.social.InteractionKind;
import dev.kchat.events.social.MomentNotification;
import dev.kchat.push.state.PendingPush;
import dev.kchat.push.state.PushDevice;
import dev.kchat.push.state.PushUser;
import dev.kchat.push.state.UnreadPosition;
import dev.kchat.schemas.MessagePreview;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * The push decisions as functions over one user's {@link PushUser} and values: which inbox entry or
 * push candidate deserves a notification and what it says, how settings and sessions change the user, how an entry
 * moves a conversation's {@link UnreadPosition}, whether the user is connected or silenced, how a
 * burst collapses, and the per-device rate limit. No stores, no clock: callers pass their wall-clock
 * time, so tests call these directly. Methods that change a {@code PushUser}, {@code UnreadPosition}
 * or {@code PendingPush} change the caller's decoded copy.
 */
public final class PushRules {

    /** Collapse key of Moments notifications (one burst across posts). */
    public static final String MOMENTS_KEY = "moments";
    /** Longest notification text carried, in code points; the provider shows less anyway. */
    public static final int MAX_BODY_CODE_POINTS = MessagePreview.MAX_CODE_POINTS;
    /** Until-times meaning "until turned off". */
    static final long FOREVER = Long.MAX_VALUE;
    /** Conversations whose unread position the decider keeps per user (push-unread); the least recent go first. */
    static final int MAX_CONVERSATIONS = 2_000;

    private PushRules() {
    }

    /**
     * What one entry would say in a notification: {@code kind}, the collapse key, the conversation,
     * who caused it, the text and the conversation seq whose text it is.
     */
    public record Notable(PushKind kind, String collapseKey, String conversationId, String title, String body, Long convSeq) {
    }

    /** A user never seen before: no devices, no settings, nothing unread. */
    public static PushUser newUser(String userId) {
        return PushUser.newBuilder().setUserId(userId).setDevices(new ArrayList<>()).setMuted(new HashMap<>())
                .setSessions(new HashMap<>()).setConversations(new HashMap<>()).build();
    }

    /**
     * The notification an entry deserves, or null: a message by someone else (MENTION when it names
     * the user), or a like, comment or reply on the user's Moments. Edits, recalls, receipts,
     * membership changes, the user's own messages and command outcomes deserve none.
     */
    public static Notable notable(InboxEntry entry) {
        String user = entry.getUserId();
        Object item = entry.getItem();
        if (item instanceof ConversationEvent event && event.getPayload() instanceof MessagePosted posted) {
            if (user.equals(event.getActorId())) {
                return null;
            }
            PushKind kind = posted.getMentions().contains(user) ? PushKind.MENTION : PushKind.MESSAGE;
            return new Notable(kind, event.getConversationId(), event.getConversationId(), event.getActorId(), MessagePreview.of(posted),
                    event.getSeq());
        }
        if (item instanceof MomentNotification n && n.getKind() != InteractionKind.SEEN && !user.equals(n.getActorId())) {
            String body = switch (n.getKind()) {
                case LIKED -> "liked your moment";
                case COMMENTED, REPLIED -> n.getText() == null ? "commented" : MessagePreview.truncate(n.getText());
                default -> throw new IllegalStateException("unexpected kind " + n.getKind());
            };
            return new Notable(PushKind.MOMENT, MOMENTS_KEY, null, n.getActorId(), body, null);
        }
        return null;
    }

    /** True if the event is the user's own leave: the conversation's position is forgotten. */
    public static boolean leaves(String userId, ConversationEvent event) {
        return event.getPayload() instanceof MemberLeft left && left.getUserId().equals(userId);
    }

    /**
     * Moves a conversation's unread position by one of its events (not the user's own leave, see
     * {@link #leaves}): the event raises the last seq; one's own message also moves one's read seq
     * (what one sends oneself is read, as the store counts it). True if the position changed.
     */
    public static boolean count(String userId, UnreadPosition position, ConversationEvent event) {
        long last = position.getLastSeq();
        long read = position.getReadSeq();
        position.setLastSeq(Math.max(last, event.getSeq()));
        if (event.getPayload() instanceof MessagePosted && userId.equals(event.getActorId())) {
            position.setReadSeq(Math.max(read, event.getSeq()));
        }
        return position.getLastSeq() != last || position.getReadSeq() != read;
    }

    /** Moves a conversation's unread position by the user's read position: read up to it, and seen at least that far. True if it changed. */
    public static boolean count(UnreadPosition position, ReadPositionChanged read) {
        long before = position.getReadSeq();
        long last = position.getLastSeq();
        position.setReadSeq(Math.max(before, read.getReadSeq()));
        position.setLastSeq(Math.max(last, read.getReadSeq()));
        return position.getReadSeq() != before || position.getLastSeq() != last;
    }

    /** A conversation's share of the badge: last seq - read seq, never below 0. The badge adds the Moments unread count. */
    public static long unread(UnreadPosition position) {
        return Math.max(0, position.getLastSeq() - position.getReadSeq());
    }

    /** Applies what the user (or the delivery side) said: tokens, mutes, do-not-disturb, previews. */
    public static void apply(PushUser user, PushSettingsEvent event, double deviceBurst, long nowMs) {
        Object e = event.getEvent();
        if (e instanceof PushTokenRegistered t) {
            // Copied, not changed in place: a decoded Avro array does not support every List operation.
            List<PushDevice> devices = new ArrayList<>(user.getDevices());
            devices.removeIf(d -> d.getDeviceId().equals(t.getDeviceId()));
            devices.add(new PushDevice(t.getDeviceId(), t.getPlatform().name(), t.getToken(), t.getAppId(), deviceBurst, nowMs));
            user.setDevices(devices);
        } else if (e instanceof PushTokenRemoved r) {
            // A removal for a token the device has replaced since (re-registered) leaves the new one.
            List<PushDevice> devices = new ArrayList<>(user.getDevices());
            devices.removeIf(d -> d.getDeviceId().equals(r.getDeviceId())
                    && (r.getToken() == null || r.getToken().equals(d.getToken())));
            user.setDevices(devices);
        } else if (e instanceof ConversationMuted m) {
            user.getMuted().put(m.getConversationId(), m.getUntil() == null ? FOREVER : m.getUntil().toEpochMilli());
        } else if (e instanceof ConversationUnmuted u) {
            user.getMuted().remove(u.getConversationId());
        } else if (e instanceof DoNotDisturbSet d) {
            user.setDndUntilMs(!d.getEnabled() ? null : d.getUntil() == null ? FOREVER : d.getUntil().toEpochMilli());
        } else if (e instanceof PreviewSet p) {
            user.setHideText(p.getHideText());
        } else {
            throw new IllegalArgumentException("unknown push settings event " + (e == null ? null : e.getClass().getName()));
        }
    }

    /**
     * Applies a session event: an open, heartbeat or status makes the session live as of
     * {@code nowMs}; a close ends it. Sessions silent for longer than {@code ttlMs} are dropped.
     */
    public static void apply(PushUser user, SessionEvent event, long nowMs, long ttlMs) {
        if (event.getEvent() instanceof SessionClosed) {
            user.getSessions().remove(event.getSessionId());
        } else {
            user.getSessions().put(event.getSessionId(), nowMs);
        }
        user.getSessions().values().removeIf(heard -> heard < nowMs - ttlMs);
    }

    /** True if any session of the user was heard within the TTL: an edge holds a connected device. */
    public static boolean connected(PushUser user, long nowMs, long ttlMs) {
        return user.getSessions().values().stream().anyMatch(heard -> heard >= nowMs - ttlMs);
    }

    /** True if the user wants nothing pushed for this collapse key now: do-not-disturb, or the conversation muted. */
    public static boolean silenced(PushUser user, String collapseKey, long nowMs) {
        Long dnd = user.getDndUntilMs();
        if (dnd != null && dnd > nowMs) {
            return true;
        }
        Long muted = user.getMuted().get(collapseKey);
        return muted != null && muted > nowMs;
    }

    /** A new burst from its first entry, due {@code windowMs} from now. */
    public static PendingPush open(String userId, Notable n, InboxEntry entry, long nowMs, long windowMs) {
        return open(userId, n, entry.getInboxSeq(), null, entry.getCreatedAt().toEpochMilli(), nowMs, windowMs);
    }

    /** A new burst from a push candidate (no inbox seq: 0 until an inbox entry joins), due {@code windowMs} from now. */
    public static PendingPush open(String userId, Notable n, PushCandidate candidate, long nowMs, long windowMs) {
        return open(userId, n, 0L, candidate.getSeq(), candidate.getCreatedAt().toEpochMilli(), nowMs, windowMs);
    }

    private static PendingPush open(String userId, Notable n, long inboxSeq, Long candidateSeq, long firstAtMs, long nowMs, long windowMs) {
        return PendingPush.newBuilder().setUserId(userId).setCollapseKey(n.collapseKey()).setConversationId(n.conversationId())
                .setKind(n.kind().name()).setTitle(n.title()).setBody(n.body()).setBodyConvSeq(n.convSeq()).setCount(1)
                .setFirstInboxSeq(inboxSeq).setLastInboxSeq(inboxSeq).setLastConvSeq(candidateSeq)
                .setFirstEntryAtMs(firstAtMs).setDueMs(nowMs + windowMs).build();
    }

    /** Adds an entry to a burst: one more in the count, the latest text and sender, MENTION once any entry mentions. */
    public static void merge(PendingPush pending, Notable n, InboxEntry entry) {
        merge(pending, n);
        if (pending.getFirstInboxSeq() == 0) {
            pending.setFirstInboxSeq(entry.getInboxSeq());
        }
        pending.setLastInboxSeq(entry.getInboxSeq());
        pending.setLastConvSeq(null);
    }

    /** Adds a push candidate to a burst, as {@link #merge(PendingPush, Notable, InboxEntry)} adds an entry. */
    public static void merge(PendingPush pending, Notable n, PushCandidate candidate) {
        merge(pending, n);
        pending.setLastConvSeq(candidate.getSeq());
    }

    /**
     * One more in the count, MENTION once any entry mentions, and the sender and text of the latest
     * message: a candidate and a mention's inbox entry take different paths, so an older message of
     * the conversation may come second and does not replace a newer one's text.
     */
    private static void merge(PendingPush pending, Notable n) {
        pending.setCount(pending.getCount() + 1);
        Long shown = pending.getBodyConvSeq();
        if (shown == null || n.convSeq() == null || n.convSeq() >= shown) {
            pending.setTitle(n.title());
            pending.setBody(n.body());
            pending.setBodyConvSeq(n.convSeq());
        }
        if (n.kind() == PushKind.MENTION) {
            pending.setKind(PushKind.MENTION.name());
        }
    }

    /**
     * A push's id, the same for the same burst and device whatever happens: {@code user:device:last_inbox_seq},
     * or {@code user:device:conversation@seq} when a push candidate came last (it has no inbox seq;
     * conversation ids have no '@', so the two forms never meet).
     */
    public static String pushId(String userId, String deviceId, PendingPush burst) {
        String last = burst.getLastConvSeq() == null ? String.valueOf(burst.getLastInboxSeq())
                : burst.getConversationId() + "@" + burst.getLastConvSeq();
        return userId + ":" + deviceId + ":" + last;
    }

    /** The conversation seq of the message an entry removes (recalled, deleted, redacted), or null if it removes none. */
    public static Long removedSeq(InboxEntry entry) {
        if (!(entry.getItem() instanceof ConversationEvent event)) {
            return null;
        }
        Object payload = event.getPayload();
        return payload instanceof MessageRecalled r ? Long.valueOf(r.getTargetSeq())
                : payload instanceof MessageDeleted d ? Long.valueOf(d.getTargetSeq())
                : payload instanceof MessageRedacted x ? Long.valueOf(x.getTargetSeq()) : null;
    }

    /**
     * What a push candidate would say in a notification: a message by someone else (never a mention:
     * a mentioned member gets an inbox entry instead), or null for a removal.
     */
    public static Notable notable(PushCandidate candidate) {
        if (candidate.getRemovedSeq() != null) {
            return null;
        }
        String conversation = candidate.getConversationId();
        return new Notable(PushKind.MESSAGE, conversation, conversation, candidate.getSenderId(), candidate.getPreview(), candidate.getSeq());
    }

    /**
     * A message removed (its seq from {@link #removedSeq}, or a candidate's {@code removed_seq}) while its burst waits: if the burst would
     * show its text, the text goes, so a push never shows what its author took back. True if it went.
     */
    public static boolean forgetRemoved(PendingPush pending, long removedSeq) {
        if (pending.getBodyConvSeq() == null || pending.getBodyConvSeq() != removedSeq) {
            return false;
        }
        pending.setBody(null);
        return true;
    }

    /**
     * Takes one push from the device's token bucket ({@code burst} capacity, refilled at
     * {@code perMinute}); false when it is empty (the device is over its rate).
     */
    public static boolean take(PushDevice device, long nowMs, int burst, int perMinute) {
        double refill = Math.max(0, nowMs - device.getBucketAtMs()) * perMinute / 60_000.0;
        double tokens = Math.min(burst, device.getBucketTokens() + refill);
        device.setBucketAtMs(nowMs);
        if (tokens < 1) {
            device.setBucketTokens(tokens);
            return false;
        }
        device.setBucketTokens(tokens - 1);
        return true;
    }

}
