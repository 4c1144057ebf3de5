package dev.kchat.bench;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What was sent, to whom it should arrive, and what arrived: the ground truth for loss, duplicates
 * and end-to-end latency.
 *
 * <p>A message is a dense int id; its {@code client_msg_id} is {@code <run tag>-<id>}, so a delivery
 * names its message without any lookup table, and a delivery from another run (another tag) is
 * counted as foreign rather than confused with ours. Recipients are dense device indexes. Each
 * recipient has a bit set of the ids it got: a second bit for the same id is a duplicate. After the
 * drain, every (sent message, expected recipient) pair without its bit is a loss.
 *
 * <p>Latency is measured from the message's <em>intended</em> send time (its slot in the paced
 * schedule), not from when the sender got to it, so a sender that falls behind shows up as latency
 * instead of hiding it (coordinated omission).
 *
 * <p>Thread-safe: deliveries come from the client's I/O threads, sends from the pacer.
 */
public final class DeliveryLedger {

    private static final byte UNUSED = 0;
    private static final byte SENT = 1;
    private static final byte FAILED = 2;

    private final String tag;
    private final String prefix;
    private final int capacity;
    private final long[] intendedNanos;
    private final int[] conversationOf;
    private final byte[] state;
    private final AtomicIntegerArray deliveredCount;
    private final AtomicLongArray lastDeliveryNanos;
    private final BitSet[] received;
    private final List<int[]> conversations = new ArrayList<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final LongAdder deliveries = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder foreign = new LongAdder();
    private final LongAdder unexpected = new LongAdder();
    private final Recorder latency = new Recorder(LatencySummary.HIGHEST_MICROS, 3);
    private final Histogram total = LatencySummary.newHistogram();

    /**
     * @param tag        run tag, the prefix of every client_msg_id (letters and digits)
     * @param recipients number of receiving devices (indexes 0..recipients-1)
     * @param capacity   most messages this ledger can record
     */
    public DeliveryLedger(String tag, int recipients, int capacity) {
        if (!tag.matches("[A-Za-z0-9]{1,16}")) {
            throw new IllegalArgumentException("run tag must be 1-16 letters or digits, was '" + tag + "'");
        }
        this.tag = tag;
        this.prefix = tag + "-";
        this.capacity = capacity;
        this.intendedNanos = new long[capacity];
        this.conversationOf = new int[capacity];
        this.state = new byte[capacity];
        this.deliveredCount = new AtomicIntegerArray(capacity);
        this.lastDeliveryNanos = new AtomicLongArray(capacity);
        this.received = new BitSet[recipients];
        for (int i = 0; i < recipients; i++) {
            received[i] = new BitSet();
        }
    }

    public String tag() {
        return tag;
    }

    /** Registers a conversation and the devices every message in it must reach; returns its index. */
    public synchronized int conversation(int[] recipients) {
        conversations.add(recipients.clone());
        return conversations.size() - 1;
    }

    /**
     * Records a message about to be sent in a conversation at its intended time; returns its id, or
     * -1 when the ledger is full (the caller must not send it).
     */
    public int newMessage(int conversation, long intendedSendNanos) {
        int id = nextId.getAndIncrement();
        if (id >= capacity) {
            nextId.set(capacity);
            return -1;
        }
        intendedNanos[id] = intendedSendNanos;
        conversationOf[id] = conversation;
        synchronized (state) {
            state[id] = SENT;
        }
        return id;
    }

    /** The send failed or was refused: the message is not expected anywhere. */
    public void sendFailed(int id) {
        synchronized (state) {
            state[id] = FAILED;
        }
    }

    public String clientMsgId(int id) {
        return prefix + id;
    }

    /** The id named by a client_msg_id of this run, or -1 for another run's or a malformed one. */
    int idOf(String clientMsgId) {
        if (clientMsgId == null || !clientMsgId.startsWith(prefix)) {
            return -1;
        }
        int id = 0;
        for (int i = prefix.length(); i < clientMsgId.length(); i++) {
            char c = clientMsgId.charAt(i);
            if (c < '0' || c > '9' || id > (Integer.MAX_VALUE - 9) / 10) {
                return -1;
            }
            id = id * 10 + (c - '0');
        }
        return clientMsgId.length() > prefix.length() && id < capacity ? id : -1;
    }

