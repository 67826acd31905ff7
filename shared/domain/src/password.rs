//! Passwords: argon2id PHC strings with OWASP's parameters (m=19456 KiB, t=2, p=1), the same in
//! production and tests. Hashing runs on the blocking pool, never on the async runtime.

use crate::clock::{Entropy, random_bytes};
use crate::ports::PasswordStrength;
use crate::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// Fewest characters a password may have (the manual).
pub const PASSWORD_MIN: usize = 8;
/// Most characters a password may have: long passphrases fit; argon2 input stays bounded.
pub const PASSWORD_MAX: usize = 128;

/// A well-formed argon2id hash, with the production parameters, that matches no known password.
/// Checking a password against it costs what checking a real one costs, so a sign-in for an
/// unknown email takes the same time as one for a known email.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2VjYm9hcmQtZHVtbXktc2FsdA$3Yk0l4jHvcz0cZKjX8D6Zr3b0h5b7G9q2v8m1J6s5xA";

fn argon2() -> Argon2<'static> {
    // The parameters are constants within argon2's bounds; Params::new cannot fail for them.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string of a password; never the password itself.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct PasswordHashString(String);

impl std::fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashString(..)")
    }
}

impl PasswordHashString {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn from_phc(s: String) -> Self {
        PasswordHashString(s)
    }
}

/// A password as typed, kept out of Debug output.
#[derive(Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Password(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// The length rule for a new password; `field` names it in the error.
    pub fn check_new(&self, field: &str) -> Result<()> {
        let n = self.0.chars().count();
        if n < PASSWORD_MIN {
            return Err(Error::invalid(field, format!("must be at least {PASSWORD_MIN} characters")));
        }
        if n > PASSWORD_MAX {
            return Err(Error::invalid(field, format!("must be at most {PASSWORD_MAX} characters")));
        }
        if self.0.trim().is_empty() {
            return Err(Error::invalid(field, "must not be only spaces"));
        }
        Ok(())
    }
}

/// The whole policy for a new password: length bounds, not guessable (judged by `strength`, the
/// estimator linked by the functions that set passwords) from common passwords, words and names
/// or from the user's own details (`context`: email, names; each part of them counts on its own,
/// "ada.lovelace@..." gives "ada" and "lovelace"), and not the current password (checked by the
/// caller with [`verify`]).
pub fn check_policy(password: &Password, field: &str, context: &[&str], strength: &dyn PasswordStrength) -> Result<()> {
    password.check_new(field)?;
    let tokens: Vec<String> = context
        .iter()
        .flat_map(|c| c.split(|ch: char| !ch.is_alphanumeric()))
        .filter(|t| t.chars().count() >= 3)
        .map(str::to_lowercase)
        .chain(context.iter().map(|c| c.to_lowercase()))
        .collect();
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    if let Some(reason) = strength.weakness(password.expose(), &tokens) {
        return Err(Error::invalid(field, format!("choose a stronger password: {reason}. Longer phrases of unrelated words work well")));
    }
    Ok(())
}

