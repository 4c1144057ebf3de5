package dev.kchat.bench.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.bench.Args;
import dev.kchat.bench.ConversationsApi;
import dev.kchat.bench.PlatformProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fault-injection run ({@code bin/faults}): the platform as a child JVM, a paced load of
 * acknowledged sends over HTTP ({@link AckedLoad}), one fault injected mid-load ({@link Fault}) and the
 * platform restarted on the same data if the fault killed it, then every inbox and every history read
 * back and checked ({@link ConsistencyCheck}) until they agree with what was acknowledged or the settle
 * time ends. Prints one JSON line (also appended to {@code <run-dir>/faults.jsonl}) and a table row.
 */
public final class FaultRun {

    private static final Logger log = LoggerFactory.getLogger(FaultRun.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private FaultRun() {
    }

    static Args options() {
        return Args.describe("""
                FaultRun: acknowledged sends under a fault; lost, duplicated, out-of-order messages and seq gaps.
                Usage: bin/faults --fault platform-kill --messages 5000 --rate 100""")
                .option("fault", "platform-kill", "none, platform-kill, all-kill, cql-pause or broker-pause")
                .option("messages", "5000", "messages sent (each acknowledged before its sender's next)")
                .option("rate", "100", "messages/s offered (paced; a sender waiting for its ack falls behind its slots)")
                .option("groups", "20", "groups the messages go to")
                .option("group-size", "5", "members per group; every member sends")
                .option("fault-at", "0.3", "the fault comes when this fraction of the messages has been scheduled")
                .option("pause", "30s", "how long a *-pause fault stops the process")
                .option("give-up", "300s", "a send not acknowledged after this long (retrying) is given up: not expected anywhere")
                .option("settle", "180s", "how long the check re-reads until inboxes and histories agree with the acks")
                .option("guarantee", "exactly_once_v2", "routing and fanout processing guarantee: exactly_once_v2 or at_least_once")
                .option("set", "", "extra platform settings, comma-separated key=value")
                .option("platform-heap", "2g", "the platform JVM's heap (-Xms/-Xmx)")
                .option("run-dir", "bench/target/runs", "where each run's data folder, platform log and faults.jsonl go");
    }

    public static void main(String[] argv) throws Exception {
        Args args = options().parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        Fault fault = Fault.named(args.string("fault"));
        Path base = Path.of(args.string("run-dir")).toAbsolutePath();
        Path runDir = base.resolve("faults-" + fault.option + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Map<String, String> settings = new LinkedHashMap<>(PlatformProcess.freshPorts());
        settings.put("routing.processing.guarantee", args.string("guarantee"));
        settings.put("fanout.processing.guarantee", args.string("guarantee"));
        settings.put("local.moderation", "false");
        settings.putAll(args.keyValues("set"));
        String heap = args.string("platform-heap");
        AtomicReference<PlatformProcess> platform = new AtomicReference<>(PlatformProcess.startOn(runDir, heap, settings));
        try {
            ObjectNode result = run(args, fault, platform, runDir, heap, settings);
            String line = JSON.writeValueAsString(result);
            System.out.println(line);
            System.out.println(FaultTable.header());
            System.out.println(FaultTable.row(result));
            Files.writeString(base.resolve("faults.jsonl"), line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } finally {
            platform.get().close();
        }
    }

    private static ObjectNode run(Args args, Fault fault, AtomicReference<PlatformProcess> platform, Path runDir, String heap,
            Map<String, String> settings) throws Exception {
        String tag = "f" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        FaultWorld world = new FaultWorld(args.integer("groups"), args.integer("group-size"), platform.get().jwtSecret());
        // The ingress port is one of the settings, so a restarted platform answers at the same URL. Each
        // sender has one request in flight at most: room for all of them, so the pacer never waits.
        ConversationsApi api = new ConversationsApi(platform.get().ingressUrl(), world.senders() + 16);
        world.create(api, tag);
        int messages = args.integer("messages");
        AckedLoad load = new AckedLoad(api, world, id -> tag + "-" + id, messages, args.duration("give-up"));
        AtomicReference<Exception> faultFailure = new AtomicReference<>();
        long[] outage = new long[2];
        Thread injector = new Thread(() -> {
            try {
                outage[0] = System.nanoTime();
                fault.inject(platform.get(), args.duration("pause"));
                if (fault.restarts) {
                    log.info("restarting the platform on {}", runDir.resolve("data"));
                    platform.set(PlatformProcess.startOn(runDir, heap, settings));
                }
                outage[1] = System.nanoTime();
            } catch (Exception e) {
                faultFailure.set(e);
                log.error("injecting {} failed", fault.option, e);
            }
        }, "fault-injector");
        long start = System.nanoTime();
        load.run(args.decimal("rate"), (int) (messages * args.decimal("fault-at")), injector::start);
        injector.join();
        if (faultFailure.get() != null) {
            throw faultFailure.get();
        }
        long loadMillis = (System.nanoTime() - start) / 1_000_000;
        ConsistencyCheck check = new ConsistencyCheck(api, world, load, tag);
        long settleUntil = System.nanoTime() + args.duration("settle").toNanos();
        ConsistencyCheck.Report report = check.run();
        int passes = 1;
        while (!report.clean() && System.nanoTime() < settleUntil) {
            log.info("pass {} not yet consistent ({}); reading again in 5 s", passes, report);
            Thread.sleep(5_000);
            report = check.run();
            passes++;
        }
        ObjectNode out = JSON.createObjectNode().put("fault", fault.option).put("tag", tag).put("at", LocalDateTime.now().toString());
        ObjectNode opts = out.putObject("options");
        args.effective().forEach(opts::put);
        out.put("load_ms", loadMillis).put("fault_to_restarted_ms", (outage[1] - outage[0]) / 1_000_000)
                .put("retries", load.retries()).put("max_ack_ms", load.maxAckMillis()).put("check_passes", passes);
        out.set("report", JSON.valueToTree(report));
        out.put("run_dir", runDir.toString());
        return out;
    }
}
