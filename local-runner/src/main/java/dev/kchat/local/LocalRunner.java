package dev.kchat.local;

import dev.kchat.service.Settings;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/run-local}: the whole platform on this machine ({@link LocalPlatform}), or with
 * {@code --instances N} a cluster of processes ({@link LocalCluster}); runs until Ctrl-C.
 */
public final class LocalRunner {

    private static final Logger log = LoggerFactory.getLogger(LocalRunner.class);

    private LocalRunner() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(LocalConfig.help());
            return;
        }
        Settings settings = Settings.fromEnvironment();
        LocalConfig config = LocalConfig.from(settings);
        int instances = LocalCluster.instances(args, settings);
        if (instances > 1) {
            LocalCluster.run(config, instances, settings);
            return;
        }
        LocalPlatform platform = LocalPlatform.start(config, settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping the local platform");
            platform.close();
            stopped.countDown();
        }, "local-platform-shutdown"));
        System.out.println(platform.summary());
        stopped.await();
    }
}