/// Hashes on the blocking pool with a salt from `entropy`.
pub async fn hash(password: &Password, entropy: &dyn Entropy) -> Result<PasswordHashString> {
    let salt = random_bytes::<16>(entropy);
    let pw = password.0.clone();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(|e| Error::unexpected(format!("salt: {e}")))?;
        argon2()
            .hash_password(pw.as_bytes(), &salt)
            .map(|h| PasswordHashString(h.to_string()))
            .map_err(|e| Error::unexpected(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| Error::unexpected(format!("hashing task: {e}")))?
}

/// Verifies on the blocking pool. A malformed stored hash verifies as false (and is logged).
pub async fn verify(password: &Password, stored: &str) -> bool {
    let pw = password.0.clone();
    let stored = stored.to_owned();
    tokio::task::spawn_blocking(move || match PasswordHash::new(&stored) {
        Ok(parsed) => argon2().verify_password(pw.as_bytes(), &parsed).is_ok(),
        Err(_) => {
            tracing::error!("a stored credential hash is not a valid PHC string");
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Verifies a password against a Django hash kept by an import, on the blocking pool. The format
/// is checked first (`DjangoPassword::parse`), so only a well-formed hash reaches the verifier; a
/// malformed one (or an unusable one) verifies as false, and the check costs a dummy hash's work.
pub async fn verify_django(verifier: std::sync::Arc<dyn crate::ports::DjangoVerifier>, password: &Password, stored: &str) -> bool {
    use crate::django_password::DjangoPassword;
    let hash = match DjangoPassword::parse(stored) {
        Ok(DjangoPassword::Hash(h)) => h,
        Ok(DjangoPassword::Unusable) => return verify_dummy(password).await,
        Err(_) => {
            tracing::error!("a stored Django hash is malformed");
            return verify_dummy(password).await;
        }
    };
    let pw = password.0.clone();
    tokio::task::spawn_blocking(move || verifier.verify(&pw, &hash)).await.unwrap_or(false)
}

/// Whether a stored hash is below the policy (not argon2id, or a cost under OWASP's): it is
/// replaced by a fresh hash at the next successful sign-in.
pub fn below_policy(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return true };
    if parsed.algorithm.as_str() != "argon2id" || parsed.version != Some(0x13) {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(p) => p.m_cost() < MEMORY_KIB || p.t_cost() < ITERATIONS || p.p_cost() < PARALLELISM,
        Err(_) => true,
    }
}

/// Spends the work of one verification and answers false: for unknown emails and accounts
/// without a local password, so the answer takes as long as a real check.
pub async fn verify_dummy(password: &Password) -> bool {
    let _ = verify(password, DUMMY_HASH).await;
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::OsEntropy;

    #[tokio::test(flavor = "multi_thread")]
    async fn a_hash_verifies_its_password_only_and_uses_owasp_parameters() {
        let pw = Password::new("correct horse battery staple");
        let h = hash(&pw, &OsEntropy).await.unwrap();
        assert!(h.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&pw, h.as_str()).await);
        assert!(!verify(&Password::new("wrong horse"), h.as_str()).await);
        assert!(!verify(&pw, "not a phc string").await);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_hash_below_the_policy_is_known_as_such() {
        let pw = Password::new("correct horse battery staple");
        assert!(!below_policy(hash(&pw, &OsEntropy).await.unwrap().as_str()));
        assert!(!below_policy(DUMMY_HASH));
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        for (algorithm, m, t) in [(Algorithm::Argon2id, 4096, 2), (Algorithm::Argon2id, 19_456, 1), (Algorithm::Argon2i, 19_456, 2)] {
            let weak = Argon2::new(algorithm, Version::V0x13, Params::new(m, t, 1, None).unwrap());
            let h = weak.hash_password(b"correct horse battery staple", &salt).unwrap().to_string();
            assert!(below_policy(&h), "{h}");
            assert!(verify(&pw, &h).await, "still verifies, by its own parameters: {h}");
        }
        assert!(below_policy("not a phc string"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_dummy_hash_is_a_real_argon2id_hash_with_production_cost() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let p = Params::try_from(&parsed).unwrap();
        assert_eq!((p.m_cost(), p.t_cost(), p.p_cost()), (MEMORY_KIB, ITERATIONS, PARALLELISM));
        assert!(!verify_dummy(&Password::new("anything")).await);
    }

    /// Calls a password weak when it contains one of the context tokens it is given.
    struct ContainsContext;
    impl PasswordStrength for ContainsContext {
        fn weakness(&self, password: &str, context: &[&str]) -> Option<String> {
            context.iter().any(|t| password.to_lowercase().contains(t)).then(|| "it contains your name".to_owned())
        }
    }

    #[test]
    fn the_parts_of_the_users_email_and_names_count_against_a_new_password() {
        let ctx = ["ada.lovelace@example.com", "Ada", "Lovelace"];
        let e = check_policy(&Password::new("xx-LOVELACE-xx"), "password", &ctx, &ContainsContext).unwrap_err();
        assert!(
            matches!(&e, Error::Invalid { field, message } if field == "password" && message == "choose a stronger password: it contains your name. Longer phrases of unrelated words work well"),
            "{e:?}"
        );
        assert!(check_policy(&Password::new("correct horse battery staple"), "password", &ctx, &ContainsContext).is_ok());
        assert!(check_policy(&Password::new("short"), "password", &[], &ContainsContext).is_err(), "the length rule first");
    }

    #[test]
    fn new_passwords_are_bounded() {
        assert!(Password::new("1234567").check_new("password").is_err());
        assert!(Password::new("12345678").check_new("password").is_ok());
        assert!(Password::new("x".repeat(64)).check_new("password").is_ok(), "64 characters at least");
        assert!(Password::new("x".repeat(PASSWORD_MAX)).check_new("password").is_ok());
        assert_eq!(PASSWORD_MAX, 128, "bounded so the hash's cost is");
        assert!(Password::new("x".repeat(PASSWORD_MAX + 1)).check_new("password").is_err());
        assert!(Password::new("        ").check_new("password").is_err());
    }
}
