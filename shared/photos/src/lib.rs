//! Reads uploaded photos with the `image` crate: the format recognised by content, then the whole
//! image decoded within limits (a small file can claim a huge image). Linked only by the functions
//! that take photos (the cabinet and the admin edit); the rules are the domain's (`photo`).

use image::{ImageFormat, ImageReader, Limits};
use secboard_domain::photo::{Decoded, PhotoKind};
use secboard_domain::ports::PhotoDecoder;
use std::io::Cursor;

/// Most memory one decode may take.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// The `image` crate as the domain's [`PhotoDecoder`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ImageDecoder;

impl PhotoDecoder for ImageDecoder {
    fn decode(&self, bytes: &[u8], max_side: u32) -> Decoded {
        let Ok(reader) = ImageReader::new(Cursor::new(bytes)).with_guessed_format() else { return Decoded::NotJpegOrPng };
        // Format guessing knows more formats than are compiled in: allow exactly these two.
        let kind = match reader.format() {
            Some(ImageFormat::Jpeg) => PhotoKind::Jpeg,
            Some(ImageFormat::Png) => PhotoKind::Png,
            _ => return Decoded::NotJpegOrPng,
        };
        let mut limits = Limits::default();
        limits.max_image_width = Some(max_side);
        limits.max_image_height = Some(max_side);
        limits.max_alloc = Some(MAX_ALLOC);
        let mut reader = reader;
        reader.limits(limits);
        match reader.decode() {
            Ok(img) => Decoded::Image { kind, width: img.width(), height: img.height() },
            Err(_) => Decoded::Unreadable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secboard_domain::Error;
    use secboard_domain::photo::{PHOTO_MAX_BYTES, check};

    /// A PNG of the given size (test images are made, not shipped).
    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 40, 200]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    #[test]
    fn jpeg_and_png_of_at_least_200_pixels_pass_whatever_their_name() {
        assert_eq!(check(&png(200, 200), &ImageDecoder).unwrap().kind, PhotoKind::Png);
        assert_eq!(check(&jpeg(640, 480), &ImageDecoder).unwrap().kind, PhotoKind::Jpeg);
    }

    #[test]
    fn small_other_format_oversized_or_damaged_files_are_refused_with_the_reason() {
        let reason = |b: &[u8]| match check(b, &ImageDecoder) {
            Err(Error::Invalid { field, message }) if field == "photo" => message,
            other => panic!("{other:?}"),
        };
        assert!(reason(&png(199, 400)).contains("200 x 200"));
        assert!(reason(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").contains("JPEG or PNG"));
        assert!(reason(b"<svg xmlns='http://www.w3.org/2000/svg'/>").contains("JPEG or PNG"));
        assert!(reason(b"RIFF\x00\x00\x00\x00WEBPVP8 ").contains("JPEG or PNG"));
        assert!(reason(&vec![0u8; PHOTO_MAX_BYTES + 1]).contains("2 MB"));
        let mut truncated = png(300, 300);
        truncated.truncate(truncated.len() / 2);
        assert!(reason(&truncated).contains("could not be read"));
        assert!(reason(b"").contains("request body"));
    }

    #[test]
    fn a_side_over_the_limit_is_refused_before_decoding() {
        assert_eq!(ImageDecoder.decode(&png(300, 200), 256), Decoded::Unreadable);
    }
}