    /**
     * A device received a posted message. Returns true if it is a first delivery of one of this run's
     * messages to that device.
     */
    public boolean delivered(int recipient, String clientMsgId, long receiveNanos) {
        int id = idOf(clientMsgId);
        if (id < 0) {
            foreign.increment();
            return false;
        }
        BitSet bits = received[recipient];
        synchronized (bits) {
            if (bits.get(id)) {
                duplicates.increment();
                return false;
            }
            bits.set(id);
        }
        byte s;
        synchronized (state) {
            s = state[id];
        }
        if (s == UNUSED) {
            // Arrived before the sender recorded it: impossible unless ids are reused across ledgers.
            unexpected.increment();
            return false;
        }
        deliveries.increment();
        deliveredCount.incrementAndGet(id);
        lastDeliveryNanos.accumulateAndGet(id, receiveNanos, Math::max);
        latency.recordValue(Math.min(LatencySummary.HIGHEST_MICROS, Math.max(0, (receiveNanos - intendedNanos[id]) / 1_000)));
        return true;
    }

    public long deliveries() {
        return deliveries.sum();
    }

    public int messagesSent() {
        return Math.min(nextId.get(), capacity);
    }

    /** Deliveries of a message so far (first deliveries only). */
    public int deliveredCount(int id) {
        return deliveredCount.get(id);
    }

    /** Nanos from a message's intended send time until its last (so far) first delivery; -1 if none yet. */
    public long timeToLastDelivery(int id) {
        long last = lastDeliveryNanos.get(id);
        return last == 0 ? -1 : last - intendedNanos[id];
    }

    /** Latencies recorded since the previous call (microseconds); also kept for {@link #reconcile}. */
    public synchronized Histogram interval() {
        Histogram h = latency.getIntervalHistogram();
        total.add(h);
        return h;
    }

    /**
     * Compares what arrived with what was expected. Call after the drain: a pair still missing is lost.
     */
    public synchronized Reconciliation reconcile() {
        interval();
        int sent = messagesSent();
        long expected = 0;
        long lost = 0;
        long failed = 0;
        int messagesWithLoss = 0;
        for (int id = 0; id < sent; id++) {
            byte s;
            synchronized (state) {
                s = state[id];
            }
            if (s == FAILED) {
                failed++;
                continue;
            }
            if (s != SENT) {
                continue;
            }
            boolean anyLost = false;
            for (int r : conversations.get(conversationOf[id])) {
                expected++;
                boolean got;
                synchronized (received[r]) {
                    got = received[r].get(id);
                }
                if (!got) {
                    lost++;
                    anyLost = true;
                }
            }
            if (anyLost) {
                messagesWithLoss++;
            }
        }
        return new Reconciliation(sent - failed, failed, expected, deliveries.sum(), lost, messagesWithLoss,
                duplicates.sum(), foreign.sum(), unexpected.sum(), LatencySummary.of(total.copy()));
    }

    /**
     * The ledger's verdict.
     *
     * @param messagesSent     messages sent and not refused
     * @param sendFailures     messages whose send failed or was refused
     * @param expected         (message, recipient) pairs that should have arrived
     * @param delivered        first deliveries
     * @param lost             expected pairs that did not arrive
     * @param messagesWithLoss messages that missed at least one recipient
     * @param duplicates       repeated deliveries of a message to the same device
     * @param foreign          posted messages of other runs (or not ours)
     * @param unexpected       deliveries of ids this ledger never sent
     * @param latency          end-to-end latency of first deliveries
     */
    public record Reconciliation(long messagesSent, long sendFailures, long expected, long delivered, long lost,
            long messagesWithLoss, long duplicates, long foreign, long unexpected, LatencySummary latency) {
    }
}
