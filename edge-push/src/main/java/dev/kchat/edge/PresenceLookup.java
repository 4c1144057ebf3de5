package dev.kchat.edge;

import java.util.List;

/**
 * The current presence of users, for the first answer to {@code subscribe_presence} (changes
 * after that arrive from {@code presence.changes}). Backed by the presence app's query endpoint.
 */
interface PresenceLookup {

    /** One {@code presence} frame per user; may block (called on a worker). */
    List<String> currentFrames(List<String> users);
}
