//! Mail delivery: the mailer's use case. Queued mail is opened with the key and handed to the
//! sender (which renders and sends it); a failure is counted and retried on a later round, and
//! after [`MAX_ATTEMPTS`] the mail is dead-lettered, kept out of the queue for an administrator
//! to see. Nothing is lost while the sender is down.
//!
//! Mailers run at once (a stream batch, the retry schedule, a retried invocation), so the queue
//! as read is only a list of candidates (an eventually consistent index). Each mail is first
//! claimed: one conditional write that takes a lease of [`LEASE`] under a fresh random token, and
//! holds only while the mail is queued and no other lease on it runs. A lost claim (another
//! mailer holds the mail, or sent or dead-lettered it already) is skipped, so a retry of a sent
//! mail sends nothing. Marking it sent, or counting its failure, is conditional on that token:
//! a mailer whose lease ran out and was claimed again writes nothing.
//!
//! Delivery is at-least-once. No two mailers send one mail at the same time: a lease outlasts
//! the mailer's whole invocation (its Lambda timeout), so it runs out only when its holder is
//! gone. But a mailer that dies between sending a mail and marking it sent (or cannot write the
//! mark) leaves the mail queued under its lease; when the lease runs out the mail is claimed and
//! sent once more, with the same Message-ID.

use super::Deps;
use crate::Result;
use crate::clock::random_bytes;
use crate::mail::{Mail, MailLease, QueuedMail};
use crate::model::{AuditEvent, AuditTarget};
use crate::ports::MailSender;
use crate::ports::Store;
use jiff::{SignedDuration, Timestamp};

/// Attempts before a mail is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 5;

/// Mail read from the queue per round.
pub const ROUND: usize = 25;

/// How long a claim holds a mail: longer than a mailer invocation may run (the template's
/// timeout for the mailer, checked by a test), so a live mailer never loses its claim, and short
/// enough that mail claimed by a mailer that died goes out on the next scheduled round or so.
pub const LEASE: SignedDuration = SignedDuration::from_mins(2);

/// What one delivery round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
    pub dead: usize,
    /// Candidates whose claim was lost: held by another mailer, or sent or dead-lettered already.
    pub skipped: usize,
}

/// What to do after an attempt that failed for the `attempt`-th time: dead-letter it, or leave
/// it queued for a later round.
pub fn is_dead(attempt: u32) -> bool {
    attempt >= MAX_ATTEMPTS
}

/// A new lease from `now`: its token names this one claim (128 random bits).
pub fn new_lease<S: Store + ?Sized>(deps: &Deps<S>, now: Timestamp) -> MailLease {
    MailLease { token: hex::encode(random_bytes::<16>(deps.entropy.as_ref())), until: now + LEASE }
}

fn event<S: Store + ?Sized>(deps: &Deps<S>, q: &QueuedMail, action: &str, attempts: u32) -> AuditEvent {
    AuditEvent {
        id: q.id.clone(),
        at: deps.now(),
        actor: None,
        action: action.to_owned(),
        target: q.user.clone().map(AuditTarget::User).unwrap_or(AuditTarget::Global),
        detail: serde_json::json!({ "mail": q.id, "kind": q.kind, "attempts": attempts }),
        source_ip: None,
    }
}

/// One round: the oldest queued mail first, at most [`ROUND`] candidates, each claimed before it
/// is sent.
pub async fn deliver_pending<S: Store + ?Sized>(deps: &Deps<S>, sender: &dyn MailSender) -> Result<Delivered> {
    let store = deps.store.as_ref();
    let mut done = Delivered::default();
    for candidate in store.pending_mail(ROUND, deps.now()).await? {
        let lease = new_lease(deps, deps.now());
        // The claim reads the mail afresh (its attempts may have moved on since the index said).
        let Some(q) = store.claim_mail(&candidate.id, &lease, deps.now()).await? else {
            done.skipped += 1;
            continue;
        };
        let attempt = q.attempts + 1;
        let mail = Mail::open(&deps.key, &q);
        // An address that bounced for good or complained gets nothing more (flows::mail_feedback):
        // the mail is dead-lettered unsent, for an administrator to see.
        if let Some(m) = &mail
            && store.suppressed(&super::mail_feedback::address_key(deps, &m.to)).await?.is_some()
        {
            if store.mail_failed(&q.id, &lease, attempt, true, deps.now()).await? {
                store.append(&event(deps, &q, "mail.suppressed", attempt)).await?;
                done.dead += 1;
            }
            continue;
        }
        let outcome = match mail {
            Some(mail) => sender.send(&mail, q.id.as_str(), q.queued_at).await,
            None => Err(anyhow::anyhow!("the mail cannot be opened with this key")),
        };
        match outcome {
            Ok(()) => {
                if !store.mail_sent(&q.id, &lease, deps.now()).await? {
                    tracing::warn!(mail = %q.id, "the lease ran out before the mail was marked sent: it may be sent once more");
                }
                store.append(&event(deps, &q, "mail.sent", attempt)).await?;
                done.sent += 1;
            }
            Err(e) => {
                let dead = is_dead(attempt);
                tracing::warn!(mail = %q.id, attempt, dead, error = format!("{e:#}"), "sending a mail failed");
                if !store.mail_failed(&q.id, &lease, attempt, dead, deps.now()).await? {
                    tracing::warn!(mail = %q.id, "the lease ran out before the failure was counted: another mailer holds the mail");
                    done.failed += 1;
                } else if dead {
                    store.append(&event(deps, &q, "mail.dead_lettered", attempt)).await?;
                    done.dead += 1;
                } else {
                    done.failed += 1;
                }
            }
        }
    }
    Ok(done)
}

/// Rounds until the queue is drained or a round fails, at most `rounds` (one invocation of the
/// mailer); what is left waits for the next trigger.
pub async fn deliver_rounds<S: Store + ?Sized>(deps: &Deps<S>, sender: &dyn MailSender, rounds: usize) -> Result<Delivered> {
    let mut total = Delivered::default();
    for _ in 0..rounds {
        let round = deliver_pending(deps, sender).await?;
        total.sent += round.sent;
        total.failed += round.failed;
        total.dead += round.dead;
        total.skipped += round.skipped;
        if round.sent + round.failed + round.dead + round.skipped < ROUND || round.failed + round.dead > 0 {
            break;
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_is_dead_lettered_at_its_fifth_failed_attempt() {
        assert!(!is_dead(1) && !is_dead(4));
        assert!(is_dead(5) && is_dead(6));
    }
}
