//! Email addresses: trimmed, syntax-checked by `email_address` (RFC 5322 / 5321), and normalised
//! to lower case for uniqueness; the address as typed is kept for display and mail.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// RFC 5321's limit on a forward path.
pub const EMAIL_MAX: usize = 254;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, s: &str) -> Result<Self> {
        let t = s.trim();
        if t.len() > EMAIL_MAX {
            return Err(Error::invalid(field, format!("must be at most {EMAIL_MAX} characters")));
        }
        let opts = email_address::Options::default().without_display_text().without_domain_literal();
        let parsed =
            email_address::EmailAddress::parse_with_options(t, opts).map_err(|_| Error::invalid(field, "is not a valid email address"))?;
        // A login name needs a real domain: at least one dot, no empty labels.
        let domain = parsed.domain();
        if !domain.contains('.') || domain.split('.').any(str::is_empty) {
            return Err(Error::invalid(field, "is not a valid email address"));
        }
        Ok(Email(t.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The key that makes emails unique regardless of case.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

impl TryFrom<String> for Email {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Email::parse("email", &s)
    }
}
impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}
impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_addresses_are_trimmed_and_normalised() {
        let e = Email::parse("email", "  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Ada.Lovelace@Example.COM");
        assert_eq!(e.normalized(), "ada.lovelace@example.com");
    }

    #[test]
    fn invalid_addresses_are_refused_naming_the_field() {
        for bad in ["", "plain", "a@", "@b.com", "a b@c.com", "a@localhost", "Ada <a@b.com>", "a@b..com"] {
            match Email::parse("email", bad) {
                Err(Error::Invalid { field, .. }) => assert_eq!(field, "email"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        assert!(Email::parse("email", &format!("{}@example.com", "a".repeat(250))).is_err());
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(local in "[a-zA-Z0-9._%+-]{1,20}", domain in "[a-zA-Z0-9-]{1,20}\\.[a-zA-Z]{2,6}") {
            let s = format!("{local}@{domain}");
            if let Ok(e) = Email::parse("email", &s) {
                let again = Email::parse("email", &e.normalized()).unwrap();
                prop_assert_eq!(again.normalized(), e.normalized());
            }
        }
    }
}
