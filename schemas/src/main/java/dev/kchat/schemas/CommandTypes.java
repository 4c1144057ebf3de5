package dev.kchat.schemas;

import dev.kchat.events.chat.AddMembers;
import dev.kchat.events.chat.AddReaction;
import dev.kchat.events.chat.ChangeRole;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationRenamed;
import dev.kchat.events.chat.CreateConversation;
import dev.kchat.events.chat.DeleteMessage;
import dev.kchat.events.chat.EditMessage;
import dev.kchat.events.chat.LeaveConversation;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MessageDeleted;
import dev.kchat.events.chat.MessageEdited;
import dev.kchat.events.chat.MessagePosted;
import dev.kchat.events.chat.MessageRecalled;
import dev.kchat.events.chat.OwnershipTransferred;
import dev.kchat.events.chat.ReactionAdded;
import dev.kchat.events.chat.ReactionRemoved;
import dev.kchat.events.chat.RecallMessage;
import dev.kchat.events.chat.RemoveMember;
import dev.kchat.events.chat.RemoveReaction;
import dev.kchat.events.chat.RenameConversation;
import dev.kchat.events.chat.RoleChanged;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.chat.TransferOwnership;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * Which command a sequenced event answers, by name: {@code CommandResult.command_type} and the
 * edge's outcome frames use the command's name ({@code SendMessage}), events carry their own
 * ({@code MessagePosted}).
 */
public final class CommandTypes {

    private static final Map<Class<?>, String> COMMAND_OF_EVENT = Map.ofEntries(
            Map.entry(ConversationCreated.class, CreateConversation.class.getSimpleName()),
            Map.entry(MessagePosted.class, SendMessage.class.getSimpleName()),
            Map.entry(MessageEdited.class, EditMessage.class.getSimpleName()),
            Map.entry(MessageRecalled.class, RecallMessage.class.getSimpleName()),
            Map.entry(MessageDeleted.class, DeleteMessage.class.getSimpleName()),
            Map.entry(MemberJoined.class, AddMembers.class.getSimpleName()),
            Map.entry(RoleChanged.class, ChangeRole.class.getSimpleName()),
            Map.entry(OwnershipTransferred.class, TransferOwnership.class.getSimpleName()),
            Map.entry(ConversationRenamed.class, RenameConversation.class.getSimpleName()),
            Map.entry(ReactionAdded.class, AddReaction.class.getSimpleName()),
            Map.entry(ReactionRemoved.class, RemoveReaction.class.getSimpleName()));

    private CommandTypes() {
    }

    /**
     * The name of the command an event payload answers ({@code MemberLeft}: a removal or a leave);
     * null for an event no user command makes (a moderation redaction).
     */
    public static String of(Object eventPayload) {
        if (eventPayload instanceof MemberLeft left) {
            return left.getRemoved() ? RemoveMember.class.getSimpleName() : LeaveConversation.class.getSimpleName();
        }
        return COMMAND_OF_EVENT.get(eventPayload.getClass());
    }

    /** The name of a command payload, e.g. {@code SendMessage}. */
    public static String ofCommand(Object commandPayload) {
        return ((SpecificRecord) commandPayload).getSchema().getName();
    }
}
