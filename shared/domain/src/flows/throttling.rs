//! The throttle of [`crate::throttle`] around one attempt at a secret: [`Attempt::begin`] before
//! checking it (refuses with 429 while the pair backs off, holds while the account's soft delay
//! lasts, and counts the attempt), then [`Attempt::failed`] or [`Attempt::succeeded`]. Mail that
//! anyone can ask for is capped instead: [`count_reset_mail`].

use super::Deps;
use crate::email::Email;
use crate::keys::Purpose;
use crate::model::AuditTarget;
use crate::ports::Store;
use crate::throttle::{self, CapCount, Factor, Scopes};
use crate::{Error, Result};
use serde_json::json;

/// Counts a reset mail against its caps ([`throttle::reset_caps`]): the email as typed, keyed by
/// a digest of its normalised form whether or not an account has it, and the source. `None` when
/// the mail may go (and is counted against both); else why not, for the audit log and never for
/// the asker. Nothing is counted when a cap refuses, so a refused request spends no one's quota.
pub async fn count_reset_mail<S: Store + ?Sized>(deps: &Deps<S>, email: &Email, source_ip: &str) -> Result<Option<&'static str>> {
    let email_key = hex::encode(deps.key.sign(Purpose::Throttle, email.normalized().as_bytes()));
    let caps = throttle::reset_caps(&email_key, source_ip);
    Ok(match deps.store.count_capped(&caps, deps.now()).await? {
        CapCount::Counted => None,
        // Only the email's cap spaces its mails.
        CapCount::TooSoon(_) => Some("email_spacing"),
        CapCount::Spent(0) => Some("email_hourly_cap"),
        CapCount::Spent(_) => Some("source_hourly_cap"),
        CapCount::Contended => Some("contended"),
    })
}

/// An attempt under way, counted as a failure until it succeeds.
#[must_use]
pub struct Attempt {
    /// What is guessed, for the audit log of a back-off.
    what: &'static str,
    /// The (account, source) scope, or the source's alone.
    pair: String,
    /// The account's scope, when it is throttled per account too.
    account: Option<String>,
    /// Failures counted for the pair with this attempt.
    pair_failures: u32,
    /// Failures of the account from every source before this attempt, if any are remembered.
    account_failures: Option<u32>,
}

impl Attempt {
    /// Throttled per (account, source) and softly per account.
    pub async fn begin<S: Store + ?Sized>(deps: &Deps<S>, factor: Factor, account: &str, source_ip: &str) -> Result<Attempt> {
        let Scopes { pair, account } = Scopes::new(factor, account, source_ip);
        let what = match factor {
            Factor::Password => "password",
            Factor::SecondFactor => "second_factor",
        };
        Self::start(deps, what, pair, Some(account)).await
    }

    /// Throttled per source only, for secrets that name no account before they match (control
    /// words, link tokens); `what` names them in the audit log.
    pub async fn begin_per_source<S: Store + ?Sized>(deps: &Deps<S>, what: &'static str, source_ip: &str) -> Result<Attempt> {
        Self::start(deps, what, format!("{what}#{}", crate::throttle::source_key(source_ip)), None).await
    }

    async fn start<S: Store + ?Sized>(
        deps: &Deps<S>,
        what: &'static str,
        pair_scope: String,
        account_scope: Option<String>,
    ) -> Result<Attempt> {
        let now = deps.now();
        let (pair, account) = match &account_scope {
            Some(a) => {
                let mut got = deps.store.failures_of(&[&pair_scope, a]).await?.into_iter();
                (got.next().flatten(), got.next().flatten())
            }
            None => (deps.store.failures(&pair_scope).await?, None),
        };
        // Failures are forgotten an hour after the last one, whenever the store deletes them.
        let remembered = |s: Option<(u32, jiff::Timestamp)>| s.filter(|(_, last)| now.duration_since(*last) < throttle::FORGET_AFTER);
        let (pair, account) = (remembered(pair), remembered(account));
        if let Some((n, last)) = pair
            && let Some(secs) = throttle::retry_after(n, last, now)
        {
            return Err(Error::Throttled { retry_after_secs: secs });
        }
        if !deps.store.reserve_attempt(&pair_scope, pair.map(|(n, _)| n), now, throttle::FORGET_AFTER).await? {
            // Another attempt from the same place counted first: this one is not checked.
            return Err(Error::Throttled { retry_after_secs: 1 });
        }
        let account_failures = account.map(|(n, _)| n);
        let hold = throttle::hold(account_failures.unwrap_or(0));
        if hold.is_positive() {
            deps.clock.sleep(hold).await;
        }
        Ok(Attempt { what, pair: pair_scope, account: account_scope, pair_failures: pair.map_or(1, |(n, _)| n + 1), account_failures })
    }

    /// The secret was right: both counts start again.
    pub async fn succeeded<S: Store + ?Sized>(self, deps: &Deps<S>) -> Result<()> {
        deps.store.clear_failures(&self.pair).await?;
        if let (Some(scope), Some(_)) = (&self.account, self.account_failures) {
            deps.store.clear_failures(scope).await?;
        }
        Ok(())
    }

    /// The secret was wrong: the attempt stays counted, the account's count grows, and a back-off
    /// is written to the audit log of `target`.
    pub async fn failed<S: Store + ?Sized>(self, deps: &Deps<S>, target: AuditTarget, source_ip: &str) -> Result<()> {
        let now = deps.now();
        let pair = self.pair_failures;
        let account = match &self.account {
            Some(scope) => Some(deps.store.record_failure(scope, now, throttle::FORGET_AFTER).await?),
            None => None,
        };
        let backing_off = pair >= throttle::FREE_FAILURES || account.is_some_and(|m| m >= throttle::ACCOUNT_FREE_FAILURES);
        if backing_off {
            let e = deps.event(
                None,
                "throttle.back_off",
                target,
                json!({
                    "factor": self.what,
                    "failures_from_source": pair,
                    "failures_of_account": account,
                    "retry_after_secs": throttle::delay(pair).as_secs(),
                    "hold_ms": throttle::hold(account.unwrap_or(0)).as_millis(),
                }),
                Some(source_ip),
            );
            deps.store.append(&e).await?;
        }
        Ok(())
    }
}
