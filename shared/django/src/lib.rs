//! Verifies Django password hashes (see `secboard_domain::django_password`) with Django's own
//! algorithms: the `djangohashers` crate for PBKDF2, bcrypt, scrypt and the legacy digests, and
//! RustCrypto's `argon2` for Django's argon2 hashes (djangohashers 1.8 always computes argon2i,
//! so it refuses the argon2id hashes every Django since 3.2 writes; RustCrypto reads the variant,
//! version and costs from the PHC string, which is what Django stores after its `argon2` prefix).
//!
//! Only hashes whose format the domain checked reach these calls (djangohashers panics on some
//! malformed strings), and a panic all the same is caught and counts as a refusal.

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use secboard_domain::django_password::{DjangoAlgorithm, DjangoHash};
use secboard_domain::ports::DjangoVerifier;

/// The verifier the login function links.
#[derive(Clone, Copy, Debug, Default)]
pub struct DjangoHashers;

impl DjangoVerifier for DjangoHashers {
    fn verify(&self, password: &str, hash: &DjangoHash) -> bool {
        let encoded = hash.encoded();
        let checked = std::panic::catch_unwind(|| match hash.algorithm() {
            DjangoAlgorithm::Argon2 => verify_argon2(password, encoded),
            _ => djangohashers::check_password(password, encoded).unwrap_or(false),
        });
        checked.unwrap_or(false)
    }
}

fn verify_argon2(password: &str, encoded: &str) -> bool {
    let Some(phc) = encoded.strip_prefix("argon2") else { return false };
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secboard_domain::django_password::DjangoPassword;

    fn hash(s: &str) -> DjangoHash {
        match DjangoPassword::parse(s) {
            Ok(DjangoPassword::Hash(h)) => h,
            other => panic!("{other:?}"),
        }
    }

    // The vectors of every hasher come from real Django in the e2e tests; these only prove the
    // dispatch and that a well-formed but wrong digest is a plain refusal.
    #[test]
    fn a_well_formed_hash_of_another_password_is_refused() {
        let b64_32 = "A".repeat(43) + "=";
        for s in [
            format!("pbkdf2_sha256$1000$salt${b64_32}"),
            format!("md5$salt${}", "0".repeat(32)),
            "0".repeat(32),
            format!("sha1$${}", "0".repeat(40)),
            "argon2$argon2id$v=19$m=512,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$Sk8ZEbnBnZ0nXv5JlNEmnw".to_owned(),
            format!("bcrypt$$2b$04${}", "a".repeat(53)),
        ] {
            assert!(!DjangoHashers.verify("some password", &hash(&s)), "{s}");
        }
    }
}
