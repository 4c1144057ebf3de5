package dev.kchat.streams;

import dev.kchat.schemas.topic.Topics;
import dev.kchat.service.Settings;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Kafka Streams app (routing, fanout, presence): what they all have over the
 * {@link StreamsService} they own, its state, admin port, close and wait, and the body of their
 * {@code main} ({@link #runMain}). Each app adds its topology, its static {@code start} and
 * whatever else it runs next to Kafka Streams.
 */
public abstract class StreamsApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamsApp.class);

    private final StreamsService service;

    /** @param service the started service; this app closes it */
    protected StreamsApp(StreamsService service) {
        this.service = Objects.requireNonNull(service, "service");
    }

    /** The service this app runs on, for what an app adds (interactive queries). */
    protected final StreamsService service() {
        return service;
    }

    /** Current Kafka Streams state. */
    public KafkaStreams.State state() {
        return service.state();
    }

    /** The admin server's port (health, metrics). */
    public int adminPort() {
        return service.adminPort();
    }

    /**
     * Stops processing and leaves the group (see {@link StreamsService#close()}). Idempotent. An app
     * that runs more (a query server) overrides this to stop that first, then calls
     * {@code super.close()}.
     */
    @Override
    public void close() {
        service.close();
    }

    /**
     * Blocks until Kafka Streams has stopped for good (closed, or failed).
     *
     * @return true if it stopped in ERROR
     */
    public boolean awaitTermination() throws InterruptedException {
        return service.awaitTermination();
    }

    /**
     * The body of every Streams app's {@code main}: {@code --help} (or {@code -h}) prints
     * {@code help}; otherwise reads the config from {@code KCHAT_*}/{@code -D} settings with
     * {@code parse}, starts the app over the topics of the schema registry named by
     * {@code settings(config)}, closes it on the shutdown hook, and exits 1 if Kafka Streams fails
     * for good, so that a supervisor restarts the process.
     *
     * @param appName  the app's name, for the shutdown thread and the log
     * @param parse    reads the app's config, e.g. {@code RoutingConfig::from}
     * @param settings the config's shared Streams settings, e.g. {@code RoutingConfig::app}
     * @param start    starts the app, e.g. {@code RoutingApp::start}
     */
    public static <C> void runMain(String appName, String[] args, String help, Function<Settings, C> parse,
            Function<C, StreamsAppSettings> settings, BiFunction<C, Topics, ? extends StreamsApp> start)
            throws InterruptedException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(help);
            return;
        }
        C config = parse.apply(Settings.fromEnvironment());
        Topics topics = Topics.create(StreamsService.registryClient(settings.apply(config).schemaRegistryUrl()));
        StreamsApp app = start.apply(config, topics);
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, appName + "-shutdown"));
        if (app.awaitTermination()) {
            log.error("{} failed; exiting so that the supervisor restarts it", appName);
            System.exit(1);
        }
    }
}
