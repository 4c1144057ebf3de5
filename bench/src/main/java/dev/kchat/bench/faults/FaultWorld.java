package dev.kchat.bench.faults;

import dev.kchat.api.auth.TokenMinter;
import dev.kchat.bench.ConversationsApi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The users and groups of a fault run: {@code groups} groups of {@code size} members; user {@code i}
 * is in group {@code i / size} and is sender {@code i}, so message {@code m} is sent by user
 * {@code m % users} in that user's group. Tokens are minted with the platform's secret, which stays
 * in its data folder across restarts.
 */
final class FaultWorld {

    private final int groups;
    private final int size;
    private final TokenMinter minter;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final List<String> conversations = new ArrayList<>();

    FaultWorld(int groups, int size, String jwtSecret) {
        if (size < 2 || groups < 1) {
            throw new IllegalArgumentException("want at least one group of at least two members");
        }
        this.groups = groups;
        this.size = size;
        this.minter = new TokenMinter(jwtSecret, null);
    }

    /** Creates the groups (their owner is their first member) and remembers their ids. */
    void create(ConversationsApi api, String tag) {
        List<CompletableFuture<String>> created = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            List<String> others = new ArrayList<>();
            for (int m = 1; m < size; m++) {
                others.add(user(g * size + m));
            }
            created.add(api.createGroup(token(user(g * size)), tag + "-" + g, others));
        }
        conversations.addAll(ConversationsApi.all(created));
    }

    static String user(int i) {
        return String.format("f%06d", i);
    }

    String token(String user) {
        return tokens.computeIfAbsent(user, u -> minter.mint(u, Duration.ofHours(12)));
    }

    int users() {
        return groups * size;
    }

    int groups() {
        return groups;
    }

    int senders() {
        return users();
    }

    String senderUser(int sender) {
        return user(sender);
    }

    String senderConversation(int sender) {
        return conversations.get(groupOf(sender));
    }

    int groupOf(int user) {
        return user / size;
    }

    String conversation(int group) {
        return conversations.get(group);
    }

    /** User indexes of a group's members. */
    int[] members(int group) {
        int[] m = new int[size];
        for (int i = 0; i < size; i++) {
            m[i] = group * size + i;
        }
        return m;
    }
}
