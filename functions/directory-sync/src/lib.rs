//! The scheduled directory sync (issue 13): an EventBridge schedule (hourly) runs the domain's
//! `flows::directory_sync`, which mirrors disabled and deleted directory users onto their
//! accounts and ends their sessions. It serves no route; it links the ldap3 adapter.

use secboard_domain::flows::directory_sync;
use secboard_ldap::LdapClient;
use secboard_wiring::App;
use serde_json::Value;

pub struct Context {
    pub app: App,
}

pub async fn context() -> anyhow::Result<Context> {
    Ok(Context { app: App::from_env().await? })
}

/// Whatever woke it (the schedule), one run; an outage fails the invocation, and the next hour
/// tries again.
pub async fn handler(ctx: &Context, _event: Value) -> Result<Value, lambda_runtime::Error> {
    let report = directory_sync::sync(&ctx.app.deps, &LdapClient).await.map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
    tracing::info!(?report, "directory sync");
    serde_json::to_value(report).map_err(|e| lambda_runtime::Error::from(e.to_string()))
}
