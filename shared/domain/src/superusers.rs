//! The manual's rule on superusers: there is always one, so the last superuser cannot be deleted
//! ("make another one first"); nor can the last *standing* one (active, with no end date) be
//! deactivated or given an end date, which would lock everyone out just the same. The store keeps
//! a count of standing superusers and enforces the rule atomically, as a condition on that count
//! in the same transaction as the change; which accounts stand, what the count must stay above,
//! and the answer when it would not, are stated here.

use crate::Error;
use crate::model::{Account, Profile};

/// Whether an account counts as a standing superuser: a superuser, active, with no end date.
pub fn standing(account: &Account, profile: Option<&Profile>) -> bool {
    account.superuser && account.active && profile.is_none_or(|p| p.end_date.is_none())
}

/// How a change moves the count of standing superusers: -1, 0 or +1.
pub fn delta(before: bool, after: bool) -> i64 {
    i64::from(after) - i64::from(before)
}

/// Superusers that must remain after any change.
pub const MUST_REMAIN: u64 = 1;

/// Whether one of `count` superusers may be removed: not the last.
pub fn may_remove_one(count: u64) -> bool {
    count > MUST_REMAIN
}

/// Only a superuser changes a superuser (their password, 2FA, email, flags or anything else).
pub fn only_superusers_change(field: &str) -> Error {
    Error::not_permitted(field, "only a superuser may change a superuser")
}

/// The answer to a delete of the last superuser.
pub fn last_superuser() -> Error {
    Error::conflict("id", "this is the last superuser; make another one first").coded("last_superuser")
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
    fn only_an_active_superuser_with_no_end_date_stands() {
        use crate::email::Email;
        use crate::ids::UserId;
        use crate::model::Credential;
        let id = UserId::parse("id", "01J00000000000000000000000").unwrap();
        let a = Account::new(id, Email::parse("e", "a@b.test").unwrap(), Credential::None, jiff::Timestamp::UNIX_EPOCH);
        assert!(!standing(&a, None), "not a superuser");
        let su = Account { superuser: true, ..a.clone() };
        assert!(standing(&su, None));
        assert!(!standing(&Account { active: false, ..su.clone() }, None));
        assert_eq!((delta(true, false), delta(false, true), delta(true, true)), (-1, 1, 0));
    }

    #[test]
    fn the_refusal_names_the_id_and_says_what_to_do() {
        let e = last_superuser();
        assert!(matches!(e, Error::Conflict { field: Some(ref f), .. } if f == "id"));
        assert_eq!(e.to_string(), "this is the last superuser; make another one first");
    }
}
