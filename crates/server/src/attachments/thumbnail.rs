//! Small previews of uploaded pictures: at most [`MAX_SIDE`] pixels on the
//! longer side, JPEG, made once at upload. Decoding untrusted images is
//! bounded (dimensions and memory), runs on the blocking pool, and a
//! picture that cannot be decoded simply has no thumbnail.

use image::codecs::jpeg::JpegEncoder;
use image::io::{Limits, Reader};
use image::{ImageFormat, Rgb, RgbImage};
use std::io::Cursor;

/// The longer side of a thumbnail, in pixels.
pub const MAX_SIDE: u32 = 320;
/// Largest picture side decoded.
const MAX_DECODED_SIDE: u32 = 16_384;
/// Most memory a decoder may take.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// JPEG quality of thumbnails.
const QUALITY: u8 = 80;

/// A JPEG thumbnail of `bytes` (of sniffed type `mime`), or `None` for
/// types without a decoder here (GIF) and pictures that do not decode.
pub fn thumbnail(bytes: &[u8], mime: &str) -> Option<Vec<u8>> {
    let format = match mime {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        "image/webp" => ImageFormat::WebP,
        _ => return None,
    };
    let mut reader = Reader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let picture = match reader.decode() {
        Ok(picture) => picture,
        Err(error) => {
            tracing::debug!(%error, "no thumbnail: the picture does not decode");
            return None;
        }
    };
    let small = if picture.width() > MAX_SIDE || picture.height() > MAX_SIDE {
        picture.thumbnail(MAX_SIDE, MAX_SIDE).to_rgba8()
    } else {
        picture.to_rgba8()
    };
    // JPEG has no transparency: lay the picture on white.
    let flat = RgbImage::from_fn(small.width(), small.height(), |x, y| {
        let [r, g, b, a] = small.get_pixel(x, y).0;
        let over_white = |c: u8| {
            let (c, a) = (u16::from(c), u16::from(a));
            ((c * a + 255 * (255 - a)) / 255) as u8
        };
        Rgb([over_white(r), over_white(g), over_white(b)])
    });
    let mut out = Vec::new();
    match JpegEncoder::new_with_quality(&mut out, QUALITY).encode_image(&flat) {
        Ok(()) => Some(out),
        Err(error) => {
            tracing::warn!(%error, "encoding a thumbnail failed");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageOutputFormat, RgbaImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = RgbaImage::from_pixel(width, height, image::Rgba([10, 200, 30, 128]));
        let mut out = Cursor::new(Vec::new());
        picture
            .write_to(&mut out, ImageOutputFormat::Png)
            .expect("encode");
        out.into_inner()
    }

    #[test]
    fn pictures_shrink_to_fit_and_become_jpeg() {
        let thumb = thumbnail(&png(1000, 500), "image/png").expect("a thumbnail");
        let decoded = image::load_from_memory_with_format(&thumb, ImageFormat::Jpeg).expect("jpeg");
        assert_eq!((decoded.width(), decoded.height()), (320, 160));
        let small = thumbnail(&png(40, 30), "image/png").expect("a thumbnail");
        let decoded = image::load_from_memory(&small).expect("decodes");
        assert_eq!(
            (decoded.width(), decoded.height()),
            (40, 30),
            "never enlarged"
        );
    }

    #[test]
    fn undecodable_or_unsupported_pictures_have_none() {
        assert_eq!(thumbnail(b"\x89PNG\r\n\x1a\nbroken", "image/png"), None);
        assert_eq!(thumbnail(b"GIF89a", "image/gif"), None);
        assert_eq!(thumbnail(&png(10, 10), "application/pdf"), None);
    }
}
