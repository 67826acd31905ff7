//! Profile photos: JPEG or PNG recognised by content (not by name), at most 2 MB, at least
//! 200 x 200 pixels; anything else is refused with the FAQ's reason. Decoded in full once, so a
//! file that only starts like an image is refused too.

use crate::{Error, Result};
use image::{ImageFormat, ImageReader, Limits};
use std::io::Cursor;

pub const PHOTO_MAX_BYTES: usize = 2 * 1024 * 1024;
pub const PHOTO_MIN_SIDE: u32 = 200;
/// Larger sides than this are refused before decoding (a small file can claim a huge image).
pub const PHOTO_MAX_SIDE: u32 = 8192;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoKind {
    Jpeg,
    Png,
}

impl PhotoKind {
    pub fn content_type(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "jpg",
            PhotoKind::Png => "png",
        }
    }
}

#[derive(Debug)]
pub struct Photo {
    pub kind: PhotoKind,
    pub width: u32,
    pub height: u32,
}

/// Checks an upload against the photo rules. The field named in errors is `photo`.
pub fn check(bytes: &[u8]) -> Result<Photo> {
    let refuse = |m: &str| Error::invalid("photo", m);
    if bytes.is_empty() {
        return Err(refuse("send the image as the request body"));
    }
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(refuse("the file must be under 2 MB; resize or compress the image and try again"));
    }
    let not_image = || refuse("the format must be JPEG or PNG (not WebP, GIF or SVG)");
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| not_image())?;
    // Format guessing knows more formats than are compiled in: allow exactly these two.
    let kind = match reader.format() {
        Some(ImageFormat::Jpeg) => PhotoKind::Jpeg,
        Some(ImageFormat::Png) => PhotoKind::Png,
        _ => return Err(not_image()),
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(PHOTO_MAX_SIDE);
    limits.max_image_height = Some(PHOTO_MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    let mut reader = reader;
    reader.limits(limits);
    let img =
        reader.decode().map_err(|_| refuse("the image could not be read; it may be damaged or too large (at most 8192 pixels a side)"))?;
    let (width, height) = (img.width(), img.height());
    if width < PHOTO_MIN_SIDE || height < PHOTO_MIN_SIDE {
        return Err(refuse(&format!("the image must be at least 200 x 200 pixels; this one is {width} x {height}")));
    }
    Ok(Photo { kind, width, height })
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A PNG of the given size (test images are made, not shipped).
    pub fn png(w: u32, h: u32) -> Vec<u8> {
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
        assert_eq!(check(&png(200, 200)).unwrap().kind, PhotoKind::Png);
        assert_eq!(check(&jpeg(640, 480)).unwrap().kind, PhotoKind::Jpeg);
    }

    #[test]
    fn small_other_format_oversized_or_damaged_files_are_refused_with_the_reason() {
        let reason = |b: &[u8]| match check(b) {
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
}
