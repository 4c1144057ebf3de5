package dev.kchat.fanout;

import dev.kchat.fanout.state.ChannelReadPosition;
import dev.kchat.fanout.state.ServerState;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The stores of the server path, shared by {@link ServerLogProcessor} and {@link ServerReceiptProcessor}:
 * each server's state, its members with their roles, and members' read state per channel.
 */
record ServerStores(KeyValueStore<String, ServerState> servers, KeyValueStore<String, String> members,
        KeyValueStore<String, ChannelReadPosition> reads) {

    static ServerStores of(ProcessorContext<?, ?> context) {
        return new ServerStores(context.getStateStore(FanoutApp.SERVERS_STORE), context.getStateStore(FanoutApp.SERVER_MEMBERS_STORE),
                context.getStateStore(FanoutApp.SERVER_READS_STORE));
    }
}
