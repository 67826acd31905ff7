//! The `mailer` Lambda: builds its context once, then drains the mail queue on each trigger.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let ctx = mailer::context().await?;
    run(service_fn(|e: LambdaEvent<serde_json::Value>| async { mailer::handler(&ctx, e.payload).await })).await
}
