//! The `import-job` Lambda: builds its context once, then runs the import of each uploaded file
//! storage announces.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    secboard_wiring::init_logging();
    let ctx = import_job::context().await?;
    run(service_fn(|e: LambdaEvent<serde_json::Value>| async { import_job::handler(&ctx, e.payload).await })).await
}
