//! Throttling that never becomes a weapon. One small state machine, kept per scope as a count of
//! failures and the time of the last one:
//!
//! ```text
//!            failure                 failure (n >= FREE)            1 h after the last failure
//!   Clean ----------> Free(n < FREE) ------------------> BackOff(n) --------------------------> Clean
//!     ^                    |                                 |
//!     +---- success -------+------------ success ------------+
//! ```
//!
//! - Per (account, source), the limiter: after [`FREE_FAILURES`] failures, an attempt is refused
//!   (429, Retry-After, nothing else said and nothing checked) until 2^(n - FREE_FAILURES) seconds
//!   after the last failure, at most [`MAX_DELAY`]. Refused attempts are not failures.
//! - Per account, from every source, the soft delay: after [`ACCOUNT_FREE_FAILURES`] failures,
//!   every attempt is answered only after [`hold`] (at most [`MAX_HOLD`]). It slows a guesser that
//!   spreads over many sources and never refuses anyone, so nobody can lock a victim out
//!   (kanidm's softlock and Cognito's 2^(n-5) s, without their lock).
//! - Failures are forgotten [`FORGET_AFTER`] after the last one; a success clears both counts.
//!
//! The "account" of a password attempt is the email as typed (normalised), whether or not an
//! account has it, so throttling answers the same for unknown emails and tells nothing. Control
//! words (First Login) are throttled per source alone, as no account is known before they match.
//!
//! Mail that anyone can ask for (a reset link) is capped instead ([`Cap`], [`reset_caps`]): a
//! count per window, taken with a conditional write before anything is read, that says nothing
//! to the asker (the answer is the same whether the mail went or not). Per email as typed: at most
//! one mail every [`RESET_MAIL_SPACING`] and [`RESET_MAILS_PER_EMAIL`] per [`RESET_CAP_WINDOW`];
//! per source: [`RESET_MAILS_PER_SOURCE`] per window. Links an administrator sends are not counted.

use jiff::{SignedDuration, Timestamp};

pub const FREE_FAILURES: u32 = 3;
pub const MAX_DELAY: SignedDuration = SignedDuration::from_mins(15);
pub const FORGET_AFTER: SignedDuration = SignedDuration::from_hours(1);
pub const ACCOUNT_FREE_FAILURES: u32 = 10;
pub const MAX_HOLD: SignedDuration = SignedDuration::from_secs(3);

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
    // Rounded up: a client that waits as told is never refused again for the same failures.
    (now < until).then(|| {
        let d = until.duration_since(now);
        (d.as_secs() + i64::from(d.subsec_nanos() > 0)).max(1) as u64
    })
}

/// The soft delay before answering an attempt on an account with `failures` failures from all
/// sources: 250 ms doubling from [`ACCOUNT_FREE_FAILURES`], at most [`MAX_HOLD`].
pub fn hold(failures: u32) -> SignedDuration {
    if failures < ACCOUNT_FREE_FAILURES {
        return SignedDuration::ZERO;
    }
    let exp = (failures - ACCOUNT_FREE_FAILURES).min(10);
    SignedDuration::from_millis(250i64 << exp).min(MAX_HOLD)
}

/// The source a per-source count keys on: an IPv4 address as it is; an IPv6 address by its /64,
/// the block one subscriber line or host is given (one client walks through a /64 at will); an
/// IPv4-mapped IPv6 address as the IPv4 one. Anything unparseable is kept as it came.
pub fn source_key(source_ip: &str) -> String {
    match source_ip.trim().parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => source_ip.to_owned(),
    }
}

/// What an attempt is throttled by: the (account, source) pair and the account alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scopes {
    pub pair: String,
    pub account: String,
}

/// What kind of secret an attempt offers; each kind has its own counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Factor {
    /// A password (sign-in, re-authentication, the current password when changing it).
    Password,
    /// A TOTP code or a backup code.
    SecondFactor,
}

impl Scopes {
    /// `account` is the normalised email for passwords, the user id for second factors.
    pub fn new(factor: Factor, account: &str, source_ip: &str) -> Self {
        let source_ip = source_key(source_ip);
        let f = match factor {
            Factor::Password => "password",
            Factor::SecondFactor => "2fa",
        };
        Scopes { pair: format!("{f}#{account}#{source_ip}"), account: format!("{f}#{account}") }
    }
}

