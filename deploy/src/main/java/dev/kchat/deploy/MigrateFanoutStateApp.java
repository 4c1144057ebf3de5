package dev.kchat.deploy;

import dev.kchat.service.Settings;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/migrate-fanout-state}: runs {@link FanoutStateMigration} once and exits with what
 * happened (0 done, 1 the cluster failed, 2 a wrong setting or argument, 3 refused). The steps
 * around it are in docs/operations.md, "Upgrades".
 */
public final class MigrateFanoutStateApp {

    private static final Logger log = LoggerFactory.getLogger(MigrateFanoutStateApp.class);

    static final int DONE = 0;
    static final int FAILED = 1;
    static final int WRONG_SETTING = 2;
    static final int REFUSED = 3;

    private MigrateFanoutStateApp() {
    }

    public static void main(String[] args) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.print(MigrateFanoutStateConfig.help());
            return;
        }
        System.exit(run(args, Settings.fromEnvironment()));
    }

    /** Parses the arguments, runs, logs the outcome; returns the exit status. */
    static int run(String[] args, Settings settings) {
        boolean dryRun = false;
        boolean force = false;
        boolean offsetsOnly = false;
        for (String arg : args) {
            switch (arg) {
                case "--dry-run" -> dryRun = true;
                case "--force" -> force = true;
                case "--offsets-only" -> offsetsOnly = true;
                default -> {
                    log.error("unknown argument {} (--help lists them)", arg);
                    return WRONG_SETTING;
                }
            }
        }
        MigrateFanoutStateConfig config;
        try {
            config = MigrateFanoutStateConfig.from(settings);
        } catch (Settings.ConfigException e) {
            log.error("{} (--help lists the settings)", e.getMessage());
            return WRONG_SETTING;
        }
        FanoutStateMigration.Options options = new FanoutStateMigration.Options(dryRun, force, offsetsOnly);
        log.info("moving the receipt {} of {} to {} on {}{}{}", offsetsOnly ? "offsets" : "state",
                config.fanoutApplicationId(), config.routingApplicationId(), config.bootstrapServers(),
                dryRun ? " (dry run: nothing is written)" : "", force ? " (forced)" : "");
        try {
            FanoutStateMigration.Outcome outcome = new FanoutStateMigration(config).run(options);
            outcome.describe().forEach(line -> log.info("{}", line));
            log.info(dryRun ? "dry run: safe to run, nothing written" : "done: start fanout, then routing");
            return DONE;
        } catch (MigrationRefusedException e) {
            e.reasons().forEach(reason -> log.error("refused: {}", reason));
            log.error("nothing was written");
            return REFUSED;
        } catch (RuntimeException e) {
            log.error("the migration failed: {}", e.getMessage(), e);
            return FAILED;
        }
    }
}
