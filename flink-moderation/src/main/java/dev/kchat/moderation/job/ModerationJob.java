package dev.kchat.moderation.job;

import dev.kchat.moderation.ModerationConfig;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

/**
 * The moderation job: content from {@code chat.conversation.log} and {@code moments.events},
 * judged by the detectors against the rules broadcast from {@code moderation.rules}; verdicts,
 * actions, per-minute stats and processing failures out.
 *
 * <pre>
 *  chat.conversation.log ─┐                       ┌─▶ sensitive words ─────────┐
 *  moments.events ────────┴─▶ decode ─▶ content ──┼─▶ rate burst (by sender) ──┤
 *                               │                 └─▶ flood (by sender+hash) ──┼─▶ verdicts ─▶ action policy ─▶ actions
 *                               └─▶ chat activity ─▶ creators (by conversation)│        │                       │
 *                                     ─▶ stranger spam (by actor) ─────────────┘  content, verdicts, actions ─▶ stats (1 min)
 *  moderation.rules ─▶ decode ─▶ broadcast state ──────▶ (all four detectors)
 *  decoding and processing failures ─▶ platform.errors
 * </pre>
 *
 * <p>Shaped as apache/flink-training's jobs: sources and sinks come in through the constructor
 * ({@link KafkaConnectors} makes the real ones), {@link #build} lays out the graph and
 * {@link #execute} runs it. Every operator has a fixed uid (the {@code UID_*} constants), so a
 * savepoint of one version restores into the next; never change a uid of a stateful operator.
 */
public final class ModerationJob {

    public static final String NAME = "kchat-moderation";

    public static final String UID_SOURCE_CHAT = "source-chat-log";
    public static final String UID_SOURCE_MOMENTS = "source-moments";
    public static final String UID_SOURCE_RULES = "source-rules";
    public static final String UID_DECODE_CONTENT = "decode-content";
    public static final String UID_DECODE_RULES = "decode-rules";
    public static final String UID_SENSITIVE_WORDS = "sensitive-words";
    public static final String UID_RATE_BURST = "rate-burst";
    public static final String UID_FLOOD = "flood";
    public static final String UID_CONVERSATION_CREATORS = "conversation-creators";
    public static final String UID_STRANGER_SPAM = "stranger-spam";
    public static final String UID_ACTION_POLICY = "action-policy";
    public static final String UID_STATS = "stats";
    public static final String UID_SINK_VERDICTS = "sink-verdicts";
    public static final String UID_SINK_ACTIONS = "sink-actions";
    public static final String UID_SINK_STATS = "sink-stats";
    public static final String UID_SINK_ERRORS = "sink-errors";

    /** Where content and rules come from. */
    public record Sources(Source<Inbound, ?, ?> chatLog, Source<Inbound, ?, ?> moments, Source<RuleUpdate, ?, ?> rules) {
    }

    /** Where verdicts, actions, stats and failures go. */
    public record Sinks(Sink<Detection> verdicts, Sink<Enforcement> actions, Sink<Stats.Window> stats, Sink<Failure> errors) {
    }

    /**
     * Event-time settings.
     *
     * @param outOfOrderness how far event time may go backwards within a partition
     * @param idleness       a partition quiet this long stops holding the watermark back (an empty
     *                       {@code moments.events} partition, a {@code moderation.rules} read to its end)
     * @param statsWindow    the stats window length
     */
    public record Timing(Duration outOfOrderness, Duration idleness, Duration statsWindow) {
        public static Timing of(JobSettings settings) {
            return new Timing(settings.outOfOrderness(), settings.idleness(), settings.statsWindow());
        }
    }

    private final Sources sources;
    private final Sinks sinks;
    private final ModerationConfig config;
    private final Timing timing;

    public ModerationJob(Sources sources, Sinks sinks, ModerationConfig config, Timing timing) {
        this.sources = Objects.requireNonNull(sources, "sources");
        this.sinks = Objects.requireNonNull(sinks, "sinks");
        this.config = Objects.requireNonNull(config, "config");
        this.timing = Objects.requireNonNull(timing, "timing");
    }

