//! The S3 adapter: private objects and presigned GET links, the same code against S3, the
//! embedded s3s-fs engine and moto. Content-Type and Content-Disposition are set when an object is
//! written (s3s-fs ignores the response-override parameters of a GET).

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use jiff::SignedDuration;
use secboard_domain::error::ServiceFailure;
use secboard_domain::ports::BlobStore;
use secboard_domain::{Error, Result};

#[derive(Clone)]
pub struct S3Blobs {
    client: Client,
    bucket: String,
    /// Links are signed this long before now (zero but in tests, which watch links expire).
    signing_lag: std::time::Duration,
    /// The IAM actions made so far (`s3:PutObject@avatars/`), for the least-privilege test.
    actions: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

fn fault<E: std::error::Error + Send + Sync + 'static>(what: &'static str) -> impl FnOnce(E) -> Error {
    move |e| Error::Unexpected(anyhow::Error::new(e).context(what))
}

/// An SDK error, the service's answer kept in words ([`ServiceFailure`]) rather than as each
/// operation's own error type.
fn refused<E: ProvideErrorMetadata, R: std::fmt::Debug + Send + Sync + 'static>(
    what: &'static str,
) -> impl FnOnce(SdkError<E, R>) -> Error {
    move |e| Error::Unexpected(anyhow::Error::new(e.map_service_error(|s| ServiceFailure::new(s.code(), s.message()))).context(what))
}

impl S3Blobs {
    /// Path-style addressing against a local endpoint (`http://127.0.0.1:PORT`); on AWS the
    /// bucket's own host name, which the console's CSP names.
    pub fn new(sdk: &aws_config::SdkConfig, bucket: impl Into<String>) -> Self {
        let conf = aws_sdk_s3::config::Builder::from(sdk).force_path_style(sdk.endpoint_url().is_some()).build();
        S3Blobs {
            client: Client::from_conf(conf),
            bucket: bucket.into(),
            signing_lag: std::time::Duration::ZERO,
            actions: Default::default(),
        }
    }

    /// The IAM actions the calls so far needed, with the key's folder (`s3:GetObject@exports/`):
    /// a presigned link needs `s3:GetObject` of its signer, though nothing goes on the wire.
    pub fn iam_actions(&self) -> Vec<String> {
        self.actions.lock().map(|v| v.clone()).unwrap_or_default()
    }

    fn note(&self, action: &str, key: &str) {
        let folder = key.split_once('/').map_or("", |(f, _)| f);
        if let Ok(mut v) = self.actions.lock() {
            v.push(format!("s3:{action}@{folder}/"));
        }
    }

    /// The same store, signing every link as if `lag` ago: a test sees a flow's own link expire
    /// (the storage service checks expiry against its own clock) without waiting for it.
    pub fn signing_earlier_by(mut self, lag: std::time::Duration) -> Self {
        self.signing_lag = lag;
        self
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Creates the bucket unless it exists (locally and in tests; on AWS template.yaml does it).
    pub async fn ensure_bucket(&self) -> anyhow::Result<()> {
        match self.client.create_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_bucket_already_exists() || s.is_bucket_already_owned_by_you()) => Ok(()),
            Err(e) => Err(anyhow::Error::new(e).context("creating the bucket")),
        }
    }

    /// The object's bytes (tests and tools).
    pub async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(o) => Ok(Some(o.body.collect().await?.into_bytes().to_vec())),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every key under a prefix (tests and tools).
    pub async fn keys(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let r = self.client.list_objects_v2().bucket(&self.bucket).prefix(prefix).send().await?;
        Ok(r.contents().iter().filter_map(|o| o.key().map(str::to_owned)).collect())
    }
}

#[async_trait]
impl BlobStore for S3Blobs {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str, disposition: Option<&str>) -> Result<()> {
        self.note("PutObject", key);
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(bytes))
            .content_type(content_type)
            .set_content_disposition(disposition.map(str::to_owned))
            .send()
            .await
            .map_err(refused("storing an object"))?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.note("DeleteObject", key);
        self.client.delete_object().bucket(&self.bucket).key(key).send().await.map_err(refused("deleting an object"))?;
        Ok(())
    }

    async fn presign_get(&self, key: &str, valid_for: SignedDuration) -> Result<String> {
        self.note("GetObject", key);
        self.presign_get_at(key, std::time::SystemTime::now() - self.signing_lag, valid_for).await
    }

    async fn presign_put(&self, key: &str, content_type: &str, content_length: u64, valid_for: SignedDuration) -> Result<String> {
        self.note("PutObject", key);
        let start = std::time::SystemTime::now() - self.signing_lag;
        let cfg =
            PresigningConfig::builder().start_time(start).expires_in(valid_for.unsigned_abs()).build().map_err(fault("presigning"))?;
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            // Signed with the type: storage refuses a body of any other length.
            .content_length(i64::try_from(content_length).map_err(fault("presigning"))?)
            .presigned(cfg)
            .await
            .map_err(refused("presigning"))?;
        Ok(req.uri().to_owned())
    }

    async fn size(&self, key: &str) -> Result<Option<u64>> {
        self.note("GetObject", key);
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(o) => Ok(Some(o.content_length().and_then(|n| u64::try_from(n).ok()).unwrap_or(0))),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            // A HEAD's 404 has no body to name the error by.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
            Err(e) => Err(refused("reading an object's size")(e)),
        }
    }

    async fn download(&self, key: &str, to: &std::path::Path) -> Result<bool> {
        use tokio::io::AsyncWriteExt;
        self.note("GetObject", key);
        let mut body = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(o) => o.body,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(false),
            Err(e) => return Err(refused("reading an object")(e)),
        };
        let mut file = tokio::fs::File::create(to).await.map_err(fault("creating a local file"))?;
        while let Some(chunk) = body.try_next().await.map_err(fault("reading an object"))? {
            file.write_all(&chunk).await.map_err(fault("writing a local file"))?;
        }
        file.flush().await.map_err(fault("writing a local file"))?;
        Ok(true)
    }

    async fn put_file(&self, key: &str, from: &std::path::Path, content_type: &str) -> Result<()> {
        self.note("PutObject", key);
        let body = ByteStream::from_path(from).await.map_err(fault("reading a local file"))?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(body)
            .content_type(content_type)
            .send()
            .await
            .map_err(refused("storing an object"))?;
        Ok(())
    }
}

impl S3Blobs {
    /// A GET link signed at `start` (tests sign in the past to see a link expire).
    pub async fn presign_get_at(&self, key: &str, start: std::time::SystemTime, valid_for: SignedDuration) -> Result<String> {
        let cfg =
            PresigningConfig::builder().start_time(start).expires_in(valid_for.unsigned_abs()).build().map_err(fault("presigning"))?;
        let req = self.client.get_object().bucket(&self.bucket).key(key).presigned(cfg).await.map_err(refused("presigning"))?;
        Ok(req.uri().to_owned())
    }
}
