//! The mailer: triggered by the table's stream when mail is queued (and on a schedule, for
//! retries), it sends what is queued through SES v2 as raw MIME. A failure leaves the mail queued
//! for the next round; after five tries it is dead-lettered for administrators to see.

use secboard_http::{App, sdk_from_env};
use secboard_mail::{Delivered, Sender, Ses, deliver_pending};
use serde_json::{Value, json};

pub struct Context {
    pub app: App,
    pub sender: Box<dyn Sender>,
}

pub async fn context() -> anyhow::Result<Context> {
    let sdk = sdk_from_env().await;
    Ok(Context { app: App::from_sdk(&sdk).await?, sender: Box::new(Ses::new(&sdk)) })
}

/// Whatever woke it (stream records or the schedule), it drains the queue.
pub async fn handler(ctx: &Context, _event: Value) -> Result<Value, lambda_runtime::Error> {
    let d = &ctx.app.deps;
    let mut total = Delivered::default();
    // Up to a few rounds of 25 per invocation; what is left waits for the next trigger.
    for _ in 0..8 {
        let round = deliver_pending(d.store.as_ref(), &d.key, ctx.sender.as_ref(), d.now()).await?;
        let busy = round.sent + round.failed + round.dead;
        total.sent += round.sent;
        total.failed += round.failed;
        total.dead += round.dead;
        if busy < 25 || round.failed + round.dead > 0 {
            break;
        }
    }
    tracing::info!(sent = total.sent, failed = total.failed, dead = total.dead, "mail round");
    Ok(json!({ "sent": total.sent, "failed": total.failed, "dead": total.dead, "batchItemFailures": [] }))
}
