package dev.kchat.media.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kchat.media.TestImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.imageio.ImageIO;
import org.apache.commons.imaging.Imaging;
import org.apache.commons.imaging.formats.jpeg.JpegImageMetadata;
import org.apache.commons.imaging.formats.tiff.constants.TiffTagConstants;
import org.junit.jupiter.api.Test;

class ImageProcessorTest {

    private final ImageProcessor processor = new ImageProcessor(320);

    @Test
    void shouldRemoveGpsButKeepTheOtherExifTagsAndThePixelsOfAJpeg() throws Exception {
        // Given a photo with a camera make and GPS coordinates
        byte[] photo = TestImages.jpegWithGps(1200, 800);
        assertThat(ImageProcessor.hasGps(photo)).isTrue();

        // When
        ImageProcessor.Processed processed = processor.process(photo, "image/jpeg");

        // Then no GPS directory is left, the make is, and the image decodes to the same size
        assertThat(processed.locationRemoved()).isTrue();
        assertThat(ImageProcessor.hasGps(processed.cleaned())).isFalse();
        JpegImageMetadata metadata = (JpegImageMetadata) Imaging.getMetadata(processed.cleaned());
        assertThat(metadata.findExifValue(TiffTagConstants.TIFF_TAG_MAKE).getStringValue()).isEqualTo(TestImages.MAKE);
        assertThat(metadata.getExif().getGpsInfo()).isNull();
        assertThat(processed.width()).isEqualTo(1200);
        assertThat(processed.height()).isEqualTo(800);
        assertThat(ImageIO.read(new ByteArrayInputStream(processed.cleaned())).getWidth()).isEqualTo(1200);
    }

    @Test
    void shouldMakeAJpegThumbnailWhoseLongerSideIsTheThumbnailSize() throws Exception {
        ImageProcessor.Processed processed = processor.process(TestImages.jpegWithGps(1200, 800), "image/jpeg");

        BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(processed.thumbnail()));
        assertThat(thumbnail.getWidth()).isEqualTo(320);
        assertThat(thumbnail.getHeight()).isEqualTo(213);
        assertThat(processed.thumbnail()[0] & 0xff).isEqualTo(0xff); // JPEG SOI
        assertThat(processed.thumbnail()[1] & 0xff).isEqualTo(0xd8);
    }

    @Test
    void shouldKeepASmallImageAtItsOwnSizeInTheThumbnail() throws Exception {
        ImageProcessor.Processed processed = processor.process(TestImages.png(100, 40), "image/png");

        assertThat(processed.width()).isEqualTo(100);
        BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(processed.thumbnail()));
        assertThat(thumbnail.getWidth()).isEqualTo(100);
        assertThat(thumbnail.getHeight()).isEqualTo(40);
        assertThat(processed.locationRemoved()).isFalse();
    }

    @Test
    void shouldRefuseAPixelFloodWithoutDecodingIt() {
        // A 65,535 x 65,535 GIF in a few bytes: 4.3 gigapixels if decoded
        ByteBuffer gif = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        gif.put("GIF89a".getBytes()).putShort((short) 0xffff).putShort((short) 0xffff).put((byte) 0).put((byte) 0).put((byte) 0);
        gif.put((byte) 0x2c).putShort((short) 0).putShort((short) 0).putShort((short) 0xffff).putShort((short) 0xffff).put((byte) 0);
        gif.put((byte) 2).put((byte) 2).put((byte) 0x4c).put((byte) 0x01).put((byte) 0).put((byte) 0x3b);
        byte[] bytes = java.util.Arrays.copyOf(gif.array(), gif.position());

        assertThatThrownBy(() -> processor.process(bytes, "image/gif"))
                .isInstanceOfSatisfying(ImageProcessor.ImageRefused.class, e -> assertThat(e.code()).isEqualTo("image_too_large"));
    }

    @Test
    void shouldRefuseBytesThatAreNoImage() {
        assertThatThrownBy(() -> processor.process("not an image at all".getBytes(), "image/jpeg"))
                .isInstanceOfSatisfying(ImageProcessor.ImageRefused.class, e -> assertThat(e.code()).isEqualTo("image_unreadable"));
    }
}
