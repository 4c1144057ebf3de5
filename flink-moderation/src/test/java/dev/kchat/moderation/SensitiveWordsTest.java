package dev.kchat.moderation;

import static dev.kchat.moderation.ModerationFixtures.rule;
import static dev.kchat.moderation.ModerationFixtures.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.kchat.events.moderation.ChatMessageRef;
import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.MomentRef;
import dev.kchat.events.moderation.Severity;
import dev.kchat.events.moderation.Verdict;
import dev.kchat.moderation.SensitiveWords.Match;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SensitiveWordsTest {

    @Test
    void shouldReportEveryOverlappingAndNestedOccurrenceWithPositions() {
        // Given the textbook dictionary he, she, his, hers
        SensitiveWords words = SensitiveWords.of(List.of(rule("r1", Severity.LOW, "he", "she", "his", "hers")));

        // When "ushers" is searched
        List<Match> found = words.find("ushers");

        // Then she (1..4), he (2..4) and hers (2..6) are all reported, in text order
        assertThat(found).extracting(Match::phrase, Match::start, Match::end)
                .containsExactly(tuple("she", 1, 4), tuple("he", 2, 4), tuple("hers", 2, 6));
    }

    @Test
    void shouldFindRepeatedAndSelfOverlappingOccurrences() {
        SensitiveWords words = SensitiveWords.of(List.of(rule("r1", Severity.LOW, "aa")));

        assertThat(words.find("aaaa")).extracting(Match::start).containsExactly(0, 1, 2);
    }

    @Test
    void shouldMatchRegardlessOfCaseAndCompatibilityForms() {
        // Given the phrase "Spam Link"
        SensitiveWords words = SensitiveWords.of(List.of(rule("r1", Severity.MEDIUM, "Spam Link")));

        // Then upper case, full-width letters and circled letters match, and positions point into the original
        String text = "x ＳＰＡＭ ｌｉｎｋ and SPAM LINK and ⓢⓟⓐⓜ ⓛⓘⓝⓚ";
        List<Match> found = words.find(text);
        assertThat(found).hasSize(3);
        assertThat(found).extracting(m -> text.substring(m.start(), m.end()))
                .containsExactly("ＳＰＡＭ ｌｉｎｋ", "SPAM LINK", "ⓢⓟⓐⓜ ⓛⓘⓝⓚ");
    }

    @Test
    void shouldMatchThroughSpacingSeparatorsAndInvisibleCharactersBetweenTheLetters() {
        // Given
        SensitiveWords words = SensitiveWords.of(List.of(rule("r1", Severity.HIGH, "free crypto")));

        // When / Then: the same phrase however it is spaced out, from its first letter to its last
        for (String text : List.of("get FREE  crypto", "get f r e e c r y p t o", "get free-crypto", "get fr\u200Bee.crypto",
                "get freecrypto", "get f.r.e.e\tc*r*y*p*t*o", "get \uFF46\uFF52\uFF45\uFF45 crypto")) {
            assertThat(words.find(text)).as(text).singleElement()
                    .satisfies(m -> assertThat(text.substring(m.start(), m.end())).startsWith(text.substring(4, 5)).endsWith("o"));
        }
        assertThat(words.find("free cryptic")).isEmpty();
    }

    @Test
    void shouldMatchLookAlikeLettersFromOtherScripts() {
        // Given a Latin phrase
        SensitiveWords words = SensitiveWords.of(List.of(rule("r1", Severity.HIGH, "scam")));

        // Then Cyrillic s, c, a (U+0455, U+0441, U+0430) and a Latin m read as it, positions in the original
        String text = "a \u0455\u0441\u0430m here";
        assertThat(words.find(text)).singleElement().satisfies(m -> assertThat(text.substring(m.start(), m.end()))
                .isEqualTo("\u0455\u0441\u0430m"));
        assertThat(words.find("a scum here")).isEmpty();
    }

    @Test
    void shouldMatchGreekAndTurkishCaseVariants() {
        // Given Greek with a final sigma and the Turkish dotted capital I
        SensitiveWords words = SensitiveWords.of(List.of(rule("r1", Severity.LOW, "ΟΔΟΣ", "istanbul")));

        // Then the lower-case word ending in a final sigma matches (the accented one does not), and "İSTANBUL" matches
        assertThat(words.find("\u03bf\u03b4\u03bf\u03c2 \u03ba\u03b1\u03b9 \u03bf\u03b4\u03cc\u03c2")).extracting(Match::phrase).containsExactly("ΟΔΟΣ");
        assertThat(words.find("İSTANBUL")).extracting(Match::start, Match::end).containsExactly(tuple(0, 8));
    }

    @Test
    void shouldMatchChineseWithoutSpacesAndCharactersBeyondTheBmp() {
        // Given a Chinese phrase, an emoji pair and a phrase with a supplementary CJK ideograph
        SensitiveWords words = SensitiveWords.of(List.of(rule("r1", Severity.HIGH, "赌博", "💊💊", "𠜎𠜱")));

        // When text mixes them with other characters of both planes
        String text = "网上赌博网站💊💊💊 𠜎𠜱!";
        List<Match> found = words.find(text);

        // Then positions are UTF-16 indexes of the original (surrogate pairs count two)
        assertThat(found).extracting(Match::phrase, Match::start, Match::end).containsExactly(
                tuple("赌博", 2, 4), tuple("💊💊", 6, 10), tuple("💊💊", 8, 12), tuple("𠜎𠜱", 13, 17));
        assertThat(found).allSatisfy(m -> assertThat(text.substring(m.start(), m.end())).isEqualTo(m.phrase()));
    }

    @Test
    void shouldUseEnabledRulesOnlyAndReportEachRuleOfASharedPhrase() {
        // Given two enabled rules sharing "scam", one disabled rule, and a rule repeating a phrase in two cases
        SensitiveWords words = SensitiveWords.of(List.of(
                rule("fraud", Severity.HIGH, "scam"),
                rule("spam", Severity.LOW, "scam", "SCAM", "free money"),
                rule("off", false, Severity.CRITICAL, 0, "free")));

        // When a text holds scam once
        List<Match> found = words.find("a scam");

        // Then each enabled rule reports it once; the disabled rule's word never matches
        assertThat(found).extracting(Match::ruleId, Match::severity).containsExactly(
                tuple("fraud", Severity.HIGH), tuple("spam", Severity.LOW));
        assertThat(words.find("free")).isEmpty();
        assertThat(words.phraseCount()).isEqualTo(3);
        assertThat(words.rules()).containsKeys("fraud", "spam", "off");
    }

    @Test
    void shouldIgnoreBlankPhrasesAndFindNothingInAnEmptyDictionaryOrText() {
        SensitiveWords words = SensitiveWords.of(List.of(rule("r1", Severity.LOW, "", "   ")));

        assertThat(words.phraseCount()).isZero();
        assertThat(words.find("anything at all")).isEmpty();
        assertThat(SensitiveWords.empty().find("bad")).isEmpty();
        assertThat(SensitiveWords.of(List.of(rule("r1", Severity.LOW, "bad"))).find("")).isEmpty();
    }

    @Test
    void shouldRebuildWhenARuleIsAddedChangedDisabledOrRemoved() {
        // Given a dictionary with one rule
        SensitiveWords v1 = SensitiveWords.of(List.of(rule("r1", true, Severity.LOW, 1, "alpha")));

        // When a second rule arrives, then r1 changes its words, then r1 is disabled, then r2 is deleted
        SensitiveWords v2 = v1.withRule(rule("r2", true, Severity.HIGH, 2, "beta"));
        SensitiveWords v3 = v2.withRule(rule("r1", true, Severity.LOW, 3, "gamma"));
        SensitiveWords v4 = v3.withRule(rule("r1", false, Severity.LOW, 4, "gamma"));
        SensitiveWords v5 = v4.withoutRule("r2");

        // Then each version matches exactly its words, and older versions are untouched
        assertThat(v1.find("alpha beta gamma")).extracting(Match::phrase).containsExactly("alpha");
        assertThat(v2.find("alpha beta gamma")).extracting(Match::phrase).containsExactly("alpha", "beta");
        assertThat(v3.find("alpha beta gamma")).extracting(Match::phrase).containsExactly("beta", "gamma");
        assertThat(v4.find("alpha beta gamma")).extracting(Match::phrase).containsExactly("beta");
        assertThat(v5.find("alpha beta gamma")).isEmpty();
    }

    @Test
    void shouldIgnoreAReplayedOlderVersionOfARuleAndRepeatsOfTheHeldOne() {
        // Given r1 at version 5
        ModerationRule held = rule("r1", true, Severity.LOW, 5, "new");
        SensitiveWords words = SensitiveWords.of(List.of(held));

        // When version 3 is replayed, the same version comes again, or an unknown rule is deleted
        // Then nothing is rebuilt
        assertThat(words.withRule(rule("r1", true, Severity.LOW, 3, "old"))).isSameAs(words);
        assertThat(words.withRule(held)).isSameAs(words);
        assertThat(words.withoutRule("nope")).isSameAs(words);
        // And of(...) keeps the newest version of a duplicated id
        assertThat(SensitiveWords.of(List.of(held, rule("r1", true, Severity.LOW, 3, "old"))).find("old new"))
                .extracting(Match::phrase).containsExactly("new");
    }

    @Test
    void shouldAgreeWithANaiveSearchOnRandomTexts() {
        // Given random phrases and texts over a small alphabet (many overlaps)
        Random random = new Random(42);
        List<String> phrases = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            phrases.add(randomWord(random, 1 + random.nextInt(4)));
        }
        SensitiveWords words = SensitiveWords.of(List.of(rule("r", Severity.LOW, phrases.toArray(String[]::new))));
        List<String> distinct = phrases.stream().distinct().toList();

        for (int round = 0; round < 200; round++) {
            String text = randomWord(random, random.nextInt(30));
            // When both search
            List<String> naive = new ArrayList<>();
            for (int start = 0; start < text.length(); start++) {
                for (String p : distinct) {
                    if (text.startsWith(p, start)) {
                        naive.add(start + ":" + (start + p.length()) + ":" + p);
                    }
                }
            }
            List<String> automaton = words.find(text).stream().map(m -> m.start() + ":" + m.end() + ":" + m.phrase()).toList();
            // Then they find the same occurrences
            assertThat(automaton).as("text %s", text).containsExactlyInAnyOrderElementsOf(naive);
        }
    }

    @Test
    void shouldGiveOneVerdictPerMatchedRuleWithEvidenceAndAStableId() {
        // Given two rules
        SensitiveWords words = SensitiveWords.of(List.of(rule("fraud", Severity.HIGH, "scam"),
                rule("drugs", Severity.CRITICAL, "pills", "💊")));
        ChatMessageRef ref = ChatMessageRef.newBuilder().setConversationId("c1").setSeq(7).setMessageId("m7").build();

        // When a message holds words of both
        List<Verdict> verdicts = words.verdicts("mallory", ref, s(1), "cheap PILLS 💊, no SCAM");

        // Then one verdict per rule, in rule id order, with severity, ref and evidence
        assertThat(verdicts).extracting(Verdict::getRule, Verdict::getSeverity)
                .containsExactly(tuple("drugs", Severity.CRITICAL), tuple("fraud", Severity.HIGH));
        assertThat(verdicts).allSatisfy(v -> {
            assertThat(v.getSubjectUserId()).isEqualTo("mallory");
            assertThat(v.getRef()).isEqualTo(ref);
            assertThat(v.getDetectedAt()).isEqualTo(s(1));
        });
        assertThat(verdicts.get(0).getEvidence()).isEqualTo("2 matches: \"pills\" as \"PILLS\" at 6..11, \"💊\" at 12..14");
        assertThat(verdicts.get(1).getEvidence()).isEqualTo("1 match: \"scam\" as \"SCAM\" at 19..23");
        // And replaying the same input gives the same ids
        assertThat(words.verdicts("mallory", ref, s(1), "cheap PILLS 💊, no SCAM"))
                .extracting(Verdict::getVerdictId).containsExactlyElementsOf(verdicts.stream().map(Verdict::getVerdictId).toList());
        assertThat(verdicts.get(0).getVerdictId()).isNotEqualTo(verdicts.get(1).getVerdictId());
    }

    @Test
    void shouldCapTheEvidenceAndJudgeMomentsToo() {
        SensitiveWords words = SensitiveWords.of(List.of(rule("r", Severity.LOW, "x")));
        MomentRef ref = MomentRef.newBuilder().setPostId("p1").setCommentId("c1").build();

        List<Verdict> verdicts = words.verdicts("u", ref, s(0), "x".repeat(25));

        assertThat(verdicts).singleElement().satisfies(v -> {
            assertThat(v.getRef()).isEqualTo(ref);
            assertThat(v.getEvidence()).startsWith("25 matches: \"x\" at 0..1, ").endsWith(", and 5 more");
        });
        assertThat(words.verdicts("u", ref, s(0), "nothing here")).isEmpty();
    }

    private static String randomWord(Random random, int length) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            out.append("abc".charAt(random.nextInt(3)));
        }
        return out.toString();
    }
}
