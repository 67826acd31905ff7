//! The embedded engines: dynoxide (DynamoDB's wire protocol over SQLite) served in process on a
//! loopback port, so the same SDK adapter talks to it as to DynamoDB.

use anyhow::Context;
use secboard_http::headers::STORAGE_CORS;
use std::path::Path;
use tokio::sync::oneshot;

pub struct EmbeddedDynamo {
    pub endpoint: String,
    stop: Option<oneshot::Sender<()>>,
    db: dynoxide::Database,
}

impl EmbeddedDynamo {
    /// Starts the engine over a SQLite file (or in memory with `None`) on 127.0.0.1:<free port>.
    pub async fn start(file: Option<&Path>) -> anyhow::Result<Self> {
        let db = match file {
            Some(p) => dynoxide::Database::new(&p.to_string_lossy()).map_err(|e| anyhow::anyhow!("opening {}: {e}", p.display()))?,
            None => dynoxide::Database::memory().map_err(|e| anyhow::anyhow!("in-memory engine: {e}"))?,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the engine's port")?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = oneshot::channel::<()>();
        let served = db.clone();
        tokio::spawn(async move {
            if let Err(e) = dynoxide::server::serve_with_shutdown(listener, served, async move {
                let _ = rx.await;
            })
            .await
            {
                tracing::error!(error = %e, "the embedded DynamoDB engine stopped");
            }
        });
        Ok(EmbeddedDynamo { endpoint, stop: Some(tx), db })
    }

    /// Deletes items whose TTL has passed (DynamoDB does this in the background).
    pub fn sweep_ttl(&self) -> usize {
        self.db.sweep_ttl().unwrap_or(0)
    }
}

impl Drop for EmbeddedDynamo {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// SDK configuration for a local endpoint (any credentials; the engines check none).
pub fn local_sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(aws_credential_types::Credentials::new(
            "test",
            "test",
            None,
            None,
            "secboard-local",
        )))
        .build()
}

/// The embedded S3 engine: s3s-fs over a folder, on a loopback port, checking SigV4 (the signed
/// headers of a presigned link included: a PUT of another length or type than signed is refused)
/// and presign expiry for real. Its access key and secret are those of [`local_sdk_config`].
/// It answers CORS as the data bucket's rule does on AWS ([`STORAGE_CORS`], for the console's
/// origins), which s3s-fs alone does not.
pub struct EmbeddedS3 {
    pub endpoint: String,
    stop: Option<oneshot::Sender<()>>,
}

impl EmbeddedS3 {
    /// An engine no browser may reach across origins (no CORS rule).
    pub async fn start(root: &Path) -> anyhow::Result<Self> {
        Self::start_with_cors(root, vec![]).await
    }

    /// An engine the console at `console_origins` may PUT uploads to from a browser.
    pub async fn start_with_cors(root: &Path, console_origins: Vec<String>) -> anyhow::Result<Self> {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        std::fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
        let fs = s3s_fs::FileSystem::new(root).map_err(|e| anyhow::anyhow!("s3s-fs at {}: {e:?}", root.display()))?;
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single("test", "test"));
        let service = builder.build();
        let origins = std::sync::Arc::new(console_origins);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the S3 engine's port")?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let (tx, mut rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        let Ok((socket, _)) = accepted else { continue };
                        let (s3, origins) = (service.clone(), origins.clone());
                        let svc = hyper::service::service_fn(move |req| {
                            let (s3, origins) = (s3.clone(), origins.clone());
                            async move { with_cors(&s3, &origins, req).await }
                        });
                        tokio::spawn(async move {
                            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                                .serve_connection(TokioIo::new(socket), svc)
                                .await;
                        });
                    }
                }
            }
        });
        Ok(EmbeddedS3 { endpoint, stop: Some(tx) })
    }
}

/// A request to the engine, with CORS as S3 applies a bucket's rule: a preflight is answered
/// from the rule alone (200 with the grant, or 403), and any other request from an origin the
/// rule allows, for a method it allows, gets `Access-Control-Allow-Origin` on its answer
/// (refusals included, so the page can read them).
async fn with_cors(
    s3: &s3s::service::S3Service,
    origins: &[String],
    req: http::Request<hyper::body::Incoming>,
) -> Result<http::Response<s3s::Body>, s3s::HttpError> {
    let rule = STORAGE_CORS;
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let origin = header("origin");
    if req.method() == http::Method::OPTIONS {
        let allowed = rule.allows(origins, &origin, &header("access-control-request-method"), &header("access-control-request-headers"));
        let mut b = http::Response::builder()
            .status(if allowed { 200 } else { 403 })
            .header("vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
        if allowed {
            b = b
                .header("access-control-allow-origin", &origin)
                .header("access-control-allow-methods", rule.methods.join(", "))
                .header("access-control-allow-headers", rule.headers.join(", "))
                .header("access-control-max-age", rule.max_age_secs.to_string());
        }
        return b.body(s3s::Body::empty()).map_err(|e| s3s::HttpError::new(Box::new(e)));
    }
    let method = req.method().as_str().to_owned();
    let mut resp = s3.call(req.map(s3s::Body::from)).await?;
    if !origin.is_empty()
        && rule.allows(origins, &origin, &method, "")
        && let Ok(v) = http::HeaderValue::from_str(&origin)
    {
        resp.headers_mut().insert("access-control-allow-origin", v);
        resp.headers_mut().append("vary", http::HeaderValue::from_static("Origin"));
    }
    Ok(resp)
}

impl Drop for EmbeddedS3 {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
