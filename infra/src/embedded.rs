//! The embedded engines: dynoxide (DynamoDB's wire protocol over SQLite) served in process on a
//! loopback port, so the same SDK adapter talks to it as to DynamoDB.

use anyhow::Context;
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

/// The embedded S3 engine: s3s-fs over a folder, on a loopback port, checking SigV4 and presign
/// expiry for real. Its access key and secret are those of [`local_sdk_config`].
pub struct EmbeddedS3 {
    pub endpoint: String,
    stop: Option<oneshot::Sender<()>>,
}

impl EmbeddedS3 {
    pub async fn start(root: &Path) -> anyhow::Result<Self> {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        std::fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
        let fs = s3s_fs::FileSystem::new(root).map_err(|e| anyhow::anyhow!("s3s-fs at {}: {e:?}", root.display()))?;
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single("test", "test"));
        let service = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the S3 engine's port")?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let (tx, mut rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        let Ok((socket, _)) = accepted else { continue };
                        let svc = service.clone();
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

impl Drop for EmbeddedS3 {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
