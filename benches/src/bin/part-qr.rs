//! `floor-direct` plus the QR code of an otpauth URI (SVG, and PNG through the `image` crate), as
//! two-factor set-up links it. Its size over `floor-direct` is the part's.

#[path = "../floor.rs"]
mod floor;

fn main() -> Result<(), lambda_http::Error> {
    floor::main_with(|body| async move {
        totp_setup::qr_codes(&String::from_utf8_lossy(&body)).map(|(svg, png)| svg.len() + png.len()).unwrap_or(0)
    })
}
