package dev.kchat.schemas;

import dev.kchat.events.chat.AddMembers;
import dev.kchat.events.chat.AddReaction;
import dev.kchat.events.chat.AssignRole;
import dev.kchat.events.chat.BanMember;
import dev.kchat.events.chat.ChangeRole;
import dev.kchat.events.chat.ChannelCreated;
import dev.kchat.events.chat.ChannelDeleted;
import dev.kchat.events.chat.ChannelOverwriteCleared;
import dev.kchat.events.chat.ChannelOverwriteSet;
import dev.kchat.events.chat.ChannelUpdated;
import dev.kchat.events.chat.ClearChannelOverwrite;
import dev.kchat.events.chat.ConversationCreated;
import dev.kchat.events.chat.ConversationRenamed;
import dev.kchat.events.chat.CreateChannel;
import dev.kchat.events.chat.CreateConversation;
import dev.kchat.events.chat.CreateInvite;
import dev.kchat.events.chat.CreateRole;
import dev.kchat.events.chat.CreateServer;
import dev.kchat.events.chat.DeleteChannel;
import dev.kchat.events.chat.DeleteMessage;
import dev.kchat.events.chat.DeleteRole;
import dev.kchat.events.chat.EditMessage;
import dev.kchat.events.chat.InviteCreated;
import dev.kchat.events.chat.InviteRevoked;
import dev.kchat.events.chat.JoinServer;
import dev.kchat.events.chat.KickMember;
import dev.kchat.events.chat.LeaveConversation;
import dev.kchat.events.chat.LeaveServer;
import dev.kchat.events.chat.MemberBanned;
import dev.kchat.events.chat.MemberJoined;
import dev.kchat.events.chat.MemberLeft;
import dev.kchat.events.chat.MemberUnbanned;
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
import dev.kchat.events.chat.RevokeInvite;
import dev.kchat.events.chat.RoleAssigned;
import dev.kchat.events.chat.RoleChanged;
import dev.kchat.events.chat.RoleCreated;
import dev.kchat.events.chat.RoleDeleted;
import dev.kchat.events.chat.RoleUnassigned;
import dev.kchat.events.chat.RoleUpdated;
import dev.kchat.events.chat.SendMessage;
import dev.kchat.events.chat.ServerCreated;
import dev.kchat.events.chat.ServerMemberJoined;
import dev.kchat.events.chat.ServerMemberLeft;
import dev.kchat.events.chat.SetChannelOverwrite;
import dev.kchat.events.chat.TransferOwnership;
import dev.kchat.events.chat.UnassignRole;
import dev.kchat.events.chat.UnbanMember;
import dev.kchat.events.chat.UpdateChannel;
import dev.kchat.events.chat.UpdateRole;
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
            Map.entry(ReactionRemoved.class, RemoveReaction.class.getSimpleName()),
            Map.entry(ServerCreated.class, CreateServer.class.getSimpleName()),
            Map.entry(ChannelCreated.class, CreateChannel.class.getSimpleName()),
            Map.entry(ChannelUpdated.class, UpdateChannel.class.getSimpleName()),
            Map.entry(ChannelDeleted.class, DeleteChannel.class.getSimpleName()),
            Map.entry(RoleCreated.class, CreateRole.class.getSimpleName()),
            Map.entry(RoleUpdated.class, UpdateRole.class.getSimpleName()),
            Map.entry(RoleDeleted.class, DeleteRole.class.getSimpleName()),
            Map.entry(RoleAssigned.class, AssignRole.class.getSimpleName()),
            Map.entry(RoleUnassigned.class, UnassignRole.class.getSimpleName()),
            Map.entry(ChannelOverwriteSet.class, SetChannelOverwrite.class.getSimpleName()),
            Map.entry(ChannelOverwriteCleared.class, ClearChannelOverwrite.class.getSimpleName()),
            Map.entry(InviteCreated.class, CreateInvite.class.getSimpleName()),
            Map.entry(InviteRevoked.class, RevokeInvite.class.getSimpleName()),
            Map.entry(ServerMemberJoined.class, JoinServer.class.getSimpleName()),
            Map.entry(MemberBanned.class, BanMember.class.getSimpleName()),
            Map.entry(MemberUnbanned.class, UnbanMember.class.getSimpleName()));

    private CommandTypes() {
    }

    /**
     * The name of the command an event payload answers ({@code MemberLeft}: a removal or a leave;
     * {@code ServerMemberLeft}: a leave, a kick or a ban);
     * null for an event no user command makes (a moderation redaction).
     */
    public static String of(Object eventPayload) {
        if (eventPayload instanceof MemberLeft left) {
            return left.getRemoved() ? RemoveMember.class.getSimpleName() : LeaveConversation.class.getSimpleName();
        }
        if (eventPayload instanceof ServerMemberLeft left) {
            return switch (left.getKind()) {
                case LEFT -> LeaveServer.class.getSimpleName();
                case KICKED -> KickMember.class.getSimpleName();
                case BANNED -> BanMember.class.getSimpleName();
            };
        }
        return COMMAND_OF_EVENT.get(eventPayload.getClass());
    }

    /** The name of a command payload, e.g. {@code SendMessage}. */
    public static String ofCommand(Object commandPayload) {
        return ((SpecificRecord) commandPayload).getSchema().getName();
    }
}
