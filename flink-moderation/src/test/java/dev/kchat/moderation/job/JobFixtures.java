package dev.kchat.moderation.job;

import dev.kchat.events.moderation.ModerationRule;
import dev.kchat.events.moderation.Severity;
import dev.kchat.moderation.Flood;
import dev.kchat.schemas.topic.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/** Named instants, record builders and state probes shared by the job's tests. */
final class JobFixtures {

    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private JobFixtures() {
    }

    static long s(long seconds) {
        return T0.plusSeconds(seconds).toEpochMilli();
    }

    static Content chat(String sender, String conversation, long seq, long at, String body) {
        return new Content(Content.Kind.CHAT, sender, conversation, seq, "m-" + conversation + "-" + seq, null, null, at, body,
                Flood.contentHash(Flood.normalise(body)), Topics.CONVERSATION_LOG, 0, seq);
    }

    static Content post(String author, String postId, long at, String text) {
        return new Content(Content.Kind.MOMENT, author, null, 0, null, postId, null, at, text, null, Topics.MOMENTS_EVENTS, 0, 0);
    }

    /** A ConversationCreated by {@code creator}, as chat log activity. */
    static Activity created(String creator, String conversation, long at) {
        return new Activity(Activity.Kind.CREATED, creator, conversation, 1, null, at, false, Topics.CONVERSATION_LOG, 0, 0);
    }

    /** A MessagePosted by {@code sender}, as chat log activity (not yet marked by the creators step). */
    static Activity posted(String sender, String conversation, long seq, long at) {
        return new Activity(Activity.Kind.POSTED, sender, conversation, seq, "m-" + conversation + "-" + seq, at, false,
                Topics.CONVERSATION_LOG, 0, seq);
    }

    /** Any other event by {@code actor} (a join, a reaction), as chat log activity. */
    static Activity joined(String actor, String conversation, long seq, long at) {
        return new Activity(Activity.Kind.OTHER, actor, conversation, seq, null, at, false, Topics.CONVERSATION_LOG, 0, seq);
    }

    static ModerationRule dictionary(String id, Severity severity, long updatedAt, String... words) {
        return rule(id, true, severity, updatedAt, List.of(words), Map.of());
    }

    static ModerationRule rule(String id, boolean enabled, Severity severity, long updatedAt, List<String> words, Map<String, String> params) {
        return ModerationRule.newBuilder().setRuleId(id).setEnabled(enabled).setSeverity(severity).setWords(words)
                .setParams(params).setUpdatedBy("admin:test").setUpdatedAt(Instant.ofEpochMilli(updatedAt)).build();
    }

    /** Keyed state entries of these states (under every key) of a harness's operator. */
    static long keyedEntries(AbstractStreamOperatorTestHarness<?> harness, String... states) {
        KeyedStateBackend<Object> backend = ((AbstractStreamOperator<?>) harness.getOperator()).getKeyedStateBackend();
        long n = 0;
        for (String state : states) {
            n += backend.getKeys(state, VoidNamespace.INSTANCE).count();
        }
        return n;
    }
}
