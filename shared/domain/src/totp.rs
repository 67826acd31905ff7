//! Two-factor rules: TOTP per RFC 6238 (HMAC-SHA1, 6 digits, 30-second steps; codes, secrets and
//! the otpauth URI by `totp-rs`) with at most one step of drift either way, and a step once accepted never
//! accepted again; backup codes of 80 bits in a readable form, kept only as hashes.

use crate::clock::{Entropy, random_bytes};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Totp};

pub const DIGITS: u32 = 6;
pub const STEP_SECS: i64 = 30;
/// Steps of drift accepted either way.
pub const DRIFT: i64 = 1;
/// Secret length: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
pub const BACKUP_CODES: usize = 10;

/// The RFC 6238 generator for a secret (SHA-1, 6 digits, 30-second steps). Its own window is
/// not used: each step of the drift window is checked here at that step's time, so the matched
/// step is known and remembered against replay.
fn generator(secret: &[u8], issuer: Option<&str>, account: &str) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_skew(0)
        .with_step_duration(STEP_SECS as u64)
        .with_secret(secret.to_vec())
        .with_issuer(issuer)
        .with_account_name(account)
        .build()
        .ok()
}

/// The time a step starts at, if it is after 1970.
fn start_of(step: i64) -> Option<u64> {
    u64::try_from(step.checked_mul(STEP_SECS)?).ok()
}

/// The code for a secret at a step (RFC 4226 HOTP with the step as counter). A secret shorter
/// than RFC 4226's 128 bits has no code (0, which no typed code matches through [`verify`]).
pub fn code_at(secret: &[u8], step: i64) -> u32 {
    match (generator(secret, None, ""), start_of(step)) {
        (Some(t), Some(at)) => t.generate(at).to_string().parse().unwrap_or(0),
        _ => 0,
    }
}

pub fn step_of(t: Timestamp) -> i64 {
    t.as_second().div_euclid(STEP_SECS)
}

/// The step a code matches, within the drift around `now` and after `last_used`; `None` if it
/// matches none (wrong, too old, or already used).
pub fn verify(secret: &[u8], code: &str, now: Timestamp, last_used: Option<i64>) -> Option<i64> {
    let typed = parse_code(code)?;
    let totp = generator(secret, None, "")?;
    let now = step_of(now);
    let mut found = None;
    // Check every candidate (each a constant-time comparison), so the time taken does not depend
    // on which one matches.
    for step in now - DRIFT..=now + DRIFT {
        let ok = start_of(step).and_then(|at| totp.check(&typed, at)).is_some();
        if ok && last_used.is_none_or(|l| step > l) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// A code as typed: six digits, spaces between them allowed. `None` if it is not one.
pub fn parse_code(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS as usize && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// A backup code as typed, normalised (letters and digits, upper case; case and separators do
/// not matter). `None` if it cannot be one.
pub fn parse_backup_code(code: &str) -> Option<String> {
    let norm: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    (norm.len() == 16).then_some(norm)
}

/// A new secret from `entropy` (passed in, so set-ups are reproducible in tests).
pub fn new_secret(entropy: &dyn Entropy) -> [u8; SECRET_BYTES] {
    random_bytes::<SECRET_BYTES>(entropy)
}

/// The secret as a person types it into an authenticator app: base32 without padding.
pub fn secret_base32(secret: &[u8]) -> String {
    totp_rs::Secret::from(secret.to_vec()).to_base32()
}

/// The `otpauth://` URI authenticator apps scan: totp-rs writes it (label and issuer
/// percent-encoded, the secret in base32). The `@` of an email stays as the Key URI format's own
/// example writes it (`Example:alice@google.com`; `@` is allowed in a path), and the algorithm,
/// digits and period are stated, for the apps that do not assume the defaults. Empty if the
/// issuer or account holds a `:`, which the format cannot carry (an email never does).
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let Some(url) = generator(secret, Some(issuer), account).and_then(|t| t.to_url().ok()) else { return String::new() };
    let (label, query) = url.split_once('?').unwrap_or((&url, ""));
    format!("{}?{query}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}", label.replace("%40", "@"))
}

/// Ten backup codes of 80 bits each, as 16 base32 characters in four groups (`ABCD-EFGH-...`).
pub fn new_backup_codes(entropy: &dyn Entropy) -> Vec<String> {
    (0..BACKUP_CODES)
        .map(|_| {
            let s = data_encoding::BASE32_NOPAD.encode(&random_bytes::<10>(entropy));
            s.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
        })
        .collect()
}

/// What is stored of a backup code: SHA-256 of its normalised form. 80 random bits make a fast
/// hash enough (nothing to guess from a dictionary).
pub fn backup_code_digest(code: &str) -> String {
    let norm = parse_backup_code(code).unwrap_or_default();
    hex::encode(Sha256::digest(norm.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::OsEntropy;

    /// RFC 6238 appendix B, SHA-1 (the 8-digit values, truncated to 6 digits).
    #[test]
    fn the_rfc_6238_test_vectors_hold() {
        let secret = b"12345678901234567890";
        for (t, eight) in [
            (59, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(code_at(secret, t / STEP_SECS), eight % 1_000_000, "T = {t}");
        }
    }

    #[test]
    fn one_step_of_drift_is_accepted_and_a_used_step_never_again() {
        let secret = b"12345678901234567890";
        let now = Timestamp::from_second(1_111_111_111).unwrap();
        let step = step_of(now);
        let code = |s: i64| format!("{:06}", code_at(secret, s));
        assert_eq!(verify(secret, &code(step), now, None), Some(step));
        assert_eq!(verify(secret, &code(step - 1), now, None), Some(step - 1));
        assert_eq!(verify(secret, &code(step + 1), now, None), Some(step + 1));
        assert_eq!(verify(secret, &code(step - 2), now, None), None, "two steps old");
        assert_eq!(verify(secret, &code(step), now, Some(step)), None, "replayed");
        assert_eq!(verify(secret, &code(step - 1), now, Some(step)), None, "older than the last used");
        assert_eq!(verify(secret, &format!(" {} {} ", &code(step)[..3], &code(step)[3..]), now, None), Some(step), "spaces allowed");
        for bad in ["", "12345", "1234567", "abcdef", "12 34"] {
            assert_eq!(verify(secret, bad, now, None), None, "{bad:?}");
        }
    }

    #[test]
    fn backup_codes_are_ten_readable_80_bit_codes_kept_as_digests() {
        let codes = new_backup_codes(&OsEntropy);
        assert_eq!(codes.len(), 10);
        assert!(codes.iter().all(|c| c.len() == 19 && c.split('-').count() == 4));
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert_eq!(backup_code_digest(&codes[0]), backup_code_digest(&codes[0].to_lowercase().replace('-', " ")));
        assert_ne!(backup_code_digest(&codes[0]), backup_code_digest(&codes[1]));
        assert!(!backup_code_digest(&codes[0]).contains(&codes[0][..4]));
    }

    #[test]
    fn the_otpauth_uri_names_issuer_account_and_the_base32_secret() {
        let uri = otpauth_uri(b"12345678901234567890", "SecBoard", "ada@example.com");
        assert_eq!(
            uri,
            "otpauth://totp/SecBoard:ada@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=SecBoard&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(new_secret(&OsEntropy).len() * 8, 160);
        assert_eq!(secret_base32(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }
}
