package dev.kchat.bench;

import java.io.File;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * What a run wrote to Kafka, per topic: data records, batches and transaction markers, read from the
 * log segments a stopped broker left in a run's folder. With {@code --messages N} it also prints the
 * records per message, the platform's write amplification, which unlike latency does not depend on
 * how busy the machine was.
 *
 * <p>Written by hand because nothing on the build's classpath reads segment files: Kafka's
 * {@code DumpLogSegments} is in {@code kafka-tools}, which the build does not have. It uses
 * {@code FileRecords} from kafka-clients' internal record package (4.3), the class the broker itself
 * reads segments with; a Kafka upgrade may move it.
 */
public final class LogRecords {

    private LogRecords() {
    }

    static Args options() {
        return Args.describe("""
                LogRecords: data records, batches and transaction markers per topic in a stopped broker's log segments.
                Usage: bin/bench log-records --run bench/target/runs/group-chat-<time> [--messages 31480]""")
                .option("run", "", "a run's folder (its data/kafka/logs is read) or a broker's log dir")
                .option("messages", "0", "messages the run sent (warm-up included); > 0 adds records per message");
    }

    public static void main(String[] argv) throws IOException {
        Args args = options().parse(argv);
        if (args.helpRequested() || args.string("run").isEmpty()) {
            System.out.print(args.help());
            return;
        }
        File dir = new File(args.string("run"));
        File logs = new File(dir, "data/kafka/logs");
        Map<String, long[]> counts = count(logs.isDirectory() ? logs : dir);
        int messages = args.integer("messages");
        System.out.printf("%-58s %10s %8s %8s%s%n", "topic", "records", "batches", "markers", messages > 0 ? "  per message" : "");
        long[] total = new long[3];
        counts.forEach((topic, c) -> {
            System.out.printf("%-58s %10d %8d %8d%s%n", topic, c[0], c[1], c[2],
                    messages > 0 ? String.format("  %6.2f", c[0] / (double) messages) : "");
            for (int i = 0; i < 3; i++) {
                total[i] += c[i];
            }
        });
        System.out.printf("%-58s %10d %8d %8d%s%n", "total", total[0], total[1], total[2],
                messages > 0 ? String.format("  %6.2f (markers %.2f)", total[0] / (double) messages, total[2] / (double) messages) : "");
    }

    /** Topic -> {data records, data batches, control (marker) records}, topics with nothing left out. */
    static Map<String, long[]> count(File logDir) throws IOException {
        File[] partitions = logDir.listFiles(File::isDirectory);
        if (partitions == null) {
            throw new IllegalArgumentException("not a directory: " + logDir);
        }
        Map<String, long[]> byTopic = new TreeMap<>();
        for (File partition : partitions) {
            File[] segments = partition.listFiles((d, name) -> name.endsWith(".log"));
            if (segments == null || !partition.getName().matches(".+-\\d+")) {
                continue;
            }
            long[] c = byTopic.computeIfAbsent(partition.getName().replaceAll("-\\d+$", ""), t -> new long[3]);
            for (File segment : segments) {
                try (FileRecords records = FileRecords.open(segment)) {
                    for (RecordBatch batch : records.batches()) {
                        int n = 0;
                        for (var ignored : batch) {
                            n++;
                        }
                        if (batch.isControlBatch()) {
                            c[2] += n;
                        } else {
                            c[0] += n;
                            c[1]++;
                        }
                    }
                }
            }
        }
        byTopic.values().removeIf(c -> c[0] + c[2] == 0);
        return byTopic;
    }
}
