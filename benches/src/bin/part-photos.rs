//! `floor-direct` plus photo decoding (the `image` crate's JPEG and PNG), as the cabinet and the
//! admin edit link it. Its size over `floor-direct` is the part's.

#[path = "../floor.rs"]
mod floor;
use secboard_domain::photo::Decoded;
use secboard_domain::ports::PhotoDecoder;

fn main() -> Result<(), lambda_http::Error> {
    floor::main_with(|body| async move {
        match secboard_photos::ImageDecoder.decode(&body, 4096) {
            Decoded::Image { width, height, .. } => (width + height) as usize,
            _ => 0,
        }
    })
}
