package dev.kchat.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU used by each process of a run (load client, platform, broker, CQL server) and by the thread
 * groups of the platform and the client, over one measured window, as cores (CPU seconds / wall
 * seconds): the first thing to read when a figure is lower than hoped.
 */
public final class CpuWindow {

    private final Map<String, Long> pids;
    private final Map<String, Double> startProcess = new LinkedHashMap<>();
    private final Map<String, Map<String, Double>> startThreads = new LinkedHashMap<>();
    private final long startNanos;

    private CpuWindow(Map<String, Long> pids) {
        this.pids = pids;
        pids.forEach((name, pid) -> {
            startProcess.put(name, ProcStats.cpuSeconds(pid));
            startThreads.put(name, ProcStats.threadCpuSeconds(pid));
        });
        this.startNanos = System.nanoTime();
    }

    /** Starts a window over these processes (name → pid). */
    public static CpuWindow start(Map<String, Long> pids) {
        return new CpuWindow(pids);
    }

    /** Cores used per process and per busiest thread groups since the start. */
    public ObjectNode stop() {
        double wall = (System.nanoTime() - startNanos) / 1e9;
        ObjectNode out = JsonNodeFactory.instance.objectNode().put("wall_s", round(wall));
        ObjectNode processes = out.putObject("cores");
        ObjectNode threads = out.putObject("thread_cores");
        double total = 0;
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            double used = ProcStats.cpuSeconds(e.getValue()) - startProcess.get(e.getKey());
            total += used;
            processes.put(e.getKey(), round(used / wall));
            Map<String, Double> before = startThreads.get(e.getKey());
            Map<String, Double> delta = new LinkedHashMap<>();
            ProcStats.threadCpuSeconds(e.getValue()).forEach((g, s) -> delta.put(g, s - before.getOrDefault(g, 0.0)));
            ObjectNode groups = threads.putObject(e.getKey());
            delta.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                    .limit(8).filter(g -> g.getValue() / wall >= 0.005)
                    .forEach(g -> groups.put(g.getKey(), round(g.getValue() / wall)));
        }
        processes.put("total", round(total / wall));
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
