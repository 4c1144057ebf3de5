package dev.kchat.fanout;

import dev.kchat.fanout.state.ChannelReadPosition;
import java.util.ArrayList;
import java.util.List;

/**
 * A member's read state in a server channel ({@link ChannelReadPosition}, store
 * {@link FanoutApp#SERVER_READS_STORE}) as plain functions: the read seq, and the mentions after it.
 */
final class ServerReads {

    /** Mentions kept per member and channel: a client shows "99+" above this anyway. */
    static final int MAX_MENTIONS = 100;

    private ServerReads() {
    }

    static String key(String channelId, String userId) {
        return channelId + FanoutApp.KEY_SEPARATOR + userId;
    }

    /** The state after a mention of the member at {@code seq}. */
    static ChannelReadPosition mentioned(ChannelReadPosition before, long seq) {
        ChannelReadPosition p = before == null ? empty() : before;
        if (seq <= p.getReadSeq() || p.getMentionSeqs().contains(seq)) {
            return p;
        }
        List<Long> seqs = new ArrayList<>(p.getMentionSeqs());
        seqs.add(seq);
        while (seqs.size() > MAX_MENTIONS) {
            seqs.remove(0);
        }
        return ChannelReadPosition.newBuilder(p).setMentionSeqs(seqs).build();
    }

    /** The state after the member read up to {@code seq} (never backwards): mentions up to it are read. */
    static ChannelReadPosition read(ChannelReadPosition before, long seq) {
        ChannelReadPosition p = before == null ? empty() : before;
        if (seq <= p.getReadSeq()) {
            return p;
        }
        List<Long> seqs = new ArrayList<>();
        for (long s : p.getMentionSeqs()) {
            if (s > seq) {
                seqs.add(s);
            }
        }
        return ChannelReadPosition.newBuilder().setReadSeq(seq).setMentionSeqs(seqs).build();
    }

    private static ChannelReadPosition empty() {
        return ChannelReadPosition.newBuilder().setReadSeq(0).setMentionSeqs(new ArrayList<>()).build();
    }
}
