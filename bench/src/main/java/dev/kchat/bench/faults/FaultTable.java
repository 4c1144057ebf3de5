package dev.kchat.bench.faults;

import com.fasterxml.jackson.databind.JsonNode;

/** The fault runs' table row (Markdown), as in docs/benchmarks.md, from a run's JSON line. */
final class FaultTable {

    private FaultTable() {
    }

    static String header() {
        return "| fault | acked | refused / given up | inbox entries (outcomes) | lost (inbox / history) | duplicated (inbox / history)"
                + " | out of order (inbox / history) | seq gaps (inbox / history) | retries | longest ack |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";
    }

    static String row(JsonNode run) {
        JsonNode r = run.path("report");
        return String.format("| %s | %,d | %d / %d | %,d (%,d) | %d / %d | %d / %d | %d / %d | %d / %d | %,d | %.1f s |",
                run.path("fault").asText(), r.path("acked").asLong(), r.path("refused").asLong(), r.path("gaveUp").asLong(),
                r.path("inboxEntries").asLong(), r.path("inboxOutcomes").asLong(), r.path("inboxLost").asLong(), r.path("historyLost").asLong(),
                r.path("inboxDuplicates").asLong(), r.path("historyDuplicates").asLong(),
                r.path("inboxOutOfOrder").asLong(), r.path("historyOutOfOrder").asLong(),
                r.path("inboxGaps").asLong(), r.path("historyGaps").asLong(), run.path("retries").asLong(),
                run.path("max_ack_ms").asLong() / 1000.0);
    }
}
