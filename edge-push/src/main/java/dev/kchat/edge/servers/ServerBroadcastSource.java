package dev.kchat.edge.servers;

import dev.kchat.events.chat.ServerBroadcast;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where {@link ServerViews} and the member lists get the server broadcasts of the partitions they
 * want: {@link ServerBroadcastReader}.
 */
public interface ServerBroadcastSource {

    /**
     * One more user of the source: what it wants read (asked again after every change of interest) and
     * whom to hand each record of those partitions to (it may get records of other partitions too, and
     * skips them). The source reads the union of what its users want.
     */
    void serve(Supplier<Set<Integer>> wantedPartitions, Consumer<ServerBroadcast> deliver);

    /**
     * Completes once the partition is read from a fixed position: every record written to it after
     * that is handed on. The caller must already want it.
     */
    CompletableFuture<Void> whenReading(int partition);
}
