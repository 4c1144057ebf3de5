package dev.kchat.media.store;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * Where media bytes live: an S3-compatible bucket ({@code S3ObjectStore}) or local files
 * ({@code LocalObjectStore}). Clients move the bytes themselves, through short-lived signed URLs;
 * the platform only signs, checks and processes. Keys are the platform's own
 * ({@code u/<owner>/<media id>}), never a client's.
 *
 * <p>Every method may throw {@link UncheckedIOException}-like runtime failures of the storage
 * itself (network, disk); callers answer them as "storage unavailable".
 */
public interface ObjectStore extends AutoCloseable {

    /**
     * A URL the client PUTs exactly {@code size} bytes of {@code contentType} to, valid for {@code ttl}.
     * Nothing is stored until the client uploads.
     */
    SignedUrl signPut(String key, String contentType, long size, Duration ttl);

    /**
     * Starts a multipart upload of {@code parts} parts of {@code partSize} bytes (the last one shorter)
     * and signs one PUT URL per part, valid for {@code ttl}. A part that failed is PUT again to its URL:
     * that is what makes a large upload resumable.
     */
    MultipartPlan startMultipart(String key, String contentType, int parts, long partSize, Duration ttl);

    /**
     * Joins parts 1..{@code parts} into the object {@code key} if every one of them was uploaded.
     *
     * @return the part numbers still missing (nothing is joined then); empty once the object exists
     * @throws ObjectNotFoundException if no multipart upload was started for {@code key}
     */
    List<Integer> completeMultipart(String key, int parts);

    /** The object's size, or empty if there is no object at {@code key}. */
    OptionalLong size(String key);

    /** Reads the object's first {@code maxBytes} bytes (all of it if shorter). */
    byte[] readPrefix(String key, int maxBytes) throws IOException;

    /** Opens the whole object for reading. */
    InputStream open(String key) throws IOException;

    /** Stores {@code bytes} at {@code key}, replacing what is there. */
    void put(String key, byte[] bytes, String contentType) throws IOException;

    /** A URL that GETs the object for {@code ttl}, served with {@code contentType}. */
    SignedUrl signGet(String key, String contentType, Duration ttl);

    /** Removes the object if it exists. */
    void delete(String key);

    @Override
    void close();
}
