//! Imports that run as jobs: the data bucket announces each object created under
//! `imports/uploads/` (through EventBridge, so the bucket needs no reference to the function),
//! and this runs the import it belongs to (`flows::import_job::run`): the same code as
//! `POST /api/users/import`, as the superuser who started the job. A plain S3 notification
//! (`Records`) is read too.

use secboard_blobs::S3Blobs;
use secboard_domain::flows::import_job;
use secboard_wiring::App;
use serde_json::{Value, json};

pub struct Context {
    pub app: App<S3Blobs>,
}

pub async fn context() -> anyhow::Result<Context> {
    Ok(Context { app: App::from_env().await? })
}

/// The object keys an event names (URL-decoded, as S3 notifications encode them).
pub fn keys(event: &Value) -> Vec<String> {
    let mut out = vec![];
    if let Some(k) = event["detail"]["object"]["key"].as_str() {
        out.push(k.to_owned());
    }
    for r in event["Records"].as_array().into_iter().flatten() {
        if let Some(k) = r["s3"]["object"]["key"].as_str() {
            out.push(decode(k));
        }
    }
    out
}

/// S3 notifications write keys form-encoded (`+` for a space, `%XX`).
fn decode(k: &str) -> String {
    let bytes = k.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs the import of each key; one that is not an upload, or whose job already ran, is skipped.
pub async fn handler(ctx: &Context, event: Value) -> Result<Value, lambda_runtime::Error> {
    let app = &ctx.app;
    let mut ran = vec![];
    for key in keys(&event) {
        let status = import_job::run(&app.deps, &app.mail, &app.blobs, &import_users::sheet::xlsx_rows, &key)
            .await
            .map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
        if let Some(s) = status {
            tracing::info!(status = ?s, "import job");
            ran.push(json!(s));
        }
    }
    Ok(json!({ "ran": ran }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_eventbridge_and_from_s3_notifications_decoded() {
        let eb = json!({ "detail": { "object": { "key": "imports/uploads/a/b" } } });
        assert_eq!(keys(&eb), vec!["imports/uploads/a/b"]);
        let s3 = json!({ "Records": [{ "s3": { "object": { "key": "imports/uploads/a+b/%41%zz" } } }] });
        assert_eq!(keys(&s3), vec!["imports/uploads/a b/A%zz"]);
    }
}
