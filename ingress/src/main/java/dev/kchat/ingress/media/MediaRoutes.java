package dev.kchat.ingress.media;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kchat.api.ApiException;
import dev.kchat.api.ApiJson;
import dev.kchat.api.TopicPublisher;
import dev.kchat.api.auth.JwtAuthenticator.Caller;
import dev.kchat.api.http.ApiAnswers;
import dev.kchat.api.http.Parameters;
import dev.kchat.events.media.MediaEvent;
import dev.kchat.events.media.UploadCompleted;
import dev.kchat.events.media.UploadRejected;
import dev.kchat.events.media.UploadRequested;
import dev.kchat.ingress.Doors;
import dev.kchat.media.MediaRefusal;
import dev.kchat.media.MediaUploads;
import dev.kchat.media.check.ContentSniffer;
import dev.kchat.media.check.ImageProcessor;
import dev.kchat.media.local.LocalObjectStore;
import dev.kchat.media.s3.S3ObjectStore;
import dev.kchat.media.store.ObjectStore;
import dev.kchat.media.store.SignedUrl;
import dev.kchat.schemas.topic.Topics;
import dev.kchat.store.media.MediaRepository;
import dev.kchat.store.media.MediaRepository.StoredMedia;
import dev.kchat.store.read.ChatRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.net.URI;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import com.datastax.oss.driver.api.core.CqlSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media API under {@code /v1/media}: ask for an upload, complete it, get a download URL. The
 * bytes never pass through here: clients PUT them to object storage with the signed URLs handed
 * out, and GET them from signed URLs. Every state change is a {@code media.events} record keyed by
 * the media id; a request is answered once Kafka has it.
 *
 * <ul>
 *   <li>{@code POST /v1/media/uploads} {@code {content_type, size_bytes, file_name}}: {@code 202} with
 *       the media id and a signed PUT URL (or, above {@code media.multipart.above.bytes}, one URL per
 *       part); {@code UploadRequested}.
 *   <li>{@code POST /v1/media/uploads/{id}/complete} {@code {parts}}: checks and processes the object
 *       ({@link MediaUploads#complete}); {@code 202} with its sniffed type, size and dimensions and
 *       {@code UploadCompleted}, or the refusal, with {@code UploadRejected} when the object itself was
 *       refused (and deleted).
 *   <li>{@code GET /v1/media/{id}}: signed, expiring URLs of the object and its thumbnail, for whoever
 *       {@link MediaAccess} lets see it.
 * </ul>
 */
public final class MediaRoutes implements Doors.RouteGroup, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MediaRoutes.class);
    /** How long a refusal waits for Kafka to take its {@code UploadRejected} before answering anyway. */
    private static final long REJECTION_SEND_SECONDS = 10;

    private final ObjectStore store;
    private final MediaUploads uploads;
    private final TopicPublisher<MediaEvent> events;
    private final MediaAccess access;
    private final Timer completion;
    private final Clock clock;

    MediaRoutes(ObjectStore store, MediaUploads uploads, TopicPublisher<MediaEvent> events, MediaAccess access, MeterRegistry metrics,
            Clock clock) {
        this.store = store;
        this.uploads = uploads;
        this.events = events;
        this.access = access;
        this.completion = Timer.builder("kchat.media.completion").description("checking and processing an uploaded object")
                .register(metrics);
        this.clock = clock;
    }

    /**
     * The media routes over the store {@code settings} name, or routes that answer
     * {@code 503 media_storage_not_configured} when it is {@code none}.
     */
    public static Doors.RouteGroup start(MediaSettings settings, String bootstrapServers, Topics topics, CqlSession session,
            String keyspace, MeterRegistry metrics) {
        ObjectStore store = switch (settings.store()) {
            case NONE -> null;
            case LOCAL -> {
                if (settings.signingKeyGenerated()) {
                    log.warn("media.signing.key is not set: local media URLs are signed with a random key and die with this process");
                }
                yield LocalObjectStore.prepare(settings.localDir(), settings.localHost(), settings.localPort(), settings.localPublicHost(),
                        settings.signingKey(), Clock.systemUTC());
            }
            case S3 -> {
                URI endpoint = settings.s3Endpoint().map(URI::create).orElse(null);
                S3ObjectStore s3 = S3ObjectStore.create(endpoint, settings.s3PublicEndpoint().map(URI::create).orElse(endpoint),
                        settings.s3Region(),
                        settings.s3Bucket(), settings.s3AccessKey().orElse(null), settings.s3SecretKey().orElse(null));
                if (settings.s3CreateBucket()) {
                    s3.ensureBucket();
                }
                yield s3;
            }
        };
        if (store == null) {
            return (routes, doors) -> routes.post("/v1/media/uploads", doors.withBody("media_upload", MediaRoutes::notConfigured))
                    .post("/v1/media/uploads/{media_id}/complete", doors.withBody("media_complete", MediaRoutes::notConfigured))
                    .get("/v1/media/{media_id}", doors.withoutBody("media_get", (ex, caller) -> notConfigured(ex, caller, null)));
        }
        MediaUploads uploads = new MediaUploads(store, settings.policy(), new ContentSniffer(),
                new ImageProcessor(settings.thumbnailSize()), settings.uploads());
        TopicPublisher<MediaEvent> events = new TopicPublisher<>(bootstrapServers, topics.mediaEvents(), "ingress-media-events");
        log.info("media uploads to {} storage", settings.store().name().toLowerCase(java.util.Locale.ROOT));
        return new MediaRoutes(store, uploads, events, new MediaAccess(new MediaRepository(session, keyspace),
                new ChatRepository(session, keyspace)), metrics, Clock.systemUTC());
    }

    /**
     * Starts serving the local store's URLs, if {@code group} has one: called once ingress's own port
     * is bound (see {@link LocalObjectStore#prepare}).
     */
    public static void listen(Doors.RouteGroup group) {
        if (group instanceof MediaRoutes routes && routes.store instanceof LocalObjectStore local) {
            local.listen();
        }
    }

    /** Closes what {@code group} holds, if it is a {@link MediaRoutes}. */
    public static void close(Doors.RouteGroup group) {
        if (group instanceof MediaRoutes routes) {
            routes.close();
        }
    }

    @Override
    public void register(RoutingHandler routes, Doors doors) {
        routes.post("/v1/media/uploads", doors.withBody("media_upload", (ex, caller, body) -> create(ex, doors, caller, body)))
                .post("/v1/media/uploads/{media_id}/complete", doors.withBody("media_complete",
                        (ex, caller, body) -> complete(ex, doors, caller, body)))
                .get("/v1/media/{media_id}", doors.withoutBody("media_get", this::download));
    }

    private void create(HttpServerExchange ex, Doors doors, Caller caller, byte[] body) {
        MediaRequests.CreateUpload request = ApiJson.read(body, MediaRequests.CreateUpload.class);
        if (request.contentType() == null || request.sizeBytes() == null) {
            throw ApiException.badRequest("missing_field", "content_type and size_bytes are required");
        }
        if (request.fileName() != null && (request.fileName().length() > 255 || request.fileName().isBlank())) {
            throw ApiException.badRequest("invalid_field", "file_name has 1 to 255 characters");
        }
        MediaUploads.Plan plan = refusing(() -> uploads.plan(caller.userId(), request.contentType(), request.sizeBytes(), request.fileName()));
        MediaEvent requested = event(plan.mediaId(), caller, UploadRequested.newBuilder().setDeclaredType(plan.declaredType())
                .setDeclaredSize(plan.declaredSize()).setName(plan.name()).setParts(plan.parts()).setObjectKey(plan.objectKey()).build());
        ObjectNode answer = ApiJson.JSON.createObjectNode().put("media_id", plan.mediaId()).put("content_type", plan.declaredType())
                .put("size_bytes", plan.declaredSize());
        if (plan.multipart() == null) {
            answer.set("upload", url(plan.put()));
            answer.put("expires_at", plan.put().expiresAt().toString());
        } else {
            answer.put("part_size", plan.multipart().partSize());
            ArrayNode parts = answer.putArray("parts");
            for (int i = 0; i < plan.multipart().parts().size(); i++) {
                parts.add(url(plan.multipart().parts().get(i)).put("part_number", i + 1));
            }
            answer.put("expires_at", plan.multipart().parts().get(0).expiresAt().toString());
        }
        doors.publish(ex, "media_upload", () -> events.publish(plan.mediaId(), requested), () -> answer);
    }

    private void complete(HttpServerExchange ex, Doors doors, Caller caller, byte[] body) throws InterruptedException {
        MediaRequests.Complete request = body.length == 0 ? new MediaRequests.Complete(null) : ApiJson.read(body, MediaRequests.Complete.class);
        int parts = request.parts() == null ? 1 : request.parts();
        if (parts < 1 || parts > 10_000) {
            throw ApiException.badRequest("invalid_field", "parts is 1 to 10,000");
        }
        String mediaId = Parameters.pathParam(ex, "media_id");
        MediaUploads.Completed done;
        long start = System.nanoTime();
        try {
            // The declared type is not passed: the sniffed type alone decides (and its kind's limit).
            done = uploads.complete(caller.userId(), mediaId, null, parts);
        } catch (MediaRefusal refusal) {
            if (refusal.objectRejected()) {
                publishRejection(caller, mediaId, refusal);
            }
            throw new ApiException(refusal.status(), refusal.code(), refusal.getMessage());
        } finally {
            completion.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
        MediaEvent completed = event(mediaId, caller, UploadCompleted.newBuilder().setContentType(done.contentType())
                .setSizeBytes(done.sizeBytes()).setWidth(done.width()).setHeight(done.height()).setObjectKey(done.objectKey())
                .setThumbnailKey(done.thumbnailKey()).setLocationRemoved(done.locationRemoved()).build());
        ObjectNode answer = ApiJson.JSON.createObjectNode().put("media_id", mediaId).put("state", "completed")
                .put("content_type", done.contentType()).put("size_bytes", done.sizeBytes())
                .put("thumbnail", done.thumbnailKey() != null).put("location_removed", done.locationRemoved());
        if (done.width() != null) {
            answer.put("width", done.width()).put("height", done.height());
        }
        doors.publish(ex, "media_complete", () -> events.publish(mediaId, completed), () -> answer);
    }

    private void download(HttpServerExchange ex, Caller caller) {
        String mediaId = Parameters.pathParam(ex, "media_id");
        StoredMedia media = access.check(caller.userId(), mediaId);
        SignedUrl object = uploads.download(media.objectKey(), media.contentType());
        ObjectNode answer = ApiJson.JSON.createObjectNode().put("media_id", mediaId).put("content_type", media.contentType())
                .put("size_bytes", media.sizeBytes()).put("url", object.url().toString()).put("expires_at", object.expiresAt().toString());
        if (media.width() != null) {
            answer.put("width", media.width()).put("height", media.height());
        }
        if (media.thumbnailKey() != null) {
            answer.put("thumbnail_url", uploads.download(media.thumbnailKey(), "image/jpeg").url().toString());
        }
        if (media.name() != null) {
            answer.put("name", media.name());
        }
        ApiAnswers.json(ex, 200, answer);
    }

    /** Completion refused the object: the refusal is a state change too, on the topic before the answer. */
    private void publishRejection(Caller caller, String mediaId, MediaRefusal refusal) throws InterruptedException {
        MediaEvent rejected = event(mediaId, caller, UploadRejected.newBuilder().setCode(refusal.code()).setReason(refusal.getMessage()).build());
        try {
            events.publish(mediaId, rejected).get(REJECTION_SEND_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // The object is deleted already; the client's answer is the refusal either way.
            log.warn("media {}: UploadRejected ({}) not taken by Kafka: {}", mediaId, refusal.code(), e.toString());
        }
    }

    private MediaEvent event(String mediaId, Caller caller, Object what) {
        return MediaEvent.newBuilder().setMediaId(mediaId).setOwnerId(caller.userId()).setAt(clock.instant()).setEvent(what).build();
    }

    private static ObjectNode url(SignedUrl url) {
        ObjectNode node = ApiJson.JSON.createObjectNode().put("method", url.method()).put("url", url.url().toString());
        ObjectNode headers = node.putObject("headers");
        url.headers().forEach(headers::put);
        return node;
    }

    private static <T> T refusing(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (MediaRefusal refusal) {
            throw new ApiException(refusal.status(), refusal.code(), refusal.getMessage());
        }
    }

    private static void notConfigured(HttpServerExchange ex, Caller caller, byte[] body) {
        throw new ApiException(503, "media_storage_not_configured", "this deployment has no object storage (media.store is none)");
    }

    @Override
    public void close() {
        events.close();
        store.close();
    }
}
