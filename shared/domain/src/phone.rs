//! Phone numbers in international format, checked with `phonenumber` (a port of Google's
//! libphonenumber) and stored as E.164.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts `+<country code> <number>` with the usual separators; anything else is refused.
    pub fn parse(field: &str, s: &str) -> Result<Self> {
        let t = s.trim();
        let refuse = || Error::invalid(field, "must be a valid phone number in international format, like +44 20 7946 0958");
        if !t.starts_with('+') || t.len() > 32 {
            return Err(refuse());
        }
        let number = phonenumber::parse(None, t).map_err(|_| refuse())?;
        if !phonenumber::is_valid(&number) {
            return Err(refuse());
        }
        Ok(Phone(number.format().mode(phonenumber::Mode::E164).to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A number read back (from the store): it was checked by [`Phone::parse`] when it was entered
/// and kept as E.164, so only its shape is checked here. Reading a profile so needs no number
/// metadata, and only the functions that take phone numbers link `phonenumber`.
impl TryFrom<String> for Phone {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        let digits = s.strip_prefix('+').unwrap_or("");
        if (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Phone(s))
        } else {
            Err(Error::invalid("phone", "is not a stored E.164 number"))
        }
    }
}
impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_numbers_are_stored_as_e164() {
        assert_eq!(Phone::parse("phone", "+44 20 7946 0958").unwrap().as_str(), "+442079460958");
        assert_eq!(Phone::try_from("+442079460958".to_owned()).unwrap().as_str(), "+442079460958", "read back as stored");
        assert!(Phone::try_from("020 7946 0958".to_owned()).is_err(), "a stored number is E.164");
        assert_eq!(Phone::parse("phone", " +380 44 123 4567 ").unwrap().as_str(), "+380441234567");
        assert_eq!(Phone::parse("phone", "+1 (650) 253-0000").unwrap().as_str(), "+16502530000");
    }

    #[test]
    fn national_or_invalid_numbers_are_refused() {
        for bad in ["020 7946 0958", "+44 12", "phone", "", "+999 123456789", "+44 20 7946 0958 ext 1234567890123"] {
            assert!(Phone::parse("phone", bad).is_err(), "{bad}");
        }
    }
}
