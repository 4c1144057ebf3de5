package dev.kchat.bench;

import com.sun.net.httpserver.HttpServer;
import dev.kchat.service.tracing.SpanAttributes;
import dev.kchat.service.tracing.Tracing;
import dev.kchat.service.tracing.TracingSettings;
import dev.kchat.service.Settings;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * What one stage's span costs: the CPU time a stage's thread spends per record on tracing (continue
 * the record's trace, write the span's context into its headers, three attributes, end), with tracing
 * off and on, and on, the CPU of the whole process per span (the batch processor's and the OTLP/HTTP
 * exporter's threads, and the receiver this JVM runs for them: an upper bound of what the export
 * adds). Records are processed at {@code --rate} per second, so the export keeps up as it would in a
 * running stage.
 *
 * <p>A stage-level figure, not the platform's: a message to a group of N members makes 3 + 3N spans
 * (docs/operations.md, "Traces").
 */
public final class TracingCostBench {

    private static final String UPSTREAM = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private TracingCostBench() {
    }

    static Args options() {
        return Args.describe("""
                TracingCostBench: CPU per traced record of one stage, tracing off and on (OTLP/HTTP to a receiver in this JVM).
                Usage: bin/bench tracing-cost [--records 200000] [--rate 20000]""")
                .option("records", "200000", "records per measured run (after as many for warm-up)")
                .option("rate", "20000", "records per second");
    }

    public static void main(String[] argv) throws Exception {
        Args args = options().parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        int records = Integer.parseInt(args.string("records"));
        int rate = Integer.parseInt(args.string("rate"));
        AtomicLong received = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                received.addAndGet(in.readAllBytes().length);
            }
            requests.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        try {
            Tracing off = Tracing.off();
            run(off, records, rate);
            Result offResult = run(off, records, rate);

            TracingSettings settings = TracingSettings.from(Settings.of(Map.of(
                    "tracing.enabled", "true",
                    "tracing.otlp.endpoint", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces")), "kchat-bench");
            Result onResult;
            try (Tracing on = Tracing.start(settings)) {
                run(on, records, rate);
                received.set(0);
                requests.set(0);
                onResult = run(on, records, rate);
            }
            System.out.printf("{\"scenario\":\"tracing-cost\",\"records\":%d,\"rate\":%d,\"off_stage_cpu_ns_per_record\":%.0f,"
                    + "\"on_stage_cpu_ns_per_record\":%.0f,\"on_process_cpu_ns_per_record\":%.0f,\"off_process_cpu_ns_per_record\":%.0f,"
                    + "\"export_requests\":%d,\"exported_bytes_per_span\":%.0f}%n",
                    records, rate, offResult.stageNs(), onResult.stageNs(), onResult.processNs(), offResult.processNs(),
                    requests.get(), received.get() / (double) records);
            System.out.printf("tracing off: %.0f ns of the stage's CPU per record (%.0f ns of the process's)%n",
                    offResult.stageNs(), offResult.processNs());
            System.out.printf("tracing on:  %.0f ns of the stage's CPU per record, %.0f ns of the process's (export and receiver included);"
                    + " %d export requests, %.0f bytes per span exported%n", onResult.stageNs(), onResult.processNs(), requests.get(),
                    received.get() / (double) records);
        } finally {
            receiver.stop(0);
        }
    }

    record Result(double stageNs, double processNs) {
    }

    /** Processes {@code records} at {@code rate}/s as a stage does: continue, inject, attributes, end. */
    private static Result run(Tracing tracing, int records, int rate) throws InterruptedException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        byte[] parent = UPSTREAM.getBytes(StandardCharsets.UTF_8);
        long stageCpu = 0;
        long processStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        for (int i = 0; i < records; i++) {
            Headers headers = new RecordHeaders().add("traceparent", parent);
            long before = threads.getCurrentThreadCpuTime();
            Span span = tracing.continueFrom(headers, "bench.stage", SpanKind.CONSUMER);
            tracing.inject(span, headers);
            if (span.isRecording()) {
                span.setAttribute(SpanAttributes.CONVERSATION_ID, "g:bench");
                span.setAttribute(SpanAttributes.SEQ, i);
                span.setAttribute(SpanAttributes.USER_ID, "user-" + (i % 1000));
            }
            span.end();
            stageCpu += threads.getCurrentThreadCpuTime() - before;
            long due = start + (long) ((i + 1) * (1e9 / rate));
            long wait = due - System.nanoTime();
            if (wait > 1_000_000) {
                Thread.sleep(wait / 1_000_000);
            }
        }
        // Let the exporter send what is queued before the process's CPU is read.
        Thread.sleep(2_000);
        long processCpu = os.getProcessCpuTime() - processStart;
        // The measuring itself (getCurrentThreadCpuTime twice per record) is in both; so is the pacing.
        return new Result(stageCpu / (double) records, processCpu / (double) records);
    }
}
