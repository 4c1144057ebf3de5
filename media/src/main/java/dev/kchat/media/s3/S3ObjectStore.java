package dev.kchat.media.s3;

import dev.kchat.media.store.MultipartPlan;
import dev.kchat.media.store.ObjectNotFoundException;
import dev.kchat.media.store.ObjectStore;
import dev.kchat.media.store.SignedUrl;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedUploadPartRequest;

/**
 * Media in an S3-compatible bucket (AWS S3, MinIO, Ceph, S3Mock in the tests) through the AWS SDK
 * v2: SigV4-presigned PUT, UploadPart and GET URLs for the clients, and the SDK's client for what
 * the platform reads and writes itself (checks, thumbnails). Path-style addressing when an endpoint
 * is given, as MinIO and most self-hosted servers need.
 *
 * <p>A multipart upload is found again by its key ({@code ListMultipartUploads} with the key as
 * prefix), so the platform keeps no state between starting and completing it; its parts are listed
 * from the bucket ({@code ListParts}), so the client sends no ETags.
 */
public final class S3ObjectStore implements ObjectStore {

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;

    public S3ObjectStore(S3Client s3, S3Presigner presigner, String bucket) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
    }

    /**
     * A store over {@code bucket}. {@code endpoint} null means AWS itself (region's endpoint);
     * {@code accessKey} null means the SDK's default credentials chain (environment, profile, IAM role).
     */
    public static S3ObjectStore create(URI endpoint, String region, String bucket, String accessKey, String secretKey) {
        return create(endpoint, endpoint, region, bucket, accessKey, secretKey);
    }

    /**
     * The same, signing client URLs for {@code publicEndpoint}: where clients reach the server when
     * the platform reaches it at another address (MinIO in compose: {@code http://minio:9000} inside,
     * {@code http://localhost:9000} for phones and browsers). SigV4 signs the host, so the URL must
     * name the host the client will send.
     */
    public static S3ObjectStore create(URI endpoint, URI publicEndpoint, String region, String bucket, String accessKey,
            String secretKey) {
        AwsCredentialsProvider credentials = accessKey == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
        S3Configuration pathStyle = S3Configuration.builder().pathStyleAccessEnabled(endpoint != null).build();
        var client = S3Client.builder().region(Region.of(region)).credentialsProvider(credentials)
                .serviceConfiguration(pathStyle).httpClientBuilder(UrlConnectionHttpClient.builder());
        var signer = S3Presigner.builder().region(Region.of(region)).credentialsProvider(credentials).serviceConfiguration(pathStyle);
        if (endpoint != null) {
            client.endpointOverride(endpoint);
        }
        if (publicEndpoint != null) {
            signer.endpointOverride(publicEndpoint);
        }
        return new S3ObjectStore(client.build(), signer.build(), bucket);
    }

    /** Creates the bucket unless it exists (for tests and first starts against MinIO). */
    public void ensureBucket() {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            s3.createBucket(b -> b.bucket(bucket));
        }
    }

    @Override
    public SignedUrl signPut(String key, String contentType, long size, Duration ttl) {
        PresignedPutObjectRequest signed = presigner.presignPutObject(p -> p.signatureDuration(ttl)
                .putObjectRequest(r -> r.bucket(bucket).key(key).contentType(contentType).contentLength(size)));
        return new SignedUrl("PUT", toUri(signed.url()), signed.expiration(), single(signed.signedHeaders()));
    }

    @Override
    public MultipartPlan startMultipart(String key, String contentType, int parts, long partSize, Duration ttl) {
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key).contentType(contentType)).uploadId();
        List<SignedUrl> urls = new ArrayList<>();
        for (int n = 1; n <= parts; n++) {
            int part = n;
            PresignedUploadPartRequest signed = presigner.presignUploadPart(p -> p.signatureDuration(ttl)
                    .uploadPartRequest(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(part)));
            urls.add(new SignedUrl("PUT", toUri(signed.url()), signed.expiration(), single(signed.signedHeaders())));
        }
        return new MultipartPlan(partSize, urls);
    }

    @Override
    public List<Integer> completeMultipart(String key, int parts) {
        String uploadId = s3.listMultipartUploads(r -> r.bucket(bucket).prefix(key)).uploads().stream()
                .filter(u -> u.key().equals(key)).map(MultipartUpload::uploadId).findFirst()
                .orElseThrow(() -> new ObjectNotFoundException(key));
        Map<Integer, String> etags = new HashMap<>();
        for (Part part : s3.listPartsPaginator(r -> r.bucket(bucket).key(key).uploadId(uploadId)).parts()) {
            etags.put(part.partNumber(), part.eTag());
        }
        List<Integer> missing = new ArrayList<>();
        List<CompletedPart> completed = new ArrayList<>();
        for (int n = 1; n <= parts; n++) {
            if (etags.containsKey(n)) {
                completed.add(CompletedPart.builder().partNumber(n).eTag(etags.get(n)).build());
            } else {
                missing.add(n);
            }
        }
        if (!missing.isEmpty()) {
            return missing;
        }
        s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build()));
        return List.of();
    }

    @Override
    public OptionalLong size(String key) {
        try {
            return OptionalLong.of(s3.headObject(r -> r.bucket(bucket).key(key)).contentLength());
        } catch (NoSuchKeyException e) {
            return OptionalLong.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return OptionalLong.empty();
            }
            throw e;
        }
    }

    @Override
    public byte[] readPrefix(String key, int maxBytes) {
        try {
            ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)
                    .range("bytes=0-" + (maxBytes - 1)));
            return bytes.asByteArray();
        } catch (NoSuchKeyException e) {
            throw new ObjectNotFoundException(key);
        }
    }

    @Override
    public InputStream open(String key) {
        try {
            return s3.getObject(r -> r.bucket(bucket).key(key));
        } catch (NoSuchKeyException e) {
            throw new ObjectNotFoundException(key);
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        s3.putObject(r -> r.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(bytes));
    }

    @Override
    public SignedUrl signGet(String key, String contentType, Duration ttl) {
        PresignedGetObjectRequest signed = presigner.presignGetObject(p -> p.signatureDuration(ttl)
                .getObjectRequest(r -> r.bucket(bucket).key(key).responseContentType(contentType)));
        return new SignedUrl("GET", toUri(signed.url()), signed.expiration(), Map.of());
    }

    @Override
    public void delete(String key) {
        s3.deleteObject(r -> r.bucket(bucket).key(key));
    }

    @Override
    public void close() {
        presigner.close();
        s3.close();
    }

    /** The signed headers a client must send, minus {@code host} (its HTTP client sets that). */
    private static Map<String, String> single(Map<String, List<String>> headers) {
        Map<String, String> out = new HashMap<>();
        headers.forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host") && !values.isEmpty()) {
                out.put(name, String.join(",", values));
            }
        });
        return out;
    }

    private static URI toUri(java.net.URL url) {
        try {
            return url.toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("the presigner made an invalid URL: " + url, e);
        }
    }
}
