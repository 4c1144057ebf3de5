package dev.kchat.store.sink;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.RequestThrottlingException;
import com.datastax.oss.driver.api.core.connection.BusyConnectionException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.connection.HeartbeatException;
import com.datastax.oss.driver.api.core.servererrors.BootstrappingException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.QueryValidationException;
import com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.ServerError;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import com.datastax.oss.driver.api.core.type.codec.CodecNotFoundException;
import dev.kchat.schemas.registry.SchemaRegistryException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.common.errors.SerializationException;

/** Sorts the failures of a record into those worth retrying and those that will never succeed. */
final class Failures {

    enum Kind {
        /** The database or the registry is down, slow or overloaded: pause, back off, retry; never drop. */
        TRANSIENT,
        /** The record itself cannot be stored (undecodable, invalid): error topic, move on. */
        PERMANENT,
        /** Neither known kind: retried a bounded number of times, then treated as permanent. */
        UNCLASSIFIED
    }

    private Failures() {
    }

    static Kind classify(Throwable failure) {
        // Transient causes win wherever they sit in the chain: a decoding error caused by an unreachable
        // registry is an outage, not a bad record.
        for (Throwable t = unwrap(failure); t != null; t = t.getCause()) {
            if (isTransient(t)) {
                return Kind.TRANSIENT;
            }
        }
        Throwable t = unwrap(failure);
        if (t instanceof SerializationException || t instanceof AvroRuntimeException
                || t instanceof SchemaRegistryException || t instanceof QueryValidationException
                || t instanceof CodecNotFoundException || t instanceof IllegalArgumentException
                || t instanceof NullPointerException || t instanceof ClassCastException) {
            return Kind.PERMANENT;
        }
        return Kind.UNCLASSIFIED;
    }

    static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static boolean isTransient(Throwable t) {
        return t instanceof AllNodesFailedException
                || t instanceof DriverTimeoutException
                || t instanceof WriteTimeoutException
                || t instanceof ReadTimeoutException
                || t instanceof UnavailableException
                || t instanceof OverloadedException
                || t instanceof BootstrappingException
                || t instanceof ServerError
                || t instanceof BusyConnectionException
                || t instanceof ClosedConnectionException
                || t instanceof HeartbeatException
                || t instanceof RequestThrottlingException
                || t instanceof SchemaRegistryException.Unavailable;
    }
}
