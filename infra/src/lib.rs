//! What the local server and the tests share: the embedded DynamoDB engine, SDK configuration
//! for a local endpoint, and the gateway that turns a plain HTTP request into what API Gateway
//! would deliver to a function (and dispatches it by the route table).

pub mod embedded;
pub mod gateway;

/// Whether the local server lists the outbox (live sign-in and reset links) at `/outbox`: only
/// when it listens on a loopback address, so nobody else who can reach the port reads them.
pub fn outbox_served(listen: &std::net::SocketAddr) -> bool {
    listen.ip().is_loopback()
}

/// Locally no storage event announces an upload: the local server (and the tests) look under
/// `imports/uploads/` and hand each key to the import function's handler, as the bucket's
/// EventBridge event would on AWS. Answers the statuses of the jobs that ran.
pub async fn run_uploaded_imports(ctx: &import_job::Context) -> anyhow::Result<Vec<serde_json::Value>> {
    let mut ran = vec![];
    for key in ctx.app.blobs.keys(secboard_domain::flows::import_job::UPLOADS).await? {
        let event = serde_json::json!({ "source": "aws.s3", "detail-type": "Object Created", "detail": { "object": { "key": key } } });
        let out = import_job::handler(ctx, event).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        ran.extend(out["ran"].as_array().cloned().unwrap_or_default());
    }
    Ok(ran)
}
