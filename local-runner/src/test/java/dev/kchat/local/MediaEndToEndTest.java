package dev.kchat.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kchat.local.PlatformClient.Answer;
import dev.kchat.media.check.ImageProcessor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.commons.imaging.formats.jpeg.exif.ExifRewriter;
import org.apache.commons.imaging.formats.tiff.write.TiffOutputSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Media through the real platform (broker, CQL server, sink, routing, ingress with the local file
 * store of {@code bin/run-local}): a photo with GPS tags is uploaded straight to storage with the
 * signed URL, completed, attached to a message; a member downloads it without its GPS tags and with
 * a thumbnail, a stranger cannot; a forged and a foreign media id are refused with their codes; and
 * once the message is recalled its media no longer resolves, for anyone.
 */
class MediaEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final TestPlatforms.Running PLATFORM = TestPlatforms.running(Map.of());

    @Test
    void shouldUploadAttachDownloadRefuseAndTakeBackAPhoto() throws Exception {
        // Given ana's group with ben; eve is a stranger
        String group = send("ana", "POST", "/v1/conversations", "{\"kind\":\"group\",\"name\":\"trip\",\"members\":[\"ben\"]}", 201)
                .get("conversation_id").asText();
        byte[] photo = jpegWithGps(1024, 768);
        assertThat(ImageProcessor.hasGps(photo)).isTrue();

        // When ana uploads the photo straight to storage and completes it
        String mediaId = upload("ana", photo, "paris.jpg");
        JsonNode completed = client().expect("ana", "POST", "/v1/media/uploads/" + mediaId + "/complete", "{}", 202);

        // Then the completion found the real type, the dimensions, and removed the location
        assertThat(completed.get("content_type").asText()).isEqualTo("image/jpeg");
        assertThat(completed.get("width").asInt()).isEqualTo(1024);
        assertThat(completed.get("height").asInt()).isEqualTo(768);
        assertThat(completed.get("location_removed").asBoolean()).isTrue();
        assertThat(completed.get("thumbnail").asBoolean()).isTrue();

        // When ana attaches it to a message (routing learns the completion from media.events)
        long seq = attach("ana", group, "photo-1", mediaId).get("seq").asLong();

        // Then ben, a member, gets signed URLs: the photo without GPS tags, and a thumbnail
        JsonNode forBen = await("ben's download").atMost(DEADLINE).pollInterval(Duration.ofMillis(200))
                .until(() -> client().call("ben", "GET", "/v1/media/" + mediaId, null, false, null), a -> a.status() == 200).body();
        assertThat(forBen.get("width").asInt()).isEqualTo(1024);
        HttpResponse<byte[]> original = get(forBen.get("url").asText());
        assertThat(original.statusCode()).isEqualTo(200);
        assertThat(original.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(ImageProcessor.hasGps(original.body())).isFalse();
        assertThat(ImageIO.read(new ByteArrayInputStream(original.body())).getWidth()).isEqualTo(1024);
        HttpResponse<byte[]> thumbnail = get(forBen.get("thumbnail_url").asText());
        assertThat(thumbnail.statusCode()).isEqualTo(200);
        BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(thumbnail.body()));
        assertThat(Math.max(thumb.getWidth(), thumb.getHeight())).isEqualTo(320);
        // and the message in ben's history carries the upload's id, type, size and dimensions, no URL
        JsonNode message = null;
        for (JsonNode e : client().expect("ben", "GET", "/v1/conversations/" + group + "/messages", null, 200).get("events")) {
            if (e.get("seq").asLong() == seq) {
                message = e;
            }
        }
        assertThat(message).isNotNull();
        JsonNode attachment = message.get("attachments").get(0);
        assertThat(attachment.get("media_id").asText()).isEqualTo(mediaId);
        assertThat(attachment.get("mime_type").asText()).isEqualTo("image/jpeg");
        assertThat(attachment.get("size_bytes").asLong()).isEqualTo(forBen.get("size_bytes").asLong());
        assertThat(attachment.get("width").asInt()).isEqualTo(1024);
        assertThat(attachment.get("url").isNull()).isTrue();
        // and a tampered URL is refused by the store
        assertThat(get(forBen.get("url").asText().replaceAll("sig=[0-9a-f]{4}", "sig=0000")).statusCode()).isEqualTo(403);

        // And eve, a stranger, is refused as if there were nothing (after ben's answer: the store had it)
        Answer forEve = client().call("eve", "GET", "/v1/media/" + mediaId, null, false, null);
        assertThat(forEve.status()).isEqualTo(404);
        assertThat(forEve.body().at("/error/code").asText()).isEqualTo("media_not_found");

        // And a forged media id and ben's own upload are refused when ana attaches them, with their codes
        String forged = UUID.randomUUID().toString();
        assertRefused(attachAnswer("ana", group, "photo-forged", forged), "media_not_found");
        String bensMedia = upload("ben", jpegWithGps(64, 64), "ben.jpg");
        client().expect("ben", "POST", "/v1/media/uploads/" + bensMedia + "/complete", null, 202);
        assertRefused(attachAnswer("ana", group, "photo-foreign", bensMedia), "media_not_owned");
        // (and ana cannot complete an upload that is not hers, nor one that does not exist)
        assertThat(client().call("ana", "POST", "/v1/media/uploads/" + bensMedia + "/complete", null, false, null).body()
                .at("/error/code").asText()).isEqualTo("upload_not_found");
        assertThat(client().call("ana", "POST", "/v1/media/uploads/" + forged + "/complete", null, false, null).status()).isEqualTo(404);

        // When ana recalls the message
        send("ana", "DELETE", "/v1/conversations/" + group + "/messages/" + seq + "?mode=recall", null, 200);

        // Then the photo no longer resolves, for ben nor for ana
        await("the recall reaching the store").atMost(DEADLINE).pollInterval(Duration.ofMillis(200))
                .until(() -> client().call("ben", "GET", "/v1/media/" + mediaId, null, false, null).status() == 410);
        Answer forAna = client().call("ana", "GET", "/v1/media/" + mediaId, null, false, null);
        assertThat(forAna.status()).isEqualTo(410);
        assertThat(forAna.body().at("/error/code").asText()).isEqualTo("media_gone");
    }

    /** Asks for an upload, PUTs the bytes to the signed URL with its headers; returns the media id. */
    private static String upload(String user, byte[] bytes, String name) throws Exception {
        JsonNode plan = client().expect(user, "POST", "/v1/media/uploads", "{\"content_type\":\"image/jpeg\",\"size_bytes\":"
                + bytes.length + ",\"file_name\":\"" + name + "\"}", 202);
        JsonNode upload = plan.get("upload");
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(upload.get("url").asText()))
                .method(upload.get("method").asText(), HttpRequest.BodyPublishers.ofByteArray(bytes));
        for (Iterator<Map.Entry<String, JsonNode>> it = upload.get("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> header = it.next();
            put.header(header.getKey(), header.getValue().asText());
        }
        assertThat(HTTP.send(put.build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        return plan.get("media_id").asText();
    }

    /**
     * Attaches an upload and waits for routing's decision. The completion is on media.events before
     * it is answered, but routing's global store reads it on a thread of its own: should a send reach
     * routing first, it is refused media_not_found and sent again with the same client_msg_id.
     */
    private static JsonNode attach(String user, String group, String clientMsgId, String mediaId) {
        return await("routing accepting the attachment").atMost(DEADLINE).pollInterval(Duration.ofMillis(200))
                .until(() -> attachAnswer(user, group, clientMsgId, mediaId), a -> a.status() == 201).body();
    }

    private static Answer attachAnswer(String user, String group, String clientMsgId, String mediaId) throws Exception {
        return client().call(user, "POST", "/v1/conversations/" + group + "/messages", "{\"client_msg_id\":\"" + clientMsgId
                + "\",\"body\":\"look\",\"attachments\":[{\"media_id\":\"" + mediaId + "\"}]}", true, null);
    }

    private static void assertRefused(Answer answer, String code) {
        assertThat(answer.status()).as("%s", answer.body()).isEqualTo(422);
        assertThat(answer.body().at("/error/code").asText()).isEqualTo(code);
    }

    private static JsonNode send(String user, String method, String path, String body, int status) throws Exception {
        Answer answer = client().call(user, method, path, body, true, null);
        assertThat(answer.status()).as("%s %s -> %s", method, path, answer.body()).isEqualTo(status);
        return answer.body();
    }

    private static HttpResponse<byte[]> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static PlatformClient client() {
        return PLATFORM.client();
    }

    /** A JPEG as a phone writes one: EXIF with the place it was taken. */
    private static byte[] jpegWithGps(int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.CYAN);
        g.fillRect(0, 0, width, height);
        g.dispose();
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", plain);
        TiffOutputSet exif = new TiffOutputSet();
        exif.setGpsInDegrees(2.2945, 48.8584);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new ExifRewriter().updateExifMetadataLossless(plain.toByteArray(), out, exif);
        return out.toByteArray();
    }
}
