//! `floor-direct` plus the Django hashers (PBKDF2, bcrypt, scrypt, argon2, the legacy digests), as
//! sign-in links them for imported passwords. Its size over `floor-direct` is the part's.

#[path = "../floor.rs"]
mod floor;
use secboard_domain::django_password::DjangoPassword;
use secboard_domain::ports::DjangoVerifier;

fn main() -> Result<(), lambda_http::Error> {
    floor::main_with(|body| async move {
        match DjangoPassword::parse(&String::from_utf8_lossy(&body)) {
            Ok(DjangoPassword::Hash(hash)) => usize::from(secboard_django::DjangoHashers.verify("password", &hash)),
            _ => 0,
        }
    })
}
