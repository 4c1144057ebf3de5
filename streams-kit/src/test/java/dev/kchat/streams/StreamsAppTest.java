package dev.kchat.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamsAppTest {

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h"})
    void shouldPrintTheHelpWithoutReadingSettingsOrStarting(String flag) throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            StreamsApp.runMain("test-app", new String[] {flag}, "the settings\n",
                    settings -> calls.incrementAndGet(), config -> { calls.incrementAndGet(); return null; },
                    (config, topics) -> { calls.incrementAndGet(); return null; });
        } finally {
            System.setOut(stdout);
        }

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("the settings\n");
        assertThat(calls).hasValue(0);
    }
}
