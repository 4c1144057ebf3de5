package dev.kchat.routing;

import dev.kchat.events.media.MediaEvent;
import dev.kchat.events.moderation.UserMute;
import dev.kchat.routing.state.ConversationMeta;
import dev.kchat.routing.state.MemberState;
import dev.kchat.routing.state.MessageRef;
import dev.kchat.routing.state.SentMessage;

/**
 * What {@link CommandRules} reads to decide a command: the state of one conversation. Implemented
 * over the topology's stores by {@link CommandProcessor}; every method returns null when there is
 * no such entry.
 */
interface RoutingState {

    ConversationMeta conversation(String conversationId);

    MemberState member(String conversationId, String userId);

    SentMessage sent(String conversationId, String senderId, String clientMsgId);

    MessageRef message(String conversationId, long seq);

    /** The user's latest mute (possibly already over), from {@code moderation.mutes}. */
    UserMute mute(String userId);

    /** The latest event of an upload, from {@code media.events}. */
    MediaEvent media(String mediaId);
}
