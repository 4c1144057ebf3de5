package dev.kchat.media.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kchat.media.TestImages;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ContentSnifferTest {

    private final ContentSniffer sniffer = new ContentSniffer();

    @Test
    void shouldTellTheTypeFromTheBytes() {
        assertThat(sniffer.sniff(TestImages.plainJpeg(20, 20))).isEqualTo("image/jpeg");
        assertThat(sniffer.sniff(TestImages.png(20, 20))).isEqualTo("image/png");
        assertThat(sniffer.sniff("%PDF-1.7\n%âãÏÓ\n1 0 obj\n".getBytes(StandardCharsets.ISO_8859_1))).isEqualTo("application/pdf");
    }

    @Test
    void shouldNotTakeAScriptForAnImage() {
        String sniffed = sniffer.sniff("#!/bin/sh\nrm -rf /\n".getBytes(StandardCharsets.UTF_8));

        assertThat(sniffed).doesNotStartWith("image/");
        assertThat(MediaPolicy.kindOf(sniffed)).isEmpty();
    }

    @Test
    void shouldGroupTypesByKindIgnoringParametersAndCase() {
        assertThat(MediaPolicy.kindOf("IMAGE/JPEG; foo=bar")).contains(MediaPolicy.Kind.IMAGE);
        assertThat(MediaPolicy.kindOf("video/mp4")).contains(MediaPolicy.Kind.VIDEO);
        assertThat(MediaPolicy.kindOf("image/svg+xml")).isEmpty();
        assertThat(MediaPolicy.DEFAULTS.maxBytes(MediaPolicy.Kind.IMAGE)).isEqualTo(20 * MediaPolicy.MIB);
    }
}
