//! Profile photos: JPEG or PNG recognised by content (not by name), at most 2 MB, at least
//! 200 x 200 pixels; anything else is refused with the FAQ's reason. Decoded in full once (by the
//! [`PhotoDecoder`] of the functions that take photos), so a file that only starts like an image
//! is refused too.

use crate::ports::PhotoDecoder;
use crate::{Error, Result};

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

/// What a [`PhotoDecoder`] made of an upload.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Not recognised as JPEG or PNG by its content.
    NotJpegOrPng,
    /// Starts like a JPEG or PNG but cannot be decoded in full within the limits.
    Unreadable,
    Image {
        kind: PhotoKind,
        width: u32,
        height: u32,
    },
}

/// Checks an upload against the photo rules. The field named in errors is `photo`.
pub fn check(bytes: &[u8], decoder: &dyn PhotoDecoder) -> Result<Photo> {
    let refuse = |m: &str| Error::invalid("photo", m);
    if bytes.is_empty() {
        return Err(refuse("send the image as the request body"));
    }
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(refuse("the file must be under 2 MB; resize or compress the image and try again"));
    }
    let (kind, width, height) = match decoder.decode(bytes, PHOTO_MAX_SIDE) {
        Decoded::NotJpegOrPng => return Err(refuse("the format must be JPEG or PNG (not WebP, GIF or SVG)")),
        Decoded::Unreadable => {
            return Err(refuse("the image could not be read; it may be damaged or too large (at most 8192 pixels a side)"));
        }
        Decoded::Image { kind, width, height } => (kind, width, height),
    };
    if width < PHOTO_MIN_SIDE || height < PHOTO_MIN_SIDE {
        return Err(refuse(&format!("the image must be at least 200 x 200 pixels; this one is {width} x {height}")));
    }
    Ok(Photo { kind, width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers what it was made with, whatever the bytes.
    struct Says(fn() -> Decoded);
    impl PhotoDecoder for Says {
        fn decode(&self, _: &[u8], max_side: u32) -> Decoded {
            assert_eq!(max_side, PHOTO_MAX_SIDE);
            (self.0)()
        }
    }

    fn reason(bytes: &[u8], d: fn() -> Decoded) -> String {
        match check(bytes, &Says(d)) {
            Err(Error::Invalid { field, message }) if field == "photo" => message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_jpeg_or_png_of_at_least_200_pixels_a_side_passes() {
        let p = check(b"x", &Says(|| Decoded::Image { kind: PhotoKind::Png, width: 200, height: 200 })).unwrap();
        assert_eq!((p.kind, p.width, p.height), (PhotoKind::Png, 200, 200));
    }

    #[test]
    fn each_refusal_says_its_reason() {
        assert!(reason(b"x", || Decoded::Image { kind: PhotoKind::Jpeg, width: 199, height: 400 }).contains("200 x 200"));
        assert!(reason(b"x", || Decoded::NotJpegOrPng).contains("JPEG or PNG"));
        assert!(reason(b"x", || Decoded::Unreadable).contains("could not be read"));
        assert!(reason(&vec![0u8; PHOTO_MAX_BYTES + 1], || unreachable!("not decoded")).contains("2 MB"));
        assert!(reason(b"", || unreachable!("not decoded")).contains("request body"));
    }
}
