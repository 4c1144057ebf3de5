package dev.kchat.media.check;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.apache.commons.imaging.Imaging;
import org.apache.commons.imaging.common.ImageMetadata;
import org.apache.commons.imaging.formats.jpeg.JpegImageMetadata;
import org.apache.commons.imaging.formats.jpeg.exif.ExifRewriter;
import org.apache.commons.imaging.formats.jpeg.xmp.JpegXmpRewriter;
import org.apache.commons.imaging.formats.tiff.TiffImageMetadata;
import org.apache.commons.imaging.formats.tiff.constants.ExifTagConstants;
import org.apache.commons.imaging.formats.tiff.constants.TiffDirectoryConstants;
import org.apache.commons.imaging.formats.tiff.write.TiffOutputDirectory;
import org.apache.commons.imaging.formats.tiff.write.TiffOutputSet;

/**
 * What is done to an uploaded image before anyone else sees it: its dimensions read, location
 * metadata removed, and a JPEG thumbnail made.
 *
 * <p>Location removal: a JPEG keeps its pixels and its other EXIF tags (camera, orientation, time)
 * and loses the GPS directory and any XMP packet (where editors copy the location too), rewritten
 * losslessly with Apache Commons Imaging. A PNG is re-encoded by the JDK, which drops every
 * ancillary chunk ({@code eXIf}, {@code iTXt} XMP). A GIF carries no EXIF and is kept as it is.
 *
 * <p>Images are decoded by the JDK's ImageIO. Before decoding, the header's dimensions are checked
 * against {@link #MAX_PIXELS}, so a small file that decodes into gigabytes (a "pixel flood") is
 * refused rather than decoded. The thumbnail ignores the EXIF orientation tag: a photo stored
 * sideways with an orientation flag gets a sideways thumbnail.
 */
public final class ImageProcessor {

    /** Largest image decoded: 50 megapixels (an 8,000 x 6,000 photo is 48). */
    public static final long MAX_PIXELS = 50_000_000L;

    private final int thumbnailSize;

    /** @param thumbnailSize the longer side of a thumbnail, in pixels */
    public ImageProcessor(int thumbnailSize) {
        if (thumbnailSize < 16 || thumbnailSize > 2048) {
            throw new IllegalArgumentException("thumbnail size must be 16 to 2048 pixels, got " + thumbnailSize);
        }
        this.thumbnailSize = thumbnailSize;
    }

    /** The outcome: the bytes to keep (location removed), their dimensions, a JPEG thumbnail. */
    public record Processed(byte[] cleaned, int width, int height, byte[] thumbnail, boolean locationRemoved) {
    }

    /** The image could not be processed: not decodable, or too many pixels. {@code code} is the client's machine code. */
    public static final class ImageRefused extends Exception {
        private final String code;

        ImageRefused(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /**
     * Processes an image of the sniffed {@code contentType} (image/jpeg, image/png or image/gif).
     *
     * @throws ImageRefused {@code image_unreadable} or {@code image_too_large}
     */
    public Processed process(byte[] bytes, String contentType) throws ImageRefused {
        checkPixels(bytes);
        boolean locationRemoved = false;
        byte[] cleaned = bytes;
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
            if (image == null) {
                throw new ImageRefused("image_unreadable", "no decoder for this image");
            }
            if (contentType.equals("image/jpeg")) {
                locationRemoved = hasGps(bytes);
                cleaned = withoutXmp(withoutGps(bytes));
            } else if (contentType.equals("image/png")) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
                ImageIO.write(image, "png", out);
                cleaned = out.toByteArray();
            }
            return new Processed(cleaned, image.getWidth(), image.getHeight(), thumbnail(image), locationRemoved);
        } catch (IOException | RuntimeException e) {
            // Decoders throw unchecked exceptions (ArrayIndexOutOfBounds, IllegalArgument) on corrupt input.
            throw new ImageRefused("image_unreadable", "the image cannot be read: " + e);
        }
    }

    /** True if the JPEG's EXIF has a GPS directory. */
    public static boolean hasGps(byte[] jpeg) throws IOException {
        TiffImageMetadata exif = exif(jpeg);
        return exif != null && exif.findDirectory(TiffDirectoryConstants.DIRECTORY_TYPE_GPS) != null;
    }

    private static TiffImageMetadata exif(byte[] jpeg) throws IOException {
        ImageMetadata metadata = Imaging.getMetadata(jpeg);
        return metadata instanceof JpegImageMetadata j ? j.getExif() : null;
    }

    /** The JPEG with its EXIF rewritten without the GPS directory (and its pointer), pixels untouched. */
    static byte[] withoutGps(byte[] jpeg) throws IOException {
        TiffImageMetadata exif = exif(jpeg);
        if (exif == null || exif.findDirectory(TiffDirectoryConstants.DIRECTORY_TYPE_GPS) == null) {
            return jpeg;
        }
        TiffOutputSet original = exif.getOutputSet();
        TiffOutputSet kept = new TiffOutputSet(original.byteOrder);
        for (TiffOutputDirectory directory : original.getDirectories()) {
            if (directory.getType() != TiffDirectoryConstants.DIRECTORY_TYPE_GPS) {
                kept.addDirectory(directory);
            }
        }
        kept.removeField(ExifTagConstants.EXIF_TAG_GPSINFO);
        ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length);
        new ExifRewriter().updateExifMetadataLossless(jpeg, out, kept);
        return out.toByteArray();
    }

    private static byte[] withoutXmp(byte[] jpeg) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length);
        new JpegXmpRewriter().removeXmpXml(jpeg, out);
        return out.toByteArray();
    }

    private byte[] thumbnail(BufferedImage image) throws IOException {
        double scale = Math.min(1.0, (double) thumbnailSize / Math.max(image.getWidth(), image.getHeight()));
        int w = Math.max(1, (int) Math.round(image.getWidth() * scale));
        int h = Math.max(1, (int) Math.round(image.getHeight() * scale));
        BufferedImage thumb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = thumb.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setColor(Color.WHITE); // transparent pixels of a PNG or GIF on white: JPEG has no alpha
            g.fillRect(0, 0, w, h);
            g.drawImage(image, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(thumb, "jpeg", out);
        return out.toByteArray();
    }

    private static void checkPixels(byte[] bytes) throws ImageRefused {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageRefused("image_unreadable", "no decoder for this image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new ImageRefused("image_too_large", reader.getWidth(0) + " x " + reader.getHeight(0)
                            + " pixels is more than " + MAX_PIXELS);
                }
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageRefused("image_unreadable", "the image header cannot be read: " + e);
        }
    }
}
