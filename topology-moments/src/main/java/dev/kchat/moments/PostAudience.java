package dev.kchat.moments;

import dev.kchat.events.social.PostCreated;
import dev.kchat.events.social.PostVisibility;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who among the author's friends may see a post, as its author chose at creation
 * ({@code PostCreated.visibility} and {@code audience}). The author always sees their own post, and
 * nobody who is not the author's friend sees it whatever the choice.
 *
 * @param visibility the choice
 * @param listed     the friends a {@code LISTED} post is shown to, or an {@code EXCEPT_LISTED} post
 *                   hidden from; empty for the other choices
 */
public record PostAudience(PostVisibility visibility, Set<String> listed) {

    /** Every friend of the author: the default, and what posts made before the choice existed have. */
    public static final PostAudience FRIENDS = new PostAudience(PostVisibility.FRIENDS, Set.of());

    public PostAudience {
        Objects.requireNonNull(visibility, "visibility");
        listed = Set.copyOf(new TreeSet<>(listed));
        boolean takesList = visibility == PostVisibility.LISTED || visibility == PostVisibility.EXCEPT_LISTED;
        if (!takesList && !listed.isEmpty()) {
            throw new IllegalArgumentException("a " + visibility + " post names no audience, got " + listed);
        }
    }

    /** The audience a {@code PostCreated} event chose. */
    public static PostAudience of(PostCreated created) {
        return new PostAudience(created.getVisibility(), new TreeSet<>(created.getAudience()));
    }

    /**
     * True if this friend of the author may see the post. Whether {@code friendId} is a friend at all
     * is the caller's question ({@link Visibility#canSeePost(FriendGraph, String, PostAudience)}).
     */
    public boolean allowsFriend(String friendId) {
        return switch (visibility) {
            case FRIENDS -> true;
            case LISTED -> listed.contains(friendId);
            case ONLY_ME -> false;
            case EXCEPT_LISTED -> !listed.contains(friendId);
        };
    }
}
