package dev.kchat.edge.members;

/** A range of a member list a connection subscribes to: positions {@code first} to {@code last}, both included. */
public record ListRange(int first, int last) {

    public ListRange {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("a range is [first, last] with 0 <= first <= last, not [" + first + ", " + last + "]");
        }
    }

    public int length() {
        return last - first + 1;
    }
}
