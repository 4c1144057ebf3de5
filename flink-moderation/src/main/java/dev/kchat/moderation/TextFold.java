package dev.kchat.moderation;

import com.ibm.icu.text.SpoofChecker;
import java.text.Normalizer;

/**
 * How moderation compares text: per code point, case-insensitively and across compatibility
 * variants, so {@code "ＢＡＤ"}, {@code "Bad"} and {@code "ⓑⓐⓓ"} all read as {@code "bad"}.
 *
 * <p>{@link #fold(int)} maps one code point to one code point: NFKC of that code point alone when
 * that is a single code point (full-width and circled letters, ligature-free compatibility forms,
 * long s), then simple case folding ({@code toLowerCase(toUpperCase(c))}, which also unifies
 * final sigma, dotted and dotless i). Because it never changes the number of code points,
 * positions found in folded text are positions in the original text.
 *
 * <p>Then look-alikes: a code point whose Unicode confusable skeleton (UTS #39, by ICU's
 * {@code SpoofChecker}) is one code point reads as that prototype, so {@code "sсаm"} with Cyrillic
 * {@code с} and {@code а}, or {@code "fr33"} where the skeleton maps digits, meet the Latin
 * phrase. Skeletons of several code points ({@code "m"} and {@code "rn"}) are not applied.
 *
 * <p>Matching also skips separators ({@link #ignorable}): whitespace, invisible format characters
 * and separator punctuation, in phrases and text alike.
 *
 * <p>Limits of the one-to-one mapping, stated rather than hidden: {@code "ß"} does not match
 * {@code "ss"}, a ligature such as {@code "ﬁ"} does not match {@code "fi"}, and a decomposed accent
 * ({@code "e\u0301"}) does not match the precomposed letter ({@code "é"}).
 */
final class TextFold {

    /** Unicode's confusable skeletons (UTS #39), by ICU: no hand-written look-alike table.
     * Declared before the table, which uses it. */
    private static final SpoofChecker SPOOF = new SpoofChecker.Builder().build();

    /** Folded value of every BMP code point, computed once: the matcher's hot loop is a table read. */
    private static final char[] BMP = buildBmpTable();

    private TextFold() {
    }

    /** The folded form of one code point. */
    static int fold(int codePoint) {
        if (codePoint < 0x80) {
            return codePoint >= 'A' && codePoint <= 'Z' ? codePoint + ('a' - 'A') : codePoint;
        }
        if (codePoint <= 0xFFFF) {
            return BMP[codePoint];
        }
        return computeFold(codePoint);
    }

    /** Separator punctuation that spammers put between letters ({@code "f.r.e.e"}, {@code "f-r-e-e"}). */
    private static final String SEPARATORS = ".-_*~|/\\·•+'\"`,:;";

    /**
     * Whether matching skips this code point: whitespace of any kind, invisible format characters
     * (zero-width space and joiners, soft hyphen) and separator punctuation, so {@code "f r e e"},
     * {@code "FREE  crypto"} and {@code "fr\u200Bee"} read as {@code "free"}. The cost is matches
     * across word boundaries ({@code "scam"} in {@code "is cam"}): dictionaries should hold phrases
     * specific enough to bear it.
     */
    static boolean ignorable(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)
                || Character.getType(codePoint) == Character.FORMAT
                || (codePoint < 0x2100 && SEPARATORS.indexOf(codePoint) >= 0);
    }

    /** A phrase as the matcher stores it: folded, without the code points matching skips. */
    static String foldPhrase(String phrase) {
        StringBuilder out = new StringBuilder(phrase.length());
        phrase.codePoints().filter(cp -> !ignorable(cp)).forEach(cp -> out.appendCodePoint(fold(cp)));
        return out.toString();
    }

    /** The folded form of a string, code point by code point. */
    static String fold(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> out.appendCodePoint(fold(cp)));
        return out.toString();
    }

    private static char[] buildBmpTable() {
        char[] table = new char[0x10000];
        for (int cp = 0; cp <= 0xFFFF; cp++) {
            int folded = Character.isSurrogate((char) cp) ? cp : computeFold(cp);
            // A BMP code point whose fold leaves the BMP would not fit a char: keep it unfolded.
            table[cp] = folded <= 0xFFFF ? (char) folded : (char) cp;
        }
        return table;
    }

    private static int computeFold(int codePoint) {
        int c = codePoint;
        String alone = new String(Character.toChars(codePoint));
        String compat = Normalizer.normalize(alone, Normalizer.Form.NFKC);
        if (compat.codePointCount(0, compat.length()) == 1) {
            c = compat.codePointAt(0);
        }
        c = Character.toLowerCase(Character.toUpperCase(c));
        // A look-alike of another letter (Cyrillic 'а', Greek 'ο', '0' for 'o') reads as that letter,
        // when its skeleton is one code point (keeping the one-to-one mapping); folded again, as the
        // prototype may be a capital.
        String skeleton = SPOOF.getSkeleton(new String(Character.toChars(c)));
        if (skeleton.codePointCount(0, skeleton.length()) == 1) {
            int prototype = skeleton.codePointAt(0);
            c = Character.toLowerCase(Character.toUpperCase(prototype));
        }
        return c;
    }
}
