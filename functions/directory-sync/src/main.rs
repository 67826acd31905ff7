//! The `directory-sync` Lambda: builds its context once, then runs the sync on each scheduled trigger.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    secboard_wiring::init_logging();
    let ctx = directory_sync::context().await?;
    run(service_fn(|e: LambdaEvent<serde_json::Value>| async { directory_sync::handler(&ctx, e.payload).await })).await
}
