//! The manual's rule on superusers: there is always one, so the last superuser cannot be deleted
//! ("make another one first"). The store enforces it atomically, as a condition on its count of
//! superusers in the same transaction as the delete; what the count must stay above, and the
//! answer when it would not, are stated here.

use crate::Error;

/// Superusers that must remain after any change.
pub const MUST_REMAIN: u64 = 1;

/// Whether one of `count` superusers may be removed: not the last.
pub fn may_remove_one(count: u64) -> bool {
    count > MUST_REMAIN
}

/// The answer to a delete of the last superuser.
pub fn last_superuser() -> Error {
    Error::conflict("id", "this is the last superuser; make another one first")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_superuser_may_not_be_removed_and_one_of_two_may() {
        assert!(!may_remove_one(0));
        assert!(!may_remove_one(1));
        assert!(may_remove_one(2));
    }

    #[test]
    fn the_refusal_names_the_id_and_says_what_to_do() {
        let e = last_superuser();
        assert!(matches!(e, Error::Conflict { field: Some(ref f), .. } if f == "id"));
        assert_eq!(e.to_string(), "this is the last superuser; make another one first");
    }
}
