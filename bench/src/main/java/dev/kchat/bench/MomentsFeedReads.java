package dev.kchat.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.events.social.FeedEntry;
import dev.kchat.events.social.FriendAdded;
import dev.kchat.events.social.MomentEvent;
import dev.kchat.events.social.PostCreated;
import dev.kchat.events.social.SocialGraphEvent;
import dev.kchat.moments.MomentsConfig;
import dev.kchat.store.moments.MomentsRepository;
import dev.kchat.store.moments.MomentsWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feed page reads from the CQL store ({@link MomentsRepository#feed}) for one reader whose friends are
 * {@code --authors} authors who post by pull (each with an outbox of {@code --outbox-posts} posts) and
 * {@code --pushed-authors} authors whose {@code --pushed-posts} posts each are in the reader's feed.
 * The rows are written with {@link MomentsWriter}, as the sink writes them; a first page and the
 * page after it are timed, one read at a time.
 *
 * <p>What a page costs: the reader's friend and block rows (2 reads), the pushed feed (1), which
 * friends have an outbox ({@code ceil(friends / 100)} IN queries), one outbox read per such friend,
 * then the post and its interactions for each post on the page (2 per post).
 */
final class MomentsFeedReads {

    private static final Logger log = LoggerFactory.getLogger(MomentsFeedReads.class);
    static final String READER = "feed-reader";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final int WRITES_IN_FLIGHT = 64;

    private MomentsFeedReads() {
    }

    static Args options(Args a) {
        return a.option("authors", "200", "pulled authors the reader follows")
                .option("outbox-posts", "20", "posts in each pulled author's outbox")
                .option("pushed-authors", "50", "pushing authors the reader follows")
                .option("pushed-posts", "10", "posts of each pushing author in the reader's feed")
                .option("page-size", "20", "posts per feed page")
                .option("reads", "300", "timed reads of each page (after 30 untimed)");
    }

    static ObjectNode run(CqlSession session, String keyspace, Args args) throws InterruptedException {
        int pulled = args.integer("authors");
        int outboxPosts = args.integer("outbox-posts");
        int pushed = args.integer("pushed-authors");
        int pushedPosts = args.integer("pushed-posts");
        int pageSize = args.integer("page-size");
        int reads = args.integer("reads");
        MomentsWriter writer = new MomentsWriter(session, keyspace);
        List<BoundStatement> rows = new ArrayList<>();
        long second = 0;
        for (int a = 0; a < pulled + pushed; a++) {
            boolean pulls = a < pulled;
            String author = (pulls ? "pulled-" : "pushed-") + a;
            rows.addAll(writer.statementsFor(graph(READER, author)));
            for (int p = 0; p < (pulls ? outboxPosts : pushedPosts); p++) {
                Instant at = T0.plusSeconds(second++);
                String postId = author + "-p" + p;
                rows.addAll(writer.statementsFor(MomentEvent.newBuilder().setEventId(postId).setPostId(postId).setAuthorId(author)
                        .setActorId(author).setAt(at).setEvent(PostCreated.newBuilder().setText("post " + postId).build()).build()));
                FeedEntry entry = FeedEntry.newBuilder().setViewerId(pulls ? author : READER).setPostId(postId).setAuthorId(author)
                        .setPostedAt(at).setPulled(pulls).build();
                rows.addAll(writer.statementsFor(entry));
            }
        }
        writeAll(session, rows);
        log.info("feed fixture: {} statements for {} pulled and {} pushed authors", rows.size(), pulled, pushed);
        MomentsRepository repository = new MomentsRepository(session, keyspace,
                new MomentsConfig(MomentsConfig.DEFAULT_PUSH_MAX_FRIENDS, pageSize, Math.max(pageSize, MomentsConfig.DEFAULT_FEED_PAGE_SIZE_MAX)));
        Histogram first = LatencySummary.newHistogram();
        Histogram second2 = LatencySummary.newHistogram();
        for (int i = 0; i < 30 + reads; i++) {
            long t0 = System.nanoTime();
            MomentsRepository.Page page = repository.feed(READER, Optional.empty(), pageSize);
            long t1 = System.nanoTime();
            MomentsRepository.Page next = repository.feed(READER, page.next(), pageSize);
            long t2 = System.nanoTime();
            if (page.posts().size() != pageSize || next.posts().size() != pageSize) {
                throw new IllegalStateException("feed pages of " + page.posts().size() + " and " + next.posts().size() + " posts, not " + pageSize);
            }
            if (i >= 30) {
                first.recordValue(Math.max(1, (t1 - t0) / 1_000));
                second2.recordValue(Math.max(1, (t2 - t1) / 1_000));
            }
        }
        int cqlReads = 2 + 1 + (pulled + pushed + 99) / 100 + pulled + 2 * pageSize;
        return Harness.JSON.createObjectNode().put("pulled_authors", pulled).put("outbox_posts", outboxPosts)
                .put("pushed_authors", pushed).put("pushed_posts_each", pushedPosts).put("page_size", pageSize)
                .put("cql_reads_per_page", cqlReads)
                .<ObjectNode>set("first_page", LatencySummary.of(first).json())
                .set("second_page", LatencySummary.of(second2).json());
    }

    private static SocialGraphEvent graph(String user, String other) {
        return SocialGraphEvent.newBuilder().setUserId(user).setOtherUserId(other).setAt(T0).setEvent(new FriendAdded()).build();
    }

    private static void writeAll(CqlSession session, List<BoundStatement> rows) throws InterruptedException {
        Semaphore inFlight = new Semaphore(WRITES_IN_FLIGHT);
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (BoundStatement row : rows) {
            inFlight.acquire();
            all.add(session.executeAsync(row).toCompletableFuture().whenComplete((r, e) -> inFlight.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    }
}
