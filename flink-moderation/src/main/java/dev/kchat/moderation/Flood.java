package dev.kchat.moderation;

import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Floods: one sender sends the same content into more than C distinct conversations within W.
 * "The same content" is equal {@link #contentHash} of the {@link #normalise normalised} body, so
 * changing case, spacing or full-width letters, or inserting zero-width characters, does not make
 * a copy different.
 *
 * <p>Keyed by sender, not by content alone: thousands of users sending the same short greeting
 * at New Year is normal, one account pasting the same link into many chats is not. Content
 * shorter than the configured minimum is ignored for the same reason. A campaign spread over many
 * accounts is not this rule's to catch.
 *
 * <p>A verdict is given at the message that makes the count exceed C, then at most once per W per
 * sender and content. Late events count at the sender's latest time seen (see {@link RateBurst}).
 * State: per sender and content, at most C + 1 conversations; contents whose conversations have
 * all left the window are dropped by {@link #expire}. Not thread-safe.
 */
public final class Flood {

    private final int maxConversations;
    private final Duration window;
    private final int minLength;
    private final Severity severity;
    private final Map<String, SenderState> senders = new HashMap<>();

    private static final class SenderState {
        final Map<String, DistinctWindow> byContent = new HashMap<>();
        Instant latest;
    }

    /**
     * @param maxConversations C: more distinct conversations than this is a flood; {@code >= 1}
     * @param window           W: a positive duration
     * @param minLength        normalised content shorter than this many code points is ignored
     * @param severity         the verdicts' severity
     */
    public Flood(int maxConversations, Duration window, int minLength, Severity severity) {
        if (maxConversations < 1) {
            throw new IllegalArgumentException("maxConversations must be >= 1, was " + maxConversations);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, was " + window);
        }
        this.maxConversations = maxConversations;
        this.window = window;
        this.minLength = minLength;
        this.severity = Objects.requireNonNull(severity, "severity");
    }

    /** The detector with the configured C, W, minimum length and severity. */
    public static Flood from(ModerationConfig config) {
        return new Flood(config.floodMaxConversations(), config.floodWindow(), config.floodMinLength(), config.floodSeverity());
    }

    /**
     * Counts one chat message.
     *
     * @return a {@link Verdicts#FLOOD} verdict if this message takes its content from this sender
     *         past C conversations within W, and none was given for it within the last window
     */
    public Optional<Verdict> onMessage(ChatMessage message) {
        SenderState state = senders.computeIfAbsent(message.senderId(), k -> new SenderState());
        Instant t = state.latest == null || message.at().isAfter(state.latest) ? message.at() : state.latest;
        state.latest = t;
        String content = normalise(message.body());
        if (content.codePointCount(0, content.length()) < minLength) {
            return Optional.empty();
        }
        String hash = contentHash(content);
        DistinctWindow conversations = state.byContent.computeIfAbsent(hash, k -> new DistinctWindow());
        return onContent(conversations, message, content, hash, t);
    }

    /**
     * Counts one chat message against the window of its sender and content, which it updates in
     * place: the Flink job's form of {@link #onMessage(ChatMessage)}, with the window in keyed state
     * keyed by sender and content hash. Late events count at the latest time this window has seen.
     *
     * @param conversations the sender's window for this content
     * @param content       the message's {@link #normalise normalised} body
     * @param hash          its {@link #contentHash}
     * @return a verdict as {@link #onMessage(ChatMessage)} gives it; none for content shorter than
     *         the minimum length
     */
    public Optional<Verdict> onMessage(DistinctWindow conversations, ChatMessage message, String content, String hash) {
        if (content.codePointCount(0, content.length()) < minLength) {
            return Optional.empty();
        }
        long latest = conversations.latest();
        Instant t = latest == Long.MIN_VALUE || message.at().toEpochMilli() > latest ? message.at() : Instant.ofEpochMilli(latest);
        return onContent(conversations, message, content, hash, t);
    }

    /**
     * When a sender's window for one content can be forgotten: every conversation in it has left
     * the window, and so has its last verdict.
     *
     * @return epoch ms from which {@code conversations} is useless
     */
    public long expiresAt(DistinctWindow conversations) {
        return conversations.latest() + window.toMillis();
    }

    private Optional<Verdict> onContent(DistinctWindow conversations, ChatMessage message, String content, String hash, Instant t) {
        long at = t.toEpochMilli();
        long windowMs = window.toMillis();
        int distinct = conversations.add(message.conversationId(), at, windowMs, maxConversations);
        if (!conversations.shouldReport(distinct, at, windowMs, maxConversations)) {
            return Optional.empty();
        }
        String evidence = "same content (sha256 " + hash.substring(0, 16) + ") in " + distinct
                + " conversations within " + (at - conversations.oldest())
                + " ms (limit " + maxConversations + " per " + windowMs + " ms): " + snippet(content);
        return Optional.of(Verdicts.verdict(Verdicts.FLOOD, severity, message.senderId(), message.ref(), t, evidence));
    }

    /**
     * Forgets contents no longer in any window at {@code now}, and senders left with none.
     *
     * @return how many senders were forgotten
     */
    public int expire(Instant now) {
        int before = senders.size();
        senders.values().removeIf(s -> {
            s.byContent.values().removeIf(w -> w.expire(now.toEpochMilli(), window.toMillis()));
            return s.byContent.isEmpty() && Duration.between(s.latest, now).compareTo(window) >= 0;
        });
        return before - senders.size();
    }

    /** Senders with state, for tests and metrics. */
    public int trackedSenders() {
        return senders.size();
    }

    /**
     * The content a flood compares: NFKC, case-folded, format characters (zero-width spaces and
     * joiners) removed, every run of white space as one space, trimmed.
     */
    public static String normalise(String body) {
        String compat = Normalizer.normalize(body, Normalizer.Form.NFKC);
        StringBuilder out = new StringBuilder(compat.length());
        boolean space = false;
        for (int i = 0; i < compat.length(); ) {
            int cp = compat.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.getType(cp) == Character.FORMAT) {
                continue;
            }
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                space = out.length() > 0;
                continue;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.appendCodePoint(TextFold.fold(cp));
        }
        return out.toString();
    }

    /** SHA-256 of the normalised content's UTF-8, in lower-case hex: stable across JVMs and restarts. */
    public static String contentHash(String normalised) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(normalised.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static String snippet(String content) {
        int max = 80;
        if (content.codePointCount(0, content.length()) <= max) {
            return '"' + content + '"';
        }
        return '"' + content.substring(0, content.offsetByCodePoints(0, max)) + "…\"";
    }
}
