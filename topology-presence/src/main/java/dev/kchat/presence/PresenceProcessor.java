package dev.kchat.presence;

import dev.kchat.events.presence.PresenceChanged;
import dev.kchat.events.presence.SessionEvent;
import dev.kchat.presence.PresenceRules.Outcome;
import dev.kchat.presence.state.LiveSession;
import dev.kchat.presence.state.UserState;
import dev.kchat.schemas.topic.Topic;
import dev.kchat.streams.RecordValues;
import dev.kchat.streams.SortableKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per user ({@code presence.sessions} is keyed by user id): applies each session event to the
 * user's {@link UserState} in {@value PresenceApp#USERS_STORE} and publishes a
 * {@link PresenceChanged} when {@link PresenceRules} says so.
 *
 * <p>Time is this app's wall clock ({@code currentSystemTimeMs}, mocked by the test driver): a
 * heartbeat TTL and a grace period are about how long the app has not heard from a device, which
 * record timestamps written by many edges cannot tell once the app lags or restarts.
 *
 * <p>A wall-clock punctuator handles what happens without an event (a session going silent, a held
 * or pending change falling due). So that a run does not scan every user, each user with something
 * ahead has exactly one entry in {@value PresenceApp#DEADLINES_STORE}, keyed by zero-padded time
 * then user: a run reads the index from its start up to now, at most {@link #MAX_DUE_PER_RUN}
 * entries. The entry is moved only when a deadline comes earlier than it; a later one (a heartbeat
 * extending a session) leaves it where it is, and the run that reaches it re-evaluates the user and
 * schedules the next one. A heartbeat therefore writes one record, not three.
 */
final class PresenceProcessor implements Processor<String, byte[], String, PresenceChanged> {

    /** Entries of the deadline index handled per punctuation; the rest wait for the next run. */
    static final int MAX_DUE_PER_RUN = 10_000;

    private static final Logger log = LoggerFactory.getLogger(PresenceProcessor.class);

    private final Topic<String, SessionEvent> sessionsTopic;
    private final PresenceRules rules;
    private final Duration punctuateInterval;
    private ProcessorContext<String, PresenceChanged> context;
    private KeyValueStore<String, UserState> users;
    private KeyValueStore<String, String> deadlines;

    PresenceProcessor(Topic<String, SessionEvent> sessionsTopic, PresenceRules rules, Duration punctuateInterval) {
        this.sessionsTopic = sessionsTopic;
        this.rules = rules;
        this.punctuateInterval = punctuateInterval;
    }

    @Override
    public void init(ProcessorContext<String, PresenceChanged> context) {
        this.context = context;
        users = context.getStateStore(PresenceApp.USERS_STORE);
        deadlines = context.getStateStore(PresenceApp.DEADLINES_STORE);
        context.schedule(punctuateInterval, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        SessionEvent event = RecordValues.decode(sessionsTopic, record);
        // The key decides the partition, hence the instance holding the user: a mismatch would
        // split one user's state across two keys.
        if (!event.getUserId().equals(record.key())) {
            throw new IllegalArgumentException("record key " + record.key() + " is not the event's user_id " + event.getUserId());
        }
        long now = context.currentSystemTimeMs();
        UserState state = users.get(event.getUserId());
        if (state == null) {
            state = PresenceRules.newUser(event.getUserId());
        }
        List<LiveSession> dropped = rules.apply(state, event, now);
        if (!dropped.isEmpty()) {
            log.warn("user {} has more than {} live sessions; dropped the least recently heard: {}", event.getUserId(),
                    PresenceRules.MAX_SESSIONS_PER_USER, dropped.stream().map(LiveSession::getSessionId).toList());
        }
        evaluateAndStore(state, now);
    }

    /** Handles the users whose deadline has come, earliest first. */
    private void punctuate(long now) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = deadlines.range(null, DeadlineKeys.upperBound(now))) {
            while (it.hasNext() && due.size() < MAX_DUE_PER_RUN) {
                due.add(it.next());
            }
        }
        for (KeyValue<String, String> entry : due) {
            // Removed before evaluating, so a user whose state cannot be processed does not fail
            // every run: the failure goes to the error topic once, and the user's next event
            // schedules them again.
            deadlines.delete(entry.key);
            try {
                UserState state = users.get(entry.value);
                if (state == null) {
                    log.warn("deadline {} names user {} who has no state; dropped", entry.key, entry.value);
                    continue;
                }
                state.setScheduledMs(null);
                evaluateAndStore(state, now);
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot evaluate the presence of user " + entry.value + " at its deadline", e);
            }
        }
        if (due.size() == MAX_DUE_PER_RUN) {
            log.warn("task {}: {} presence deadlines due in one run; the rest wait for the next", context.taskId(), MAX_DUE_PER_RUN);
        }
    }

    private void evaluateAndStore(UserState state, long now) {
        Outcome outcome = rules.evaluate(state, now);
        if (!outcome.expired().isEmpty()) {
            log.debug("user {}: sessions {} expired (no heartbeat)", state.getUserId(),
                    outcome.expired().stream().map(LiveSession::getSessionId).toList());
        }
        reschedule(state, rules.nextDeadline(state), now);
        users.put(state.getUserId(), state);
        if (outcome.change() != null) {
            context.forward(new Record<>(state.getUserId(), outcome.change(), now));
        }
    }

    /** Keeps the user's one deadline entry at or before their next deadline (see the class comment). */
    private void reschedule(UserState state, Long next, long now) {
        Long scheduled = state.getScheduledMs();
        if (next == null) {
            if (scheduled != null) {
                deadlines.delete(DeadlineKeys.key(scheduled, state.getUserId()));
                state.setScheduledMs(null);
            }
            return;
        }
        // An entry already due (scheduled <= now) is rewritten rather than trusted: the run that
        // reached it may have failed after deleting it.
        if (scheduled != null && scheduled <= next && scheduled > now) {
            return;
        }
        if (scheduled != null) {
            deadlines.delete(DeadlineKeys.key(scheduled, state.getUserId()));
        }
        deadlines.put(DeadlineKeys.key(next, state.getUserId()), state.getUserId());
        state.setScheduledMs(next);
    }

    /**
     * Keys of the deadline index: the time zero-padded to 19 digits, so that the byte order RocksDB
     * keeps is time order, then the user id.
     */
    static final class DeadlineKeys {

        private static final char SEPARATOR = '|';

        private DeadlineKeys() {
        }

        static String key(long epochMillis, String userId) {
            return SortableKeys.padded(Math.max(0, epochMillis)) + SEPARATOR + userId;
        }

        /** Exclusive upper bound of the keys whose time is at or before {@code epochMillis}. */
        static String upperBound(long epochMillis) {
            return SortableKeys.padded(Math.max(0, epochMillis) + 1) + SEPARATOR;
        }
    }
}
