package dev.kchat.edge.servers;

import dev.kchat.events.chat.ServerBroadcast;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Where {@link ServerViews} gets the server broadcasts of the partitions it wants: {@link ServerBroadcastReader}. */
public interface ServerBroadcastSource {

    /** What to read (asked again after every change of interest) and whom to hand each record to; before reading starts. */
    void serve(Supplier<Set<Integer>> wantedPartitions, Consumer<ServerBroadcast> deliver);

    /**
     * Completes once the partition is read from a fixed position: every record written to it after
     * that is handed on. The caller must already want it.
     */
    CompletableFuture<Void> whenReading(int partition);
}
