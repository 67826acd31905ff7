//! The mailer: triggered by the table's stream when mail is queued (and on a schedule, for
//! retries), it runs the domain's delivery flow with SES v2 as the sender. A failure leaves the
//! mail queued for the next round; after five tries it is dead-lettered for administrators to see.
//! Invocations overlap (stream batches, the schedule): each mail is claimed under a lease before
//! it is sent, so only one sends it; delivery is at-least-once (see `flows::deliver_mail`).

use secboard_domain::flows::deliver_mail::deliver_rounds;
use secboard_domain::flows::mail_feedback;
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

/// SES's bounce and complaint notifications (through SNS) suppress their addresses; whatever
/// else woke it (stream records or the schedule), it drains the queue: up to eight rounds per
/// invocation; what is left waits for the next trigger.
pub async fn handler(ctx: &Context, event: Value) -> Result<Value, lambda_runtime::Error> {
    let sns: Vec<&Value> =
        event["Records"].as_array().into_iter().flatten().filter(|r| r["EventSource"].as_str() == Some("aws:sns")).collect();
    if !sns.is_empty() {
        let mut suppressed = 0;
        for record in sns {
            let message: Value = record["Sns"]["Message"].as_str().and_then(|m| serde_json::from_str(m).ok()).unwrap_or(Value::Null);
            suppressed += mail_feedback::record(&ctx.app.deps, &message).await.map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
        }
        tracing::info!(suppressed, "mail feedback");
        return Ok(json!({ "suppressed": suppressed }));
    }
    let total = deliver_rounds(&ctx.app.deps, ctx.sender.as_ref(), 8).await.map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
    tracing::info!(sent = total.sent, failed = total.failed, dead = total.dead, skipped = total.skipped, "mail round");
    if total.dead > 0 {
        // A CloudWatch metric by embedded metric format (one log line); template.yaml alarms on it.
        println!(
            "{}",
            json!({ "_aws": { "Timestamp": ctx.app.deps.now().as_millisecond(), "CloudWatchMetrics": [{ "Namespace": "SecBoard", "Dimensions": [[]], "Metrics": [{ "Name": "MailDeadLettered", "Unit": "Count" }] }] }, "MailDeadLettered": total.dead })
        );
    }
    Ok(json!({ "sent": total.sent, "failed": total.failed, "dead": total.dead, "skipped": total.skipped, "batchItemFailures": [] }))
}
