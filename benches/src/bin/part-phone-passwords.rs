//! `floor-direct` plus phone checking and zxcvbn together, as the cabinet and the admin edit link
//! them: both carry the `regex` engine, so their sizes do not add. Its size over `floor-direct` is
//! the pair's.

#[path = "../floor.rs"]
mod floor;
use secboard_domain::ports::PasswordStrength;

fn main() -> Result<(), lambda_http::Error> {
    floor::main_with(|body| async move {
        let text = String::from_utf8_lossy(&body);
        let phone = secboard_domain::phone::Phone::parse("phone", &text).map_or(0, |p| p.as_str().len());
        phone + secboard_passwords::Zxcvbn.weakness(&text, &[]).map_or(0, |w| w.len())
    })
}
