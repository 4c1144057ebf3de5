package dev.kchat.moderation;

import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The sensitive-word dictionary: every phrase of every enabled {@link ModerationRule}, found in a
 * text in one pass with an Aho-Corasick automaton.
 *
 * <p><b>Written by hand, on purpose.</b> The Java Aho-Corasick library on Maven Central
 * ({@code org.ahocorasick:ahocorasick}) works on UTF-16 chars and lower-cases char by char, so
 * characters outside the BMP and characters whose case mapping changes length give wrong or no
 * matches (its issue #39 is still open), and it has no compatibility folding. Here the automaton
 * runs over code points folded by {@link TextFold}, which maps one code point to one, so every
 * match has exact UTF-16 positions in the original text.
 *
 * <p>Matching is by substring, not by word: Chinese and Japanese have no spaces between words and
 * "word boundaries" there would miss everything; the price in space-separated languages is the
 * Scunthorpe problem, which rule authors handle by choosing phrases (a phrase may include spaces).
 * Every occurrence is reported, overlapping and nested ones included ({@code "he"}, {@code "she"}
 * and {@code "hers"} in {@code "ushers"}).
 *
 * <p>An instance is immutable and safe to share between threads. Rules change at run time through
 * {@code moderation.rules} (a compacted topic, broadcast to the job): {@link #withRule} and
 * {@link #withoutRule} return a rebuilt dictionary, in time linear in the dictionary's size.
 */
public final class SensitiveWords {

    /** A verdict's evidence lists at most this many matches; the count says how many there were. */
    public static final int MAX_EVIDENCE_MATCHES = 20;

    /**
     * One occurrence of a phrase in a text.
     *
     * @param ruleId   the rule the phrase belongs to
     * @param severity that rule's severity
     * @param phrase   the phrase as the rule spells it
     * @param start    UTF-16 index of the first character in the original text
     * @param end      UTF-16 index just after the last, so {@code text.substring(start, end)} is the
     *                 matched original text
     */
    public record Match(String ruleId, Severity severity, String phrase, int start, int end) {
        public Match {
            Objects.requireNonNull(ruleId, "ruleId");
            Objects.requireNonNull(severity, "severity");
            Objects.requireNonNull(phrase, "phrase");
        }
    }

    private static final Comparator<Match> TEXT_ORDER = Comparator.comparingInt(Match::start)
            .thenComparingInt(Match::end).thenComparing(Match::ruleId).thenComparing(Match::phrase);

    /** What a node reports: the phrases ending there, with their rules. */
    private record Output(String ruleId, Severity severity, String phrase) {
    }

    private static final Output[] NO_OUTPUT = new Output[0];
    private static final int[] NO_EDGES = new int[0];

    private final Map<String, ModerationRule> rules;
    private final int phraseCount;
    private final int maxPhraseLength;
    // The automaton, frozen into arrays: per node its sorted edge labels and targets (binary
    // search), its failure link, the next node on its failure chain that has outputs, its depth in
    // code points, and its own outputs. Node 0 is the root.
    private final int[][] labels;
    private final int[][] targets;
    private final int[] failure;
    private final int[] outputLink;
    private final int[] depth;
    private final Output[][] outputs;

    private SensitiveWords(Map<String, ModerationRule> rules) {
        this.rules = Collections.unmodifiableMap(new TreeMap<>(rules));
        Builder builder = new Builder();
        for (ModerationRule rule : this.rules.values()) {
            if (!rule.getEnabled()) {
                continue;
            }
            Set<String> seen = new HashSet<>();
            for (String phrase : rule.getWords()) {
                if (phrase == null || phrase.isBlank()) {
                    continue;
                }
                String folded = TextFold.foldPhrase(phrase);
                // "Bad" and "bad" in one rule are one phrase: report it once per occurrence.
                if (!folded.isEmpty() && seen.add(folded)) {
                    builder.add(folded, new Output(rule.getRuleId(), rule.getSeverity(), phrase));
                }
            }
        }
        this.phraseCount = builder.phraseCount;
        this.maxPhraseLength = builder.maxLength;
        int n = builder.nodes.size();
        this.labels = new int[n][];
        this.targets = new int[n][];
        this.failure = new int[n];
        this.outputLink = new int[n];
        this.depth = new int[n];
        this.outputs = new Output[n][];
        builder.freezeInto(this);
    }

    /** A dictionary with no rules: finds nothing. */
    public static SensitiveWords empty() {
        return new SensitiveWords(Map.of());
    }

    /**
     * A dictionary of these rules. Disabled rules are kept (so {@link #rules()} shows them) but
     * match nothing. When a rule id appears more than once, the version with the latest
     * {@code updated_at} wins, and among equal times the later one in the collection.
     */
    public static SensitiveWords of(Collection<ModerationRule> rules) {
        Map<String, ModerationRule> byId = new HashMap<>();
        for (ModerationRule rule : rules) {
            byId.merge(rule.getRuleId(), rule, (held, offered) -> newer(offered, held) ? offered : held);
        }
        return new SensitiveWords(byId);
    }

    /**
     * The dictionary with this rule added or replaced; an update of a rule in {@code
     * moderation.rules}. A version older ({@code updated_at}) than the one held is a replay and
     * changes nothing; so does the very version held.
     *
     * @return a rebuilt dictionary, or {@code this} when nothing changed
     */
    public SensitiveWords withRule(ModerationRule rule) {
        ModerationRule held = rules.get(rule.getRuleId());
        if (held != null && (held.equals(rule) || !newer(rule, held))) {
            return this;
        }
        Map<String, ModerationRule> next = new HashMap<>(rules);
        next.put(rule.getRuleId(), rule);
        return new SensitiveWords(next);
    }

    /**
     * The dictionary without this rule; a tombstone (null value) for its key in
     * {@code moderation.rules}.
     *
     * @return a rebuilt dictionary, or {@code this} when the rule was not there
     */
    public SensitiveWords withoutRule(String ruleId) {
        if (!rules.containsKey(ruleId)) {
            return this;
        }
        Map<String, ModerationRule> next = new HashMap<>(rules);
        next.remove(ruleId);
        return new SensitiveWords(next);
    }

    private static boolean newer(ModerationRule offered, ModerationRule held) {
        return !offered.getUpdatedAt().isBefore(held.getUpdatedAt());
    }

    /** The rules held, enabled or not, by id. */
    public Map<String, ModerationRule> rules() {
        return rules;
    }

    /** Distinct phrases in the automaton (per rule, after folding). */
    public int phraseCount() {
        return phraseCount;
    }

    /**
     * Every occurrence of every enabled phrase in the text, ordered by start, end, rule id and
     * phrase. Case and compatibility variants match, and separators between the letters do not
     * stop a match ({@link TextFold}); a match spans from its first letter to its last.
     */
    public List<Match> find(String text) {
        if (phraseCount == 0 || text.isEmpty()) {
            return List.of();
        }
        List<Match> found = new ArrayList<>();
        // UTF-16 start index of the last maxPhraseLength code points, to turn a match's length in
        // code points back into its start in the original text.
        int[] starts = new int[maxPhraseLength];
        int state = 0;
        int index = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            int next = i + Character.charCount(codePoint);
            if (TextFold.ignorable(codePoint)) {
                // Spacing evasion: separators neither advance nor break a match.
                i = next;
                continue;
            }
            starts[index % maxPhraseLength] = i;
            int c = TextFold.fold(codePoint);
            int to = child(state, c);
            while (to < 0 && state != 0) {
                state = failure[state];
                to = child(state, c);
            }
            state = Math.max(to, 0);
            for (int s = outputs[state].length > 0 ? state : outputLink[state]; s > 0; s = outputLink[s]) {
                int start = starts[(index - depth[s] + 1) % maxPhraseLength];
                for (Output out : outputs[s]) {
                    found.add(new Match(out.ruleId(), out.severity(), out.phrase(), start, next));
                }
            }
            index++;
            i = next;
        }
        found.sort(TEXT_ORDER);
        return found;
    }

    /**
     * One verdict per rule that matched the text, in rule id order: the rule's id and severity,
     * and as evidence the matched phrases with their positions (at most
     * {@link #MAX_EVIDENCE_MATCHES}, then a count of the rest).
     *
     * @param subjectUserId who wrote the text
     * @param ref           what was judged ({@code ChatMessageRef} or {@code MomentRef})
     * @param detectedAt    the event time of the judged record
     * @param text          the text
     */
    public List<Verdict> verdicts(String subjectUserId, Object ref, Instant detectedAt, String text) {
        Map<String, List<Match>> byRule = new TreeMap<>();
        for (Match match : find(text)) {
            byRule.computeIfAbsent(match.ruleId(), k -> new ArrayList<>()).add(match);
        }
        List<Verdict> verdicts = new ArrayList<>();
        byRule.forEach((ruleId, matches) -> verdicts.add(Verdicts.verdict(
                ruleId, matches.get(0).severity(), subjectUserId, ref, detectedAt, evidence(text, matches))));
        return verdicts;
    }

    private static String evidence(String text, List<Match> matches) {
        StringBuilder out = new StringBuilder().append(matches.size()).append(matches.size() == 1 ? " match: " : " matches: ");
        for (int i = 0; i < Math.min(matches.size(), MAX_EVIDENCE_MATCHES); i++) {
            Match m = matches.get(i);
            String original = text.substring(m.start(), m.end());
            if (i > 0) {
                out.append(", ");
            }
            out.append('"').append(m.phrase()).append('"');
            if (!original.equals(m.phrase())) {
                out.append(" as \"").append(original).append('"');
            }
            out.append(" at ").append(m.start()).append("..").append(m.end());
        }
        if (matches.size() > MAX_EVIDENCE_MATCHES) {
            out.append(", and ").append(matches.size() - MAX_EVIDENCE_MATCHES).append(" more");
        }
        return out.toString();
    }

    private int child(int node, int label) {
        int at = Arrays.binarySearch(labels[node], label);
        return at >= 0 ? targets[node][at] : -1;
    }

    @Override
    public String toString() {
        return "SensitiveWords[rules=" + rules.size() + ", phrases=" + phraseCount + "]";
    }

    /** The trie while it is built; frozen into arrays by {@link #freezeInto}. */
    private static final class Builder {
        private final List<Map<Integer, Integer>> nodes = new ArrayList<>();
        private final List<List<Output>> nodeOutputs = new ArrayList<>();
        private final List<Integer> nodeDepth = new ArrayList<>();
        private int phraseCount;
        private int maxLength = 1;

        Builder() {
            newNode(0);
        }

        private int newNode(int atDepth) {
            nodes.add(new LinkedHashMap<>());
            nodeOutputs.add(new ArrayList<>());
            nodeDepth.add(atDepth);
            return nodes.size() - 1;
        }

        void add(String folded, Output output) {
            int node = 0;
            int length = 0;
            for (int i = 0; i < folded.length(); ) {
                int c = folded.codePointAt(i);
                i += Character.charCount(c);
                length++;
                Integer next = nodes.get(node).get(c);
                if (next == null) {
                    next = newNode(length);
                    nodes.get(node).put(c, next);
                }
                node = next;
            }
            nodeOutputs.get(node).add(output);
            phraseCount++;
            maxLength = Math.max(maxLength, length);
        }

        void freezeInto(SensitiveWords words) {
            int n = nodes.size();
            for (int node = 0; node < n; node++) {
                Map<Integer, Integer> edges = new TreeMap<>(nodes.get(node));
                int[] keys = edges.isEmpty() ? NO_EDGES : new int[edges.size()];
                int[] to = edges.isEmpty() ? NO_EDGES : new int[edges.size()];
                int k = 0;
                for (Map.Entry<Integer, Integer> e : edges.entrySet()) {
                    keys[k] = e.getKey();
                    to[k++] = e.getValue();
                }
                words.labels[node] = keys;
                words.targets[node] = to;
                words.depth[node] = nodeDepth.get(node);
                List<Output> outs = nodeOutputs.get(node);
                words.outputs[node] = outs.isEmpty() ? NO_OUTPUT : outs.toArray(Output[]::new);
            }
            // Failure links breadth first: a node's failure is the longest proper suffix of its
            // path that is also a path from the root; its output link is the nearest node on that
            // chain that ends a phrase (0 when none), so reporting walks only nodes with outputs.
            Deque<Integer> queue = new ArrayDeque<>();
            for (int child : words.targets[0]) {
                words.failure[child] = 0;
                words.outputLink[child] = 0;
                queue.add(child);
            }
            while (!queue.isEmpty()) {
                int node = queue.poll();
                int[] keys = words.labels[node];
                int[] to = words.targets[node];
                for (int k = 0; k < keys.length; k++) {
                    int child = to[k];
                    int f = words.failure[node];
                    int target = words.child(f, keys[k]);
                    while (target < 0 && f != 0) {
                        f = words.failure[f];
                        target = words.child(f, keys[k]);
                    }
                    int fail = Math.max(target, 0);
                    words.failure[child] = fail;
                    words.outputLink[child] = words.outputs[fail].length > 0 ? fail : words.outputLink[fail];
                    queue.add(child);
                }
            }
        }
    }
}
