//! Bounded, trimmed text: names of people and of organisation items.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Longest name accepted (first name, last name, company, department, ...), in characters.
pub const NAME_MAX: usize = 150;

/// A trimmed, non-empty name of at most [`NAME_MAX`] characters without control characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    pub fn parse(field: &str, s: &str) -> Result<Self> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Error::invalid(field, "must not be empty"));
        }
        if t.chars().count() > NAME_MAX {
            return Err(Error::invalid(field, format!("must be at most {NAME_MAX} characters")));
        }
        if t.chars().any(char::is_control) {
            return Err(Error::invalid(field, "must not contain control characters"));
        }
        Ok(Name(t.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Name {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Name::parse("name", &s)
    }
}
impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0
    }
}
impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user colour, `#RRGGBB`, kept in upper case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Colour(String);

impl Colour {
    pub fn parse(field: &str, s: &str) -> Result<Self> {
        let t = s.trim();
        let hex = t.strip_prefix('#').filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        match hex {
            Some(h) => Ok(Colour(format!("#{}", h.to_ascii_uppercase()))),
            None => Err(Error::invalid(field, "must be a colour like #1A2B3C")),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn rgb(&self) -> (u8, u8, u8) {
        let c = |i: usize| u8::from_str_radix(&self.0[i..i + 2], 16).unwrap_or(0);
        (c(1), c(3), c(5))
    }
}

impl TryFrom<String> for Colour {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Colour::parse("colour", &s)
    }
}
impl From<Colour> for String {
    fn from(c: Colour) -> String {
        c.0
    }
}

/// Languages the product speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Uk,
    Ru,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("n", "  Ada ").unwrap().as_str(), "Ada");
        assert!(Name::parse("n", "   ").is_err());
        assert!(Name::parse("n", &"x".repeat(NAME_MAX + 1)).is_err());
        assert!(Name::parse("n", &"я".repeat(NAME_MAX)).is_ok());
        assert!(Name::parse("n", "a\u{0}b").is_err());
    }

    #[test]
    fn colours_are_hash_and_six_hex_digits() {
        assert_eq!(Colour::parse("c", "#a1b2c3").unwrap().as_str(), "#A1B2C3");
        assert_eq!(Colour::parse("c", "#A1B2C3").unwrap().rgb(), (0xA1, 0xB2, 0xC3));
        for bad in ["a1b2c3", "#a1b2c", "#a1b2c3d", "#gggggg", "", "red"] {
            assert!(Colour::parse("c", bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_parsed_name_parses_again_to_itself(s in "\\PC{0,200}") {
            if let Ok(n) = Name::parse("n", &s) {
                prop_assert_eq!(Name::parse("n", n.as_str()).unwrap(), n);
            }
        }
    }
}
