package dev.kchat.edge.load;

import java.lang.management.ManagementFactory;

/** The machine's recent CPU load, 0..1 (0 where the JVM cannot tell), for {@link LoadShedder}. */
public final class MachineLoad {

    private static final com.sun.management.OperatingSystemMXBean OS =
            ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os ? os : null;

    private MachineLoad() {
    }

    public static double cpu() {
        return OS == null ? 0 : Math.max(0, OS.getCpuLoad());
    }
}
