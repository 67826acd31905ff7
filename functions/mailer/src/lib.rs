//! The mailer: triggered by the table's stream when mail is queued (and on a schedule, for
//! retries), it runs the domain's delivery flow with SES v2 as the sender. A failure leaves the
//! mail queued for the next round; after five tries it is dead-lettered for administrators to see.
//! Invocations overlap (stream batches, the schedule): each mail is claimed under a lease before
//! it is sent, so only one sends it; delivery is at-least-once (see `flows::deliver_mail`).

use secboard_domain::flows::deliver_mail::deliver_rounds;
use secboard_domain::ports::MailSender;
use secboard_mail::Ses;
use secboard_wiring::{App, sdk_from_env};
use serde_json::{Value, json};

pub struct Context {
    pub app: App,
    pub sender: Box<dyn MailSender>,
}

pub async fn context() -> anyhow::Result<Context> {
    let sdk = sdk_from_env().await;
    Ok(Context { app: App::from_sdk(&sdk).await?, sender: Box::new(Ses::new(&sdk)) })
}

/// Whatever woke it (stream records or the schedule), it drains the queue: up to eight rounds
/// per invocation; what is left waits for the next trigger.
pub async fn handler(ctx: &Context, _event: Value) -> Result<Value, lambda_runtime::Error> {
    let total = deliver_rounds(&ctx.app.deps, ctx.sender.as_ref(), 8).await.map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
    tracing::info!(sent = total.sent, failed = total.failed, dead = total.dead, skipped = total.skipped, "mail round");
    Ok(json!({ "sent": total.sent, "failed": total.failed, "dead": total.dead, "skipped": total.skipped, "batchItemFailures": [] }))
}
