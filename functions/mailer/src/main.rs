//! The `mailer` Lambda: builds its context once, then drains the mail queue on each trigger.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    secboard_wiring::init_logging();
    let ctx = mailer::context().await?;
    run(service_fn(|e: LambdaEvent<serde_json::Value>| async { mailer::handler(&ctx, e.payload).await })).await
}
