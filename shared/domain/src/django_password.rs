//! Django password hashes, as an import brings them over (`auth.User.password`).
//!
//! Every hasher Django ships or shipped is kept and verified at sign-in: `pbkdf2_sha256`,
//! `pbkdf2_sha1`, `argon2` (argon2id, and the argon2i of Django before 3.2), `bcrypt_sha256`,
//! `bcrypt`, `scrypt`, `md5`, `unsalted_md5`, `unsalted_sha1` and `sha1`. An unusable password
//! (`!` and anything, or empty) is no password. Django's crypt(3) hasher (removed in Django 5.0,
//! and from Python 3.13) is not supported: such a row is reported at import.
//!
//! The format is checked here, completely, before anything is kept: the verifying crate panics on
//! some malformed strings, so only a hash that parsed here ever reaches it. The costs a hash names
//! are bounded too (a hash is data from a file: 10^9 PBKDF2 iterations or a 4 GiB scrypt would
//! make one sign-in a denial of service). The bounds are far above what any Django wrote.

use argon2::password_hash::PasswordHash;
use std::fmt;

/// Most PBKDF2 iterations accepted (Django 6.0 writes 1,200,000; the verifying crate's own limit).
pub const PBKDF2_MAX_ITERATIONS: u32 = 1_500_000;
/// bcrypt costs accepted (Django writes 12).
pub const BCRYPT_COSTS: std::ops::RangeInclusive<u32> = 4..=16;
/// Most memory an scrypt or argon2 hash may ask for, in KiB (Django writes 16 MiB and 100 MiB).
pub const MEMORY_MAX_KIB: u64 = 256 * 1024;
/// Most argon2 passes and lanes, scrypt `p` and `r` accepted.
pub const ARGON2_MAX_TIME: u32 = 16;
pub const MAX_PARALLELISM: u32 = 16;
pub const SCRYPT_MAX_R: u32 = 32;
/// Longest stored hash accepted (Django's longest, argon2, is about 100 characters).
pub const HASH_MAX: usize = 256;

/// Django's hashers, by the name it writes (or, for the unsalted ones, the name of the hasher).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DjangoAlgorithm {
    Pbkdf2Sha256,
    Pbkdf2Sha1,
    Argon2,
    BcryptSha256,
    Bcrypt,
    Scrypt,
    Md5,
    UnsaltedMd5,
    Sha1,
    UnsaltedSha1,
}

impl DjangoAlgorithm {
    pub const ALL: [DjangoAlgorithm; 10] = [
        DjangoAlgorithm::Pbkdf2Sha256,
        DjangoAlgorithm::Pbkdf2Sha1,
        DjangoAlgorithm::Argon2,
        DjangoAlgorithm::BcryptSha256,
        DjangoAlgorithm::Bcrypt,
        DjangoAlgorithm::Scrypt,
        DjangoAlgorithm::Md5,
        DjangoAlgorithm::UnsaltedMd5,
        DjangoAlgorithm::Sha1,
        DjangoAlgorithm::UnsaltedSha1,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DjangoAlgorithm::Pbkdf2Sha256 => "pbkdf2_sha256",
            DjangoAlgorithm::Pbkdf2Sha1 => "pbkdf2_sha1",
            DjangoAlgorithm::Argon2 => "argon2",
            DjangoAlgorithm::BcryptSha256 => "bcrypt_sha256",
            DjangoAlgorithm::Bcrypt => "bcrypt",
            DjangoAlgorithm::Scrypt => "scrypt",
            DjangoAlgorithm::Md5 => "md5",
            DjangoAlgorithm::UnsaltedMd5 => "unsalted_md5",
            DjangoAlgorithm::Sha1 => "sha1",
            DjangoAlgorithm::UnsaltedSha1 => "unsalted_sha1",
        }
    }
}

/// A Django hash whose format was checked: safe to hand to the verifier. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DjangoHash {
    algorithm: DjangoAlgorithm,
    encoded: String,
}

impl fmt::Debug for DjangoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DjangoHash({}, ..)", self.algorithm.as_str())
    }
}

