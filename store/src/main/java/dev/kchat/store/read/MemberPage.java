package dev.kchat.store.read;

import java.util.List;

/**
 * A page of a conversation's members.
 *
 * @param nextAfter the user id to continue after, or null when this was the last page
 */
public record MemberPage(List<Member> members, String nextAfter) {

    public MemberPage {
        members = List.copyOf(members);
    }

    /** A current member: role ({@code OWNER}, {@code ADMIN}, {@code MEMBER}) and the seq they joined at. */
    public record Member(String userId, String role, long joinedSeq) {
    }
}
