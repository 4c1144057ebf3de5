package dev.kchat.bench;

import dev.kchat.media.MediaUploads;
import dev.kchat.media.check.ContentSniffer;
import dev.kchat.media.check.ImageProcessor;
import dev.kchat.media.check.MediaPolicy;
import dev.kchat.media.local.LocalObjectStore;
import dev.kchat.media.store.SignedUrl;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.commons.imaging.formats.jpeg.exif.ExifRewriter;
import org.apache.commons.imaging.formats.tiff.write.TiffOutputSet;

/**
 * Upload throughput and the cost of completing an image, on this machine, without the rest of the
 * platform: the local file store (what {@code bin/run-local} uses) serves signed PUT URLs over real
 * HTTP; each upload is asked for, PUT by one client, and completed ({@link MediaUploads#complete}:
 * read back, type sniffed, decoded, EXIF GPS removed, JPEG thumbnail written). Prints upload MB/s,
 * uploads/s, and per image the completion's wall time and CPU time (the completing thread's, from
 * {@link ThreadMXBean}), median and p90.
 *
 * <pre>bin/bench media --images 40 --width 4000 --height 3000</pre>
 */
public final class MediaBench {

    private MediaBench() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.describe("bin/bench media [options]: upload throughput and image completion cost")
                .option("images", "40", "photos uploaded and completed")
                .option("width", "4000", "photo width in pixels")
                .option("height", "3000", "photo height in pixels")
                .option("warmup", "5", "photos completed first and not counted (JIT)")
                .parse(argv);
        if (args.helpRequested()) {
            System.out.print(args.help());
            return;
        }
        int images = args.integer("images");
        int warmup = args.integer("warmup");
        byte[] photo = photo(args.integer("width"), args.integer("height"));
        Path dir = Files.createTempDirectory("kchat-media-bench-");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        HttpClient http = HttpClient.newHttpClient();
        try (LocalObjectStore store = LocalObjectStore.start(dir, "127.0.0.1", 0, "127.0.0.1",
                "bench-signing-key-of-32-bytes-at-least".getBytes(StandardCharsets.US_ASCII), Clock.systemUTC())) {
            MediaUploads uploads = new MediaUploads(store, MediaPolicy.DEFAULTS, new ContentSniffer(), new ImageProcessor(320),
                    MediaUploads.Settings.DEFAULTS);
            for (int i = 0; i < warmup; i++) {
                MediaUploads.Plan plan = uploads.plan("bench", "image/jpeg", photo.length, null);
                put(http, plan.put(), photo);
                uploads.complete("bench", plan.mediaId(), null, 1);
            }
            long[] wall = new long[images];
            long[] cpu = new long[images];
            long uploadNanos = 0;
            for (int i = 0; i < images; i++) {
                MediaUploads.Plan plan = uploads.plan("bench", "image/jpeg", photo.length, null);
                long t0 = System.nanoTime();
                put(http, plan.put(), photo);
                uploadNanos += System.nanoTime() - t0;
                long c0 = threads.getCurrentThreadCpuTime();
                long w0 = System.nanoTime();
                MediaUploads.Completed done = uploads.complete("bench", plan.mediaId(), null, 1);
                wall[i] = System.nanoTime() - w0;
                cpu[i] = threads.getCurrentThreadCpuTime() - c0;
                if (!done.locationRemoved()) {
                    throw new IllegalStateException("the GPS tags were not removed from " + plan.mediaId());
                }
            }
            double seconds = uploadNanos / 1e9;
            double mb = (double) photo.length * images / (1024 * 1024);
            Arrays.sort(wall);
            Arrays.sort(cpu);
            String json = String.format(Locale.ROOT, "{\"scenario\":\"media\",\"images\":%d,\"width\":%d,\"height\":%d,\"photo_bytes\":%d,"
                            + "\"upload_mb_per_s\":%.1f,\"uploads_per_s\":%.1f,\"complete_ms_p50\":%.1f,\"complete_ms_p90\":%.1f,"
                            + "\"complete_cpu_ms_p50\":%.1f,\"complete_cpu_ms_p90\":%.1f,\"cores\":%d}",
                    images, args.integer("width"), args.integer("height"), photo.length, mb / seconds, images / seconds,
                    ms(wall, 0.5), ms(wall, 0.9), ms(cpu, 0.5), ms(cpu, 0.9), Runtime.getRuntime().availableProcessors());
            System.out.println(json);
            System.out.printf(Locale.ROOT, "%d photos of %dx%d (%.1f MB each): upload %.1f MB/s (%.1f uploads/s, one client);"
                            + " completion per photo %.0f ms wall, %.0f ms CPU (median; p90 %.0f / %.0f ms)%n",
                    images, args.integer("width"), args.integer("height"), photo.length / (1024.0 * 1024), mb / seconds, images / seconds,
                    ms(wall, 0.5), ms(cpu, 0.5), ms(wall, 0.9), ms(cpu, 0.9));
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void put(HttpClient http, SignedUrl url, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(url.url()).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        url.headers().forEach(request::header);
        int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status != 200) {
            throw new IllegalStateException("PUT answered " + status);
        }
    }

    private static double ms(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(quantile * sorted.length))] / 1e6;
    }

    /** A photo-like JPEG (gradients and noise, so it compresses like a photo) with GPS tags. */
    private static byte[] photo(int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(20, 90, 160), width, height, new Color(230, 180, 90)));
        g.fillRect(0, 0, width, height);
        g.dispose();
        Random random = new Random(42);
        for (int i = 0; i < width * height / 20; i++) {
            image.setRGB(random.nextInt(width), random.nextInt(height), random.nextInt(0xffffff));
        }
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", plain);
        TiffOutputSet exif = new TiffOutputSet();
        exif.setGpsInDegrees(2.2945, 48.8584);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new ExifRewriter().updateExifMetadataLossless(plain.toByteArray(), out, exif);
        return out.toByteArray();
    }
}