impl DjangoHash {
    pub fn algorithm(&self) -> DjangoAlgorithm {
        self.algorithm
    }
    /// The hash as Django wrote it (hex digests in lower case).
    pub fn encoded(&self) -> &str {
        &self.encoded
    }
}

/// What Django's `password` column holds, once checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DjangoPassword {
    /// `!...` or empty: `set_unusable_password()`; first access comes by a link.
    Unusable,
    Hash(DjangoHash),
}

/// Why a `password` value cannot be imported (for the import's report; never the value itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(algorithm: &str, why: &str) -> Malformed {
    Malformed(format!("the password hash is not a valid {algorithm} hash: {why}"))
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Standard base64 with padding of exactly `bytes` bytes (what Django's PBKDF2 and scrypt write).
fn is_b64_of(s: &str, bytes: usize) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).is_ok_and(|d| d.len() == bytes)
}

/// Django's salts: printable ASCII without `$` (its own are letters and digits).
fn is_salt(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic() && b != b'$')
}

fn number(s: &str) -> Option<u32> {
    (!s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

impl DjangoPassword {
    /// Checks the format of a stored Django password completely.
    pub fn parse(encoded: &str) -> Result<DjangoPassword, Malformed> {
        if encoded.is_empty() || encoded.starts_with('!') {
            return Ok(DjangoPassword::Unusable);
        }
        if encoded.len() > HASH_MAX {
            return Err(Malformed(format!("the password hash is longer than {HASH_MAX} characters")));
        }
        let hash = |algorithm, encoded: String| Ok(DjangoPassword::Hash(DjangoHash { algorithm, encoded }));
        // Unsalted MD5: bare 32 hex digits, or `md5$$` and them (both written by old Djangos).
        if is_hex(encoded, 32) {
            return hash(DjangoAlgorithm::UnsaltedMd5, encoded.to_ascii_lowercase());
        }
        let parts: Vec<&str> = encoded.split('$').collect();
        match parts[0] {
            "pbkdf2_sha256" | "pbkdf2_sha1" => {
                let (algorithm, bytes) =
                    if parts[0] == "pbkdf2_sha256" { (DjangoAlgorithm::Pbkdf2Sha256, 32) } else { (DjangoAlgorithm::Pbkdf2Sha1, 20) };
                let [_, iterations, salt, digest] = parts[..] else { return Err(bad(parts[0], "expected 4 parts")) };
                match number(iterations) {
                    Some(n) if (1..=PBKDF2_MAX_ITERATIONS).contains(&n) => {}
                    _ => return Err(bad(parts[0], &format!("iterations must be 1 to {PBKDF2_MAX_ITERATIONS}"))),
                }
                if !is_salt(salt) {
                    return Err(bad(parts[0], "bad salt"));
                }
                if !is_b64_of(digest, bytes) {
                    return Err(bad(parts[0], "bad digest"));
                }
                hash(algorithm, encoded.to_owned())
            }
            "argon2" => {
                let phc = &encoded["argon2".len()..];
                check_argon2(phc)?;
                hash(DjangoAlgorithm::Argon2, encoded.to_owned())
            }
            "bcrypt_sha256" | "bcrypt" => {
                let algorithm = if parts[0] == "bcrypt" { DjangoAlgorithm::Bcrypt } else { DjangoAlgorithm::BcryptSha256 };
                // `bcrypt$` + the modular crypt string `$2b$12$<22 salt><31 hash>`.
                let [_, "", variant, cost, rest] = parts[..] else { return Err(bad(parts[0], "expected a $2b$ string")) };
                if !matches!(variant, "2a" | "2b" | "2y") {
                    return Err(bad(parts[0], "unknown bcrypt variant"));
                }
                match number(cost) {
                    Some(c) if cost.len() == 2 && BCRYPT_COSTS.contains(&c) => {}
                    _ => return Err(bad(parts[0], "cost must be 04 to 16")),
                }
                if rest.len() != 53 || !rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/') {
                    return Err(bad(parts[0], "bad salt and digest"));
                }
                hash(algorithm, encoded.to_owned())
            }
            "scrypt" => {
                let [_, n, salt, r, p, digest] = parts[..] else { return Err(bad("scrypt", "expected 6 parts")) };
                let (Some(n), Some(r), Some(p)) = (number(n), number(r), number(p)) else {
                    return Err(bad("scrypt", "n, r and p must be numbers"));
                };
                if n < 2 || !n.is_power_of_two() {
                    return Err(bad("scrypt", "n must be a power of two"));
                }
                if !(1..=SCRYPT_MAX_R).contains(&r) || !(1..=MAX_PARALLELISM).contains(&p) {
                    return Err(bad("scrypt", "r or p out of bounds"));
                }
                // scrypt needs 128 * n * r bytes.
                if 128 * u64::from(n) * u64::from(r) / 1024 > MEMORY_MAX_KIB {
                    return Err(bad("scrypt", "asks for too much memory"));
                }
                if !is_salt(salt) || !is_b64_of(digest, 64) {
                    return Err(bad("scrypt", "bad salt or digest"));
                }
                hash(DjangoAlgorithm::Scrypt, encoded.to_owned())
            }
            "md5" | "sha1" => {
                let (salted, unsalted, len) = if parts[0] == "md5" {
                    (DjangoAlgorithm::Md5, DjangoAlgorithm::UnsaltedMd5, 32)
                } else {
                    (DjangoAlgorithm::Sha1, DjangoAlgorithm::UnsaltedSha1, 40)
                };
                let [name, salt, digest] = parts[..] else { return Err(bad(parts[0], "expected 3 parts")) };
                if !is_hex(digest, len) {
                    return Err(bad(parts[0], "bad digest"));
                }
                let digest = digest.to_ascii_lowercase();
                if salt.is_empty() {
                    return hash(unsalted, format!("{name}$${digest}"));
                }
                if !is_salt(salt) {
                    return Err(bad(parts[0], "bad salt"));
                }
                hash(salted, format!("{name}${salt}${digest}"))
            }
            "crypt" => Err(Malformed("Django's crypt hasher is not supported: the user gets no password (first access by link)".into())),
            _ => Err(Malformed("the password hash is of no Django hasher".into())),
        }
    }
}

/// The PHC string after Django's `argon2` prefix: argon2id or argon2i, bounded costs.
fn check_argon2(phc: &str) -> Result<(), Malformed> {
    let parsed = PasswordHash::new(phc).map_err(|e| bad("argon2", &e.to_string()))?;
    if !matches!(parsed.algorithm.as_str(), "argon2id" | "argon2i") {
        return Err(bad("argon2", "only argon2id and argon2i"));
    }
    if !matches!(parsed.version, Some(0x13) | Some(0x10)) {
        return Err(bad("argon2", "version must be 19 or 16"));
    }
    let params = argon2::Params::try_from(&parsed).map_err(|e| bad("argon2", &e.to_string()))?;
    if u64::from(params.m_cost()) > MEMORY_MAX_KIB || params.t_cost() > ARGON2_MAX_TIME || params.p_cost() > MAX_PARALLELISM {
        return Err(bad("argon2", "costs out of bounds"));
    }
    if parsed.salt.is_none() || parsed.hash.is_none_or(|h| h.len() < 10) {
        return Err(bad("argon2", "no salt or digest"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn algorithm(s: &str) -> DjangoAlgorithm {
        match DjangoPassword::parse(s) {
            Ok(DjangoPassword::Hash(h)) => h.algorithm(),
            other => panic!("{s}: {other:?}"),
        }
    }

    // Shapes only (the digests are zeros): real vectors come from Django in the e2e tests.
    #[test]
    fn every_django_format_is_recognised() {
        let b64_32 = "A".repeat(43) + "=";
        let b64_20 = "A".repeat(27) + "=";
        let b64_64 = "A".repeat(86) + "==";
        assert_eq!(algorithm(&format!("pbkdf2_sha256$1000000$salt${b64_32}")), DjangoAlgorithm::Pbkdf2Sha256);
        assert_eq!(algorithm(&format!("pbkdf2_sha1$600000$salt${b64_20}")), DjangoAlgorithm::Pbkdf2Sha1);
        assert_eq!(
            algorithm("argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHRzb21lc2FsdA$Sk8ZEbnBnZ0nXv5JlNEmnw"),
            DjangoAlgorithm::Argon2
        );
        assert_eq!(algorithm("argon2$argon2i$v=19$m=512,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$Sk8ZEbnBnZ0nXv5JlNEmnw"), DjangoAlgorithm::Argon2);
        let bc = format!("$2b$12${}", "a".repeat(53));
        assert_eq!(algorithm(&format!("bcrypt_sha256${bc}")), DjangoAlgorithm::BcryptSha256);
        assert_eq!(algorithm(&format!("bcrypt${bc}")), DjangoAlgorithm::Bcrypt);
        assert_eq!(algorithm(&format!("scrypt$16384$salt$8$1${b64_64}")), DjangoAlgorithm::Scrypt);
        assert_eq!(algorithm(&format!("md5$salt${}", "0".repeat(32))), DjangoAlgorithm::Md5);
        assert_eq!(algorithm(&"0".repeat(32)), DjangoAlgorithm::UnsaltedMd5);
        assert_eq!(algorithm(&format!("md5$${}", "0".repeat(32))), DjangoAlgorithm::UnsaltedMd5);
        assert_eq!(algorithm(&format!("sha1$salt${}", "0".repeat(40))), DjangoAlgorithm::Sha1);
        assert_eq!(algorithm(&format!("sha1$${}", "0".repeat(40))), DjangoAlgorithm::UnsaltedSha1);
        assert_eq!(DjangoPassword::parse("!x8aBc").unwrap(), DjangoPassword::Unusable);
        assert_eq!(DjangoPassword::parse("").unwrap(), DjangoPassword::Unusable);
    }

    #[test]
    fn malformed_or_unbounded_hashes_are_refused_with_a_reason_that_shows_no_hash() {
        let b64_32 = "A".repeat(43) + "=";
        let b64_64 = "A".repeat(86) + "==";
        for s in [
            "pbkdf2_sha256$notanumber$salt$x".to_owned(),
            format!("pbkdf2_sha256$0$salt${b64_32}"),
            format!("pbkdf2_sha256$1500001$salt${b64_32}"),
            format!("pbkdf2_sha256$1000$salt${b64_32}$extra"),
            "pbkdf2_sha256$1000$salt$not-base64".to_owned(),
            format!("pbkdf2_sha256$1000$$${b64_32}"),
            "argon2$argon2id$v=19$m=1,t=2$salt$hash".to_owned(),
            "argon2$argon2d$v=19$m=512,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$Sk8ZEbnBnZ0nXv5JlNEmnw".to_owned(),
            "argon2$argon2id$v=19$m=4000000,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$Sk8ZEbnBnZ0nXv5JlNEmnw".to_owned(),
            "argon2$argon2id$v=19$m=512,t=2,p=2".to_owned(),
            "argon2".to_owned(),
            format!("bcrypt$$2b$31${}", "a".repeat(53)),
            format!("bcrypt$$2x$12${}", "a".repeat(53)),
            format!("bcrypt_sha256$$2b$12${}", "a".repeat(52)),
            "bcrypt$".to_owned(),
            format!("scrypt$16385$salt$8$1${b64_64}"),
            format!("scrypt$1048576$salt$32$1${b64_64}"),
            format!("scrypt$x$salt$8$1${b64_64}"),
            "scrypt$16384$salt$8$1".to_owned(),
            format!("md5$salt${}", "0".repeat(31)),
            format!("sha1$salt${}", "g".repeat(40)),
            "sha1$salt".to_owned(),
            "crypt$$abN0eUu4I6J9c".to_owned(),
            "plaintext password".to_owned(),
            "$$$$".to_owned(),
            "x".repeat(HASH_MAX + 1),
        ] {
            let e = DjangoPassword::parse(&s).expect_err(&s);
            assert!(s.len() < 12 || !e.0.contains(&s), "the reason shows no hash: {e}");
        }
    }

    #[test]
    fn a_hash_never_prints() {
        let DjangoPassword::Hash(h) = DjangoPassword::parse(&format!("md5$salt${}", "a".repeat(32))).unwrap() else { panic!() };
        assert_eq!(format!("{h:?}"), "DjangoHash(md5, ..)");
    }
}
