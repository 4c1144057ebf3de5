package dev.kchat.media.check;

import org.apache.tika.Tika;

/**
 * The real content type of an object, from its first bytes (magic numbers, Apache Tika's core
 * detector), never from what the client declared or the file name: a script named {@code cat.jpg}
 * is {@code text/plain} here. Thread-safe.
 */
public final class ContentSniffer {

    /** How many leading bytes are read: enough for every magic the detector knows. */
    public static final int PREFIX_BYTES = 64 * 1024;

    private final Tika tika = new Tika();

    /** The detected type of content starting with {@code prefix}, e.g. {@code image/jpeg}; {@code application/octet-stream} if unknown. */
    public String sniff(byte[] prefix) {
        // detect(byte[]) looks at the bytes only (no name hint): what the client says plays no part.
        return tika.detect(prefix);
    }
}
