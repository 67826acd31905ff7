//! Throttling that never becomes a weapon: exponential back-off per source, with a cap, never a
//! lock. After [`FREE_FAILURES`] failures, each further attempt waits 2^(n - FREE_FAILURES)
//! seconds after the last failure, at most [`MAX_DELAY`]; failures are forgotten [`FORGET_AFTER`]
//! after the last one. A success clears the count.

use jiff::{SignedDuration, Timestamp};

pub const FREE_FAILURES: u32 = 3;
pub const MAX_DELAY: SignedDuration = SignedDuration::from_mins(15);
pub const FORGET_AFTER: SignedDuration = SignedDuration::from_hours(1);

/// The delay owed after `failures` failures.
pub fn delay(failures: u32) -> SignedDuration {
    if failures < FREE_FAILURES {
        return SignedDuration::ZERO;
    }
    let exp = (failures - FREE_FAILURES).min(20);
    SignedDuration::from_secs(1i64 << exp).min(MAX_DELAY)
}

/// Seconds to wait before the next attempt, if any.
pub fn retry_after(failures: u32, last_failure: Timestamp, now: Timestamp) -> Option<u64> {
    let until = last_failure.checked_add(delay(failures)).ok()?;
    (now < until).then(|| until.duration_since(now).as_secs().max(1) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_after_the_free_failures_and_is_capped() {
        assert_eq!(delay(0), SignedDuration::ZERO);
        assert_eq!(delay(2), SignedDuration::ZERO);
        assert_eq!(delay(3), SignedDuration::from_secs(1));
        assert_eq!(delay(4), SignedDuration::from_secs(2));
        assert_eq!(delay(8), SignedDuration::from_secs(32));
        assert_eq!(delay(30), MAX_DELAY);
        assert_eq!(delay(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn an_attempt_waits_until_the_delay_has_passed_since_the_last_failure() {
        let last: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let at = |s: i64| last.checked_add(SignedDuration::from_secs(s)).unwrap();
        assert_eq!(retry_after(2, last, at(0)), None);
        assert_eq!(retry_after(5, last, at(1)), Some(3));
        assert_eq!(retry_after(5, last, at(4)), None);
    }
}
