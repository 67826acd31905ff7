//! A CSV import job's memory against its file's size (issue 14): the same rows, made larger by a
//! column the import ignores, run through `flows::import_job` as the import function runs them
//! (start, the upload, the run), a dry run over the embedded DynamoDB engine, with the bucket a
//! local folder. Each size in its own process, so the peak is the run's.
//!
//!   sheet-job-bench ROWS PAD_BYTES     prints rows, file size, wall time, peak RSS of the run

#[path = "../rss.rs"]
mod rss;
use async_trait::async_trait;
use rss::peak_rss_mib;
use secboard_domain::clock::{ManualClock, OsEntropy};
use secboard_domain::flows::authorize::Principal;
use secboard_domain::flows::bootstrap::{self, Bootstrap, FirstAdmin};
use secboard_domain::flows::{Deps, import_job};
use secboard_domain::keys::MasterKey;
use secboard_domain::mail::MailConfig;
use secboard_domain::password::Password;
use secboard_domain::ports::{AccountStore, BlobStore, ImportJobStore};
use secboard_domain::session::{Gate, Session, SessionToken};
use secboard_dynamodb::{DynamoStore, table};
use secboard_infra::embedded::{EmbeddedDynamo, local_sdk_config};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The bucket as a local folder: the job copies its upload from here as it would from S3.
struct FolderBlobs(PathBuf);

impl FolderBlobs {
    fn path(&self, key: &str) -> PathBuf {
        self.0.join(key.replace('/', "_"))
    }
}

#[async_trait]
impl BlobStore for FolderBlobs {
    async fn put(&self, key: &str, bytes: Vec<u8>, _: &str, _: Option<&str>) -> secboard_domain::Result<()> {
        std::fs::write(self.path(key), bytes).map_err(secboard_domain::Error::unexpected)
    }
    async fn delete(&self, key: &str) -> secboard_domain::Result<()> {
        let _ = std::fs::remove_file(self.path(key));
        Ok(())
    }
    async fn presign_get(&self, key: &str, _: jiff::SignedDuration) -> secboard_domain::Result<String> {
        Ok(format!("file://{}", self.path(key).display()))
    }
    async fn presign_put(&self, key: &str, _: &str, _: u64, _: jiff::SignedDuration) -> secboard_domain::Result<String> {
        Ok(format!("file://{}", self.path(key).display()))
    }
    async fn size(&self, key: &str) -> secboard_domain::Result<Option<u64>> {
        Ok(std::fs::metadata(self.path(key)).ok().map(|m| m.len()))
    }
    async fn download(&self, key: &str, to: &Path) -> secboard_domain::Result<bool> {
        match std::fs::copy(self.path(key), to) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(secboard_domain::Error::unexpected(e)),
        }
    }
    async fn put_file(&self, key: &str, from: &Path, _: &str) -> secboard_domain::Result<()> {
        std::fs::copy(from, self.path(key)).map(|_| ()).map_err(secboard_domain::Error::unexpected)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse()).collect::<Result<_, _>>()?;
    let (rows, pad) = (args.first().copied().unwrap_or(2000), args.get(1).copied().unwrap_or(0));
    let dir = tempfile::tempdir()?;
    let engine = EmbeddedDynamo::start(None).await?;
    let store = DynamoStore::new(&local_sdk_config(&engine.endpoint), "bench");
    table::ensure_table(store.client(), "bench").await?;
    let deps = Deps {
        store: Arc::new(store),
        clock: Arc::new(ManualClock::new("2026-06-15T09:00:00Z".parse()?)),
        entropy: Arc::new(OsEntropy),
        time_zone: jiff::tz::TimeZone::UTC,
        key: MasterKey::from_bytes([1; 32]),
        rights: Default::default(),
    };
    let admin = FirstAdmin {
        email: "bench@example.com".into(),
        password: Password::new("correct horse battery staple"),
        first_name: None,
        last_name: None,
        company: Some("Bench Co".into()),
    };
    let Bootstrap::Created(id) = bootstrap::ensure_first_admin(&deps, admin, "bench").await? else { anyhow::bail!("a fresh table") };
    let user = deps.store.get_user(&id).await?.expect("the admin");
    let token = SessionToken::generate(id.clone(), deps.entropy.as_ref());
    let session = Session::begin(&token, Gate::Done, user.account.epoch, deps.now(), "127.0.0.1");
    let p = Principal { user, session, source_ip: "127.0.0.1".into(), rights: Default::default() };

    let file = dir.path().join("users.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
    writeln!(out, "Email,First Name,Last Name,Company,")?;
    let padding = "x".repeat(pad);
    for i in 0..rows {
        writeln!(out, "user{i:06}@example.com,First{i},Last{i},Bench Co,{padding}")?;
    }
    out.flush()?;
    drop(out);
    let size = std::fs::metadata(&file)?.len();

    let blobs = FolderBlobs(dir.path().to_path_buf());
    let input = serde_json::from_value(serde_json::json!({ "media_type": "text/csv", "size": size, "dry_run": true }))?;
    let ticket = import_job::start(&deps, &blobs, &p, input).await?;
    let key = format!("{}{}/{}", import_job::UPLOADS, id, ticket.job_id);
    std::fs::copy(&file, blobs.path(&key))?;
    let before = peak_rss_mib();
    // The peak from here on is the run's (the first admin's argon2 hash, 19 MiB, came before).
    std::fs::write("/proc/self/clear_refs", "5")?;
    let started = Instant::now();
    let cfg = MailConfig { console_url: "http://localhost".into(), default_sender: None };
    let status = import_job::run(&deps, &cfg, &blobs, &|_| Ok(vec![]), &key).await?;
    let took = started.elapsed();
    let job = deps.store.get_job(&id, &ticket.job_id).await?.expect("the job");
    println!(
        "rows {rows}, file {:.1} MB, status {status:?}, would create {}, {:.1} s, peak RSS during the run {:.1} MiB (before it {:.1} MiB)",
        size as f64 / 1048576.0,
        job.summary.as_ref().map(|s| s["created"].clone()).unwrap_or_default(),
        took.as_secs_f64(),
        peak_rss_mib(),
        before
    );
    Ok(())
}