/// At least this long between two reset mails to one email as typed.
pub const RESET_MAIL_SPACING: SignedDuration = SignedDuration::from_mins(1);
/// At most this many reset mails to one email as typed in a [`RESET_CAP_WINDOW`].
pub const RESET_MAILS_PER_EMAIL: u32 = 5;
/// At most this many reset mails asked for by one source in a [`RESET_CAP_WINDOW`].
pub const RESET_MAILS_PER_SOURCE: u32 = 20;
/// A cap's window starts with the first mail it counts and lasts this long.
pub const RESET_CAP_WINDOW: SignedDuration = SignedDuration::from_hours(1);

/// A cap on how often something may happen in a scope: at most `limit` times in a window that
/// starts with the first one counted and lasts `window`, and at least `spacing` between two (also
/// across windows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cap {
    pub scope: String,
    pub limit: u32,
    pub window: SignedDuration,
    pub spacing: SignedDuration,
}

/// What counting against several caps at once came to: all of them counted it, or none did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapCount {
    Counted,
    /// The cap at this index counted one less than `spacing` ago.
    TooSoon(usize),
    /// The cap at this index has counted its `limit` in the window.
    Spent(usize),
    /// Concurrent requests kept changing the counts between the read and the write.
    Contended,
}

/// The caps on a reset mail, in the order they are checked: the email as typed (`email_key`, a
/// keyed digest of its normalised form, whether or not an account has it), then the source.
pub fn reset_caps(email_key: &str, source_ip: &str) -> [Cap; 2] {
    [
        Cap {
            scope: format!("reset-email#{email_key}"),
            limit: RESET_MAILS_PER_EMAIL,
            window: RESET_CAP_WINDOW,
            spacing: RESET_MAIL_SPACING,
        },
        Cap {
            scope: format!("reset-source#{}", source_key(source_ip)),
            limit: RESET_MAILS_PER_SOURCE,
            window: RESET_CAP_WINDOW,
            spacing: SignedDuration::ZERO,
        },
    ]
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
        let just_after = last.checked_add(SignedDuration::from_millis(1)).unwrap();
        assert_eq!(retry_after(4, last, just_after), Some(2), "rounded up");
    }

    #[test]
    fn the_account_hold_is_soft_and_small() {
        assert_eq!(hold(9), SignedDuration::ZERO);
        assert_eq!(hold(10), SignedDuration::from_millis(250));
        assert_eq!(hold(11), SignedDuration::from_millis(500));
        assert_eq!(hold(14), MAX_HOLD);
        assert_eq!(hold(u32::MAX), MAX_HOLD);
    }

    #[test]
    fn an_ipv6_source_counts_by_its_64_and_an_ipv4_one_by_itself() {
        assert_eq!(source_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(source_key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64", "one client walking its /64");
        assert_ne!(source_key("2001:db8:1:3::1"), source_key("2001:db8:1:2::1"));
        assert_eq!(source_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(source_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(source_key(""), "");
        let a = Scopes::new(Factor::Password, "a@b.test", "2001:db8::1");
        let b = Scopes::new(Factor::Password, "a@b.test", "2001:db8::ffff:1");
        assert_eq!(a.pair, b.pair);
        assert_eq!(reset_caps("k", "2001:db8::1")[1].scope, reset_caps("k", "2001:db8::2")[1].scope);
    }

    #[test]
    fn each_factor_and_source_has_its_own_scope() {
        let a = Scopes::new(Factor::Password, "ada@example.com", "10.0.0.1");
        assert_eq!(a.pair, "password#ada@example.com#10.0.0.1");
        assert_eq!(a.account, "password#ada@example.com");
        assert_ne!(Scopes::new(Factor::SecondFactor, "ada@example.com", "10.0.0.1").account, a.account);
    }

    #[test]
    fn a_reset_mail_is_capped_per_typed_email_and_per_source() {
        let [email, source] = reset_caps("ab12", "10.0.0.1");
        assert_eq!(
            (email.scope.as_str(), email.limit, email.spacing, email.window),
            ("reset-email#ab12", 5, SignedDuration::from_mins(1), SignedDuration::from_hours(1))
        );
        assert_eq!(
            (source.scope.as_str(), source.limit, source.spacing, source.window),
            ("reset-source#10.0.0.1", 20, SignedDuration::ZERO, SignedDuration::from_hours(1))
        );
    }
}