    /** Lays out the job's graph on {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        WatermarkStrategy<Inbound> contentTime = WatermarkStrategy.<Inbound>forBoundedOutOfOrderness(timing.outOfOrderness())
                // A failure has no event time of its own: it must not move the watermark.
                .withTimestampAssigner((in, kafkaTime) -> in.at())
                .withIdleness(timing.idleness());
        // Rules have no event time: their input is always idle, so the detectors' watermark is the
        // content's alone (neither held back by a quiet rules topic nor pushed to the wall clock
        // by a rule change while content is idle, which would close stats windows early).
        WatermarkStrategy<RuleUpdate> rulesTime = WatermarkStrategy.forGenerator(context -> new AlwaysIdle<>());

        DataStream<Inbound> chat = env.fromSource(sources.chatLog(), contentTime, "chat.conversation.log").uid(UID_SOURCE_CHAT);
        DataStream<Inbound> moments = env.fromSource(sources.moments(), contentTime, "moments.events").uid(UID_SOURCE_MOMENTS);
        SingleOutputStreamOperator<Content> content = chat.union(moments)
                .process(new Inputs.SplitContent()).uid(UID_DECODE_CONTENT).name("content");
        SingleOutputStreamOperator<RuleUpdate> ruleUpdates = env.fromSource(sources.rules(), rulesTime, "moderation.rules").uid(UID_SOURCE_RULES)
                .process(new Inputs.SplitRules()).uid(UID_DECODE_RULES).name("rules");
        BroadcastStream<RuleUpdate> rules = ruleUpdates.broadcast(RuleBook.RULES);

        SingleOutputStreamOperator<Detection> words = content.connect(rules)
                .process(new SensitiveWordsFunction(config)).uid(UID_SENSITIVE_WORDS).name("sensitive words");
        SingleOutputStreamOperator<Detection> bursts = content.keyBy(Content::senderId).connect(rules)
                .process(new RateBurstFunction(config)).uid(UID_RATE_BURST).name("rate burst");
        SingleOutputStreamOperator<Detection> floods = content.filter(c -> c.kind() == Content.Kind.CHAT).name("chat only")
                .keyBy(Content::senderAndContent).connect(rules)
                .process(new FloodFunction(config)).uid(UID_FLOOD).name("flood");
        SingleOutputStreamOperator<Activity> marked = content.getSideOutput(Inputs.ACTIVITY).keyBy(Activity::conversationId)
                .process(new ConversationCreators(config)).uid(UID_CONVERSATION_CREATORS).name("conversation creators");
        SingleOutputStreamOperator<Detection> strangers = marked.keyBy(Activity::actorId).connect(rules)
                .process(new StrangerSpamFunction(config)).uid(UID_STRANGER_SPAM).name("stranger spam");
        DataStream<Detection> verdicts = words.union(bursts, floods, strangers);
        SingleOutputStreamOperator<Enforcement> actions = verdicts
                .flatMap(new ActionPolicy.ToActions()).uid(UID_ACTION_POLICY).name("action policy");

        SingleOutputStreamOperator<Stats.Window> stats = content.map(Stats.Event::of).name("count content")
                .union(verdicts.map(Stats.Event::of).name("count verdicts"), actions.map(Stats.Event::of).name("count actions"))
                .windowAll(TumblingEventTimeWindows.of(timing.statsWindow()))
                .aggregate(new Stats.Count(), new Stats.Emit(), TypeInformation.of(Stats.Counts.class),
                        TypeInformation.of(Stats.Counts.class), TypeInformation.of(Stats.Window.class))
                .uid(UID_STATS).name("stats");

        DataStream<Failure> failures = content.getSideOutput(Detectors.FAILURES).union(
                ruleUpdates.getSideOutput(Detectors.FAILURES), words.getSideOutput(Detectors.FAILURES),
                bursts.getSideOutput(Detectors.FAILURES), floods.getSideOutput(Detectors.FAILURES),
                strangers.getSideOutput(Detectors.FAILURES));

        verdicts.sinkTo(sinks.verdicts()).uid(UID_SINK_VERDICTS).name("moderation.verdicts");
        actions.sinkTo(sinks.actions()).uid(UID_SINK_ACTIONS).name("moderation.actions");
        stats.sinkTo(sinks.stats()).uid(UID_SINK_STATS).name("moderation.stats");
        failures.sinkTo(sinks.errors()).uid(UID_SINK_ERRORS).name("platform.errors");
    }

    /** A watermark generator for a stream without event time: it never emits one and is always idle. */
    static final class AlwaysIdle<T> implements WatermarkGenerator<T> {
        @Override
        public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.markIdle();
        }
    }

    /** Builds the graph and runs it until it ends (on a cluster: until cancelled). */
    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.execute(NAME);
    }

    /** Builds the graph and submits it, returning at once. */
    public JobClient executeAsync(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.executeAsync(NAME);
    }
}
