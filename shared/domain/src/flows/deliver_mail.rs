//! Mail delivery: the mailer's use case. Queued mail is opened with the key and handed to the
//! sender (which renders and sends it); a failure is counted and retried on a later round, and
//! after [`MAX_ATTEMPTS`] the mail is dead-lettered, kept out of the queue for an administrator
//! to see. Nothing is lost while the sender is down.

use super::Deps;
use crate::Result;
use crate::mail::{Mail, QueuedMail};
use crate::model::{AuditEvent, AuditTarget};
use crate::ports::MailSender;

/// Attempts before a mail is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 5;

/// Mail read from the queue per round.
pub const ROUND: usize = 25;

/// What one delivery round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
    pub dead: usize,
}

/// What to do after an attempt that failed for the `attempt`-th time: dead-letter it, or leave
/// it queued for a later round.
pub fn is_dead(attempt: u32) -> bool {
    attempt >= MAX_ATTEMPTS
}

fn event(deps: &Deps, q: &QueuedMail, action: &str, attempts: u32) -> AuditEvent {
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

/// One round: the oldest queued mail first, at most [`ROUND`].
pub async fn deliver_pending(deps: &Deps, sender: &dyn MailSender) -> Result<Delivered> {
    let store = deps.store.as_ref();
    let now = deps.now();
    let mut done = Delivered::default();
    for q in store.pending_mail(ROUND).await? {
        let attempt = q.attempts + 1;
        let outcome = match Mail::open(&deps.key, &q) {
            Some(mail) => sender.send(&mail, q.id.as_str(), q.queued_at).await,
            None => Err(anyhow::anyhow!("the mail cannot be opened with this key")),
        };
        match outcome {
            Ok(()) => {
                store.mail_sent(&q.id, now).await?;
                store.append(&event(deps, &q, "mail.sent", attempt)).await?;
                done.sent += 1;
            }
            Err(e) => {
                let dead = is_dead(attempt);
                tracing::warn!(mail = %q.id, attempt, dead, error = format!("{e:#}"), "sending a mail failed");
                store.mail_failed(&q.id, attempt, dead, now).await?;
                if dead {
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
pub async fn deliver_rounds(deps: &Deps, sender: &dyn MailSender, rounds: usize) -> Result<Delivered> {
    let mut total = Delivered::default();
    for _ in 0..rounds {
        let round = deliver_pending(deps, sender).await?;
        total.sent += round.sent;
        total.failed += round.failed;
        total.dead += round.dead;
        if round.sent + round.failed + round.dead < ROUND || round.failed + round.dead > 0 {
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
