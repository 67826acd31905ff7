//! Identifiers are ULIDs: sortable by creation, 128 bits, made from the clock and entropy passed in.

use crate::clock::{Clock, Entropy, random_bytes};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($name:ident => $what:literal,)*) => {$(
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn new(clock: &dyn Clock, entropy: &dyn Entropy) -> Self {
                $name(new_ulid(clock, entropy))
            }
            /// Parses an id from input; `field` names it in the error.
            pub fn parse(field: &str, s: &str) -> Result<Self> {
                parse_ulid(s).map($name).ok_or_else(|| Error::invalid(field, concat!("not a valid ", $what, " id")))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                $name::parse("id", &s)
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

id_type! {
    UserId => "user",
    CompanyId => "company",
    OrgItemId => "organisation item",
    GroupId => "access group",
    EventId => "event",
    SessionId => "session",
    JobId => "import job",
}

fn new_ulid(clock: &dyn Clock, entropy: &dyn Entropy) -> String {
    let ms = clock.now().as_millisecond().max(0) as u64;
    let random = u128::from_be_bytes(random_bytes::<16>(entropy));
    ulid::Ulid::from_parts(ms, random).to_string()
}

fn parse_ulid(s: &str) -> Option<String> {
    ulid::Ulid::from_string(s).ok().map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{ManualClock, OsEntropy};

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
        let id = UserId::new(&clock, &OsEntropy);
        assert_eq!(UserId::parse("id", id.as_str()).unwrap(), id);
        assert!(UserId::parse("id", "not-an-id").is_err());
        assert!(UserId::parse("id", "").is_err());
        // Lowercase input is accepted and normalised, so an id has one spelling in keys.
        assert_eq!(UserId::parse("id", &id.as_str().to_lowercase()).unwrap(), id);
    }
}
