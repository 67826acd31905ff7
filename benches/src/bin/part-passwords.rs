//! `floor-direct` plus zxcvbn's strength estimate and its dictionaries, as the functions that set
//! a password link it. Its size over `floor-direct` is the part's.

#[path = "../floor.rs"]
mod floor;
use secboard_domain::ports::PasswordStrength;

fn main() -> Result<(), lambda_http::Error> {
    floor::main_with(|body| async move {
        secboard_passwords::Zxcvbn.weakness(&String::from_utf8_lossy(&body), &["someone@example.com"]).map_or(0, |w| w.len())
    })
}
