package dev.kchat.moderation.job;

import dev.kchat.events.moderation.ModerationRule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * One record of {@code moderation.rules} as broadcast to every detector: the rule id and the rule
 * in plain Avro binary (this job's schema, already resolved from the writer's), or null for a
 * tombstone; or the failure to decode it. The broadcast state holds the same bytes by rule id, so
 * Flink serializes a byte array rather than an Avro object.
 */
public record RuleUpdate(String ruleId, byte[] rule, Failure failure) {

    /** A rule added or changed. */
    public static RuleUpdate of(ModerationRule rule) {
        return new RuleUpdate(rule.getRuleId(), encode(rule), null);
    }

    /** A rule removed (a tombstone for its key). */
    public static RuleUpdate removed(String ruleId) {
        return new RuleUpdate(ruleId, null, null);
    }

    public static RuleUpdate failed(Failure failure) {
        return new RuleUpdate(null, null, failure);
    }

    /** Plain Avro binary of a rule, as the broadcast state holds it. */
    public static byte[] encode(ModerationRule rule) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(ModerationRule.class).write(rule, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode rule " + rule.getRuleId(), e);
        }
    }

    /** The rule of {@link #encode}'s bytes. */
    public static ModerationRule decode(byte[] bytes) {
        try {
            return new SpecificDatumReader<>(ModerationRule.class).read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode a rule from broadcast state", e);
        }
    }
}
