package dev.kchat.bench;

import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.websockets.client.WebSocketClient;
import io.undertow.websockets.core.WebSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoFuture;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * Many WebSocket devices over one XNIO worker with a few I/O threads (Undertow's client: non-blocking,
 * about the cost of its socket buffers per idle connection). Connections are spread over loopback
 * source addresses ({@code 127.0.0.1}, {@code 127.0.0.2}, ...) so more than one address's ~28k
 * ephemeral ports can reach one edge, and opened through a limiter: a connection counts as in flight
 * from its TCP connect until the edge says {@code ready} (or redirects it, or it closes), which keeps
 * the handshakes below the listen backlog ({@code somaxconn} 4096) and the sessions being set up
 * within what the edges can answer.
 */
public final class LoadClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LoadClient.class);

    /**
     * @param edgeUrl               {@code ws://host:port/v1/ws}
     * @param ioThreads             XNIO I/O threads
     * @param sourceAddresses       local addresses to bind, used in order
     * @param connectionsPerSource  sockets per source address before the next one is used
     * @param maxConnectsInFlight   handshakes in flight at once
     * @param pingInterval          keep-alive period (the edge closes silent sockets after 60 s)
     * @param ackInterval           how often each device acks its newest inbox seq; zero never acks
     */
    public record Config(String edgeUrl, int ioThreads, List<String> sourceAddresses, int connectionsPerSource,
            int maxConnectsInFlight, Duration pingInterval, Duration ackInterval) {
    }

    final ClientStats stats = new ClientStats();
    private final Config config;
    private final XnioWorker worker;
    private final ByteBufferPool buffers;
    private final ScheduledExecutorService timer;
    private final Semaphore connectPermits;
    private final List<Device> devices = Collections.synchronizedList(new ArrayList<>());
    private volatile DeliveryLedger ledger;
    private volatile List<String> initialEdges;

    public LoadClient(Config config) {
        this.config = config;
        this.initialEdges = List.of(config.edgeUrl());
        try {
            this.worker = Xnio.getInstance(LoadClient.class.getClassLoader()).createWorker(OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, config.ioThreads())
                    .set(Options.WORKER_TASK_CORE_THREADS, 1)
                    .set(Options.WORKER_TASK_MAX_THREADS, 2)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.WORKER_NAME, "bench-client")
                    .getMap());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the XNIO worker", e);
        }
        // Direct 4 KB buffers: edge frames are well under that; a buffer is held only while a frame is read.
        this.buffers = new DefaultByteBufferPool(true, 4096, 1024, 4);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-timer");
            t.setDaemon(true);
            return t;
        });
        this.connectPermits = new Semaphore(config.maxConnectsInFlight());
        if (!config.pingInterval().isZero()) {
            long ms = config.pingInterval().toMillis();
            timer.scheduleAtFixedRate(() -> forEachOpen(Device::ping), ms, ms, TimeUnit.MILLISECONDS);
        }
        if (!config.ackInterval().isZero()) {
            long ms = config.ackInterval().toMillis();
            timer.scheduleAtFixedRate(() -> forEachOpen(Device::ackIfDue), ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    public ClientStats stats() {
        return stats;
    }

    /**
     * Spreads first connections over these edges (device {@code i} starts at edge {@code i mod n}),
     * as a load balancer in front of several edges does; each edge redirects the devices it does not
     * serve. Until called, every device starts at the configured edge.
     */
    public void initialEdges(List<String> edgeUrls) {
        this.initialEdges = List.copyOf(edgeUrls);
    }

    /** Where posted messages are reported from now on (a new ledger per measured phase). */
    public void ledger(DeliveryLedger ledger) {
        this.ledger = ledger;
    }

    /** Creates a device (not yet connected); its index is its position in {@link #devices()}. */
    public Device device(String user, String deviceId, String token) {
        synchronized (devices) {
            Device d = new Device(this, devices.size(), user, deviceId, token);
            devices.add(d);
            return d;
        }
    }

    public List<Device> devices() {
        synchronized (devices) {
            return List.copyOf(devices);
        }
    }

    /**
     * Opens every given device and waits until each has said {@code ready} or the deadline passes.
     * Returns how many are ready.
     */
    public int openAll(List<Device> which, Duration deadline) throws InterruptedException {
        List<CompletableFuture<Void>> readies = new ArrayList<>(which.size());
        for (Device d : which) {
            readies.add(d.open());
        }
        return awaitReady(readies, deadline);
    }

    /** Waits for the given ready futures until the deadline; returns how many completed. */
    static int awaitReady(List<CompletableFuture<Void>> readies, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        for (CompletableFuture<Void> r : readies) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                r.get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                break;
            }
        }
        return (int) readies.stream().filter(CompletableFuture::isDone).count();
    }

    /** Closes every device on purpose (no automatic reconnect). */
    public void dropAll() {
        for (Device d : devices()) {
            d.drop();
        }
    }

    /** Opens the socket of a device; called by the device, also for its reconnects. */
    void connect(Device d) {
        try {
            connectPermits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            d.connectFailed(new IOException("interrupted while waiting for a connect permit", e));
            return;
        }
        List<String> initial = initialEdges;
        String edge = d.edgeUrl() != null ? d.edgeUrl() : initial.get(d.index % initial.size());
        d.connecting(edge);
        URI uri = URI.create(edge + "?access_token=" + URLEncoder.encode(d.token, StandardCharsets.UTF_8));
        WebSocketClient.ConnectionBuilder builder = WebSocketClient.connectionBuilder(worker, buffers, uri);
        int source = d.index / config.connectionsPerSource();
        if (!config.sourceAddresses().isEmpty()) {
            if (source >= config.sourceAddresses().size()) {
                connectPermits.release();
                d.connectFailed(new IOException("device " + d.index + " needs source address #" + (source + 1)
                        + " but only " + config.sourceAddresses().size() + " are configured"));
                return;
            }
            builder.setBindAddress(new InetSocketAddress(config.sourceAddresses().get(source), 0));
        }
        IoFuture<WebSocketChannel> future;
        try {
            future = builder.connect();
        } catch (RuntimeException e) {
            connectPermits.release();
            d.connectFailed(new IOException("connect of " + d.deviceId + " failed at once", e));
            return;
        }
        future.addNotifier(new IoFuture.HandlingNotifier<WebSocketChannel, Device>() {
            @Override
            public void handleDone(WebSocketChannel ch, Device device) {
                // The permit stays with the device until the edge has set the session up (ready or
                // redirect) or the socket closes: a storm of sockets that are open but not yet
                // answered would only queue up at the edges.
                stats.connects.increment();
                device.connected(ch);
            }

            @Override
            public void handleFailed(IOException e, Device device) {
                connectPermits.release();
                device.connectFailed(e);
            }

            @Override
            public void handleCancelled(Device device) {
                connectPermits.release();
                device.connectFailed(new IOException("connect cancelled"));
            }
        }, d);
    }

    /** A device's connection is set up (ready, redirected or closed): the next handshake may start. */
    void connectSettled() {
        connectPermits.release();
    }

    void delivered(int device, String clientMsgId, long nanos) {
        DeliveryLedger l = ledger;
        if (l != null) {
            l.delivered(device, clientMsgId, nanos);
        }
    }

    /** An error frame named one of our sends: it will not arrive anywhere. */
    void refused(String clientMsgId) {
        DeliveryLedger l = ledger;
        if (l != null && clientMsgId != null) {
            int id = l.idOf(clientMsgId);
            if (id >= 0) {
                l.sendFailed(id);
            }
        }
    }

    /**
     * Sends a message from a device through its socket, recording it in the ledger. Returns false if
     * the device has no open socket or the ledger is full (nothing recorded as expected).
     */
    public boolean sendMessage(Device from, String conversationId, int conversation, long intendedNanos,
            Function<Integer, String> body) {
        DeliveryLedger l = ledger;
        if (!from.isOpen()) {
            stats.sendFailures.increment();
            return false;
        }
        int id = l.newMessage(conversation, intendedNanos);
        if (id < 0) {
            return false;
        }
        String frame = "{\"type\":\"send\",\"conversation_id\":\"" + conversationId + "\",\"client_msg_id\":\""
                + l.clientMsgId(id) + "\",\"body\":\"" + body.apply(id) + "\"}";
        boolean queued = from.send(frame, () -> {
            stats.sendFailures.increment();
            l.sendFailed(id);
        });
        if (!queued) {
            stats.sendFailures.increment();
            l.sendFailed(id);
            return false;
        }
        stats.sendsOut.increment();
        return true;
    }

    /** A {@code typing} frame from a device (the edge throttles it per session and conversation). */
    public void sendTyping(Device from, String conversationId) {
        if (from.send("{\"type\":\"typing\",\"conversation_id\":\"" + conversationId + "\",\"typing\":true}", null)) {
            stats.typingOut.increment();
        }
    }

    void schedule(Runnable task, long delayMs) {
        timer.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("load client task failed", e);
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    long jitterMillis(int bound) {
        return ThreadLocalRandom.current().nextInt(bound);
    }

    private void forEachOpen(java.util.function.Consumer<Device> action) {
        try {
            for (Device d : devices()) {
                if (d.isOpen()) {
                    action.accept(d);
                }
            }
        } catch (RuntimeException e) {
            log.error("periodic device task failed", e);
        }
    }

    public long openConnections() {
        return devices().stream().filter(Device::isOpen).count();
    }

    @Override
    public void close() {
        dropAll();
        timer.shutdownNow();
        worker.shutdown();
        try {
            if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("XNIO worker did not stop within 10 s");
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
