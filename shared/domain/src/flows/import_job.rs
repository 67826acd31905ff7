//! Imports too large for a request body (Lambda takes 6 MB): the file goes straight to private
//! storage by a presigned PUT, and the import runs as a job when it lands (on AWS the bucket's
//! event notification for [`UPLOADS`] invokes the import function; locally the local server's
//! loop looks for it). The job runs the same code as the inline import (`import_django`,
//! `import_sheet`) as the superuser who started it, and its report goes to private storage as
//! JSON Lines, one row a line, shown through a presigned GET; `GET /api/users/import/jobs/{id}`
//! tells its status and totals. A job is claimed (waiting to running) in one conditional write, so
//! storage announcing a file twice runs it once. The file is read from a local copy: a Django dump
//! and a CSV file are streamed (memory flat with their size), an .xlsx is read whole (at most
//! [`SHEET_MAX`]).

use super::Deps;
use super::authorize::Principal;
use super::import_django::{self, DumpSource, ImportOptions};
use super::import_sheet::{self, SheetOptions};
use crate::ids::{JobId, UserId};
use crate::mail::MailConfig;
use crate::model::{ImportJob, ImportJobStatus};
use crate::ports::BlobStore;
use crate::ports::Store;
use crate::session::{Gate, Session};
use crate::{Error, Result};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// Where uploads land: `imports/uploads/<owner>/<job>` (the prefix the event notification filters on).
pub const UPLOADS: &str = "imports/uploads/";
/// Where reports go: `imports/reports/<owner>/<job>.jsonl`.
pub const REPORTS: &str = "imports/reports/";
/// How long the upload link and the report link work.
pub const LINK_LIFETIME: SignedDuration = SignedDuration::from_mins(15);
/// Most rows a spreadsheet job takes (a job is not bound by a request's 30 s).
pub const JOB_ROWS_MAX: usize = 20_000;
/// Largest spreadsheet a job reads (it is read whole).
pub const SHEET_MAX: u64 = 50 * MIB;
/// Largest Django dump a job takes: it is streamed from a local copy, so memory is not the bound,
/// the function's `/tmp` (4 GB, the report beside the copy) is.
pub const DUMP_MAX: u64 = 1024 * MIB;
const MIB: u64 = 1024 * 1024;
/// How long past its upload link's expiry a job still waits for its file (storage's event may
/// come late); then it has failed, `upload_expired`.
pub const UPLOAD_GRACE: SignedDuration = SignedDuration::from_mins(15);
/// How long after its claim a run may still be going: the import function stops at 15 minutes
/// (template.yaml's Timeout, which a test holds below this), so a job running longer died with
/// its run (`run_lost`).
pub const RUN_BOUND: SignedDuration = SignedDuration::from_mins(20);
/// How long a job that has not ended is kept: well past its upload link and any run, so the
/// table's TTL deletes jobs whose file never came or whose run died, whether or not anyone looks.
pub const KEPT_UNFINISHED: SignedDuration = SignedDuration::from_hours(24);
/// How long an ended job is kept, as its report is (the bucket's rule for `imports/`: 7 days).
pub const KEPT: SignedDuration = SignedDuration::from_hours(7 * 24);

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `POST /api/users/import/uploads`: what the file is and the import's options.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UploadInput {
    /// `application/json` (a Django dump), `text/csv` or the .xlsx media type.
    pub media_type: String,
    /// The file's size in bytes: the upload link is signed for exactly this many, at most
    /// [`SHEET_MAX`] for a spreadsheet and [`DUMP_MAX`] for a Django dump.
    pub size: u64,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub keep_superusers: bool,
    #[serde(default)]
    pub send_links: bool,
    #[serde(default)]
    pub apply_role_groups: bool,
    pub company_id: Option<String>,
}

/// Where to PUT the file: send it with exactly this `Content-Type` and `Content-Length` (both
/// are signed: storage refuses any other).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UploadTicket {
    pub job_id: String,
    pub url: String,
    pub method: &'static str,
    pub content_type: String,
    pub content_length: u64,
    pub expires_at: Timestamp,
}

/// A job as `GET /api/users/import/jobs/{id}` shows it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct JobView {
    pub id: String,
    pub status: ImportJobStatus,
    /// Why a failed job failed: `refused` (the file, see `field` and `message`), `too_large`,
    /// `upload_expired` (the file did not come while the link worked), `run_lost` (the run
    /// stopped without finishing), `fault`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `django`, `csv`, `xlsx`.
    pub kind: String,
    pub dry_run: bool,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    /// The report's totals (as the inline import answers them, without the rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<serde_json::Value>,
    /// The field and message of a file refused whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The rows, one JSON object a line, for [`LINK_LIFETIME`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_url: Option<String>,
}

fn kind_of(media_type: &str) -> Result<&'static str> {
    match media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase().as_str() {
        "application/json" => Ok("django"),
        "text/csv" => Ok("csv"),
        XLSX => Ok("xlsx"),
        _ => Err(Error::invalid("media_type", format!("must be application/json (a Django dump), text/csv or {XLSX}"))),
    }
}

/// The largest file of a kind, and what it is called in a refusal.
fn size_max(kind: &str) -> (u64, &'static str) {
    if kind == "django" { (DUMP_MAX, "a Django dump") } else { (SHEET_MAX, "a spreadsheet") }
}

fn check_size(kind: &str, size: u64) -> Result<()> {
    let (max, what) = size_max(kind);
    if size == 0 {
        return Err(Error::invalid("size", "the file is empty"));
    }
    if size > max {
        return Err(Error::invalid("size", too_large(max, what, size)));
    }
    Ok(())
}

fn too_large(max: u64, what: &str, size: u64) -> String {
    format!("{what} may be at most {} MB ({max} bytes); this one is {size} bytes", max / MIB)
}

/// `job` ended as failed at `now`: why, and the field and message the report shows.
fn failed(mut job: ImportJob, now: Timestamp, reason: &str, field: &str, message: String) -> ImportJob {
    job.status = ImportJobStatus::Failed;
    job.reason = Some(reason.to_owned());
    job.error = Some((field.to_owned(), message));
    job.finished_at = Some(now);
    job.keep_until = Some(after(now, KEPT));
    job
}

/// `at + d`, or the end of time.
fn after(at: Timestamp, d: SignedDuration) -> Timestamp {
    at.checked_add(d).unwrap_or(Timestamp::MAX)
}

fn content_type(kind: &str) -> &'static str {
    match kind {
        "django" => "application/json",
        "csv" => "text/csv",
        _ => XLSX,
    }
}

fn upload_key(owner: &UserId, id: &str) -> String {
    format!("{UPLOADS}{owner}/{id}")
}

fn report_key(owner: &UserId, id: &str) -> String {
    format!("{REPORTS}{owner}/{id}.jsonl")
}

fn only_superusers(p: &Principal) -> Result<()> {
    if p.user.account.superuser { Ok(()) } else { Err(Error::not_permitted("file", "only superusers import users")) }
}

/// Starts a job: records it as waiting and answers where to upload the file.
pub async fn start<S: Store + ?Sized>(deps: &Deps<S>, blobs: &dyn BlobStore, p: &Principal, input: UploadInput) -> Result<UploadTicket> {
    only_superusers(p)?;
    let kind = kind_of(&input.media_type)?;
    check_size(kind, input.size)?;
    let company_id = input.company_id.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(c) = &company_id {
        crate::ids::CompanyId::parse("company_id", c)?;
    }
    let id = JobId::new(deps.clock.as_ref(), deps.entropy.as_ref()).to_string();
    let job = ImportJob {
        id: id.clone(),
        owner: p.id().clone(),
        kind: kind.to_owned(),
        dry_run: input.dry_run,
        keep_superusers: input.keep_superusers,
        send_links: input.send_links,
        apply_role_groups: input.apply_role_groups,
        company_id,
        status: ImportJobStatus::Waiting,
        size: input.size,
        started_at: None,
        keep_until: Some(after(deps.now(), KEPT_UNFINISHED)),
        source_ip: p.source_ip.clone(),
        created_at: deps.now(),
        finished_at: None,
        summary: None,
        error: None,
        reason: None,
    };
    if !deps.store.save_job(&job, None).await? {
        return Err(Error::unexpected("a new import job's id was taken"));
    }
    let url = blobs.presign_put(&upload_key(p.id(), &id), content_type(kind), input.size, LINK_LIFETIME).await?;
    let expires_at = deps.now().checked_add(LINK_LIFETIME).map_err(Error::unexpected)?;
    Ok(UploadTicket { job_id: id, url, method: "PUT", content_type: content_type(kind).to_owned(), content_length: input.size, expires_at })
}

/// Why a job that has not ended never will, at `now`: its file did not come while the upload
/// link worked (and a grace for a late event), or its run has gone on longer than any run can.
fn overdue(job: &ImportJob, now: Timestamp) -> Option<(&'static str, &'static str)> {
    match job.status {
        ImportJobStatus::Waiting if now > after(job.created_at, LINK_LIFETIME.saturating_add(UPLOAD_GRACE)) => {
            Some(("upload_expired", "the file did not arrive while the upload link worked; start the import again"))
        }
        ImportJobStatus::Running if now > after(job.started_at.unwrap_or(job.created_at), RUN_BOUND) => {
            Some(("run_lost", "the import stopped without finishing; rows before it may have been written"))
        }
        _ => None,
    }
}

/// Ends a job that will never end by itself as failed, with its reason, in a write guarded by
/// the status it was read with: a late run can no longer claim it, and a run that ended
/// meanwhile keeps its own end. Answers the job as it now stands.
async fn expire<S: Store + ?Sized>(deps: &Deps<S>, job: ImportJob) -> Result<ImportJob> {
    let now = deps.now();
    let Some((reason, message)) = overdue(&job, now) else { return Ok(job) };
    let ended = failed(job.clone(), now, reason, "file", message.to_owned());
    if deps.store.save_job(&ended, Some(job.status)).await? {
        return Ok(ended);
    }
    deps.store.get_job(&job.owner, &job.id).await?.ok_or(Error::NotFound("import job"))
}

/// The caller's job, with a link to its report once done.
pub async fn view<S: Store + ?Sized>(deps: &Deps<S>, blobs: &dyn BlobStore, p: &Principal, id: &str) -> Result<JobView> {
    only_superusers(p)?;
    let id = JobId::parse("id", id)?.to_string();
    let job = deps.store.get_job(p.id(), &id).await?.ok_or(Error::NotFound("import job"))?;
    let job = expire(deps, job).await?;
    let report_url = match job.status {
        ImportJobStatus::Done => Some(blobs.presign_get(&report_key(&job.owner, &job.id), LINK_LIFETIME).await?),
        _ => None,
    };
    let (field, message) = job.error.clone().unzip();
    Ok(JobView {
        id: job.id,
        status: job.status,
        reason: job.reason,
        kind: job.kind,
        dry_run: job.dry_run,
        created_at: job.created_at,
        finished_at: job.finished_at,
        summary: job.summary,
        field,
        message,
        report_url,
    })
}

/// The owner and job an uploaded object's key names, if it is an upload.
pub fn parse_upload_key(key: &str) -> Option<(UserId, String)> {
    let rest = key.strip_prefix(UPLOADS)?;
    let (owner, id) = rest.split_once('/')?;
    Some((UserId::parse("owner", owner).ok()?, JobId::parse("id", id).ok()?.to_string()))
}

/// Reads a spreadsheet's bytes into rows of text cells (the function that links calamine).
pub type SheetReader = dyn Fn(&[u8]) -> Result<Vec<Vec<String>>> + Send + Sync;

/// Runs the job whose file landed at `key`. A key that is not an upload, a job running elsewhere,
/// or a file not there yet is left alone; the file of a job that has ended (or is gone, or whose
/// run died) is deleted unread, and so is one larger than its kind may be (the job fails,
/// `too_large`) or not of the size declared.
pub async fn run<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    blobs: &dyn BlobStore,
    read_xlsx: &SheetReader,
    key: &str,
) -> Result<Option<ImportJobStatus>> {
    let Some((owner, id)) = parse_upload_key(key) else { return Ok(None) };
    let Some(job) = deps.store.get_job(&owner, &id).await? else {
        // The job was let go (its keeping ran out): the file is nobody's.
        blobs.delete(key).await?;
        return Ok(None);
    };
    let mut job = expire(deps, job).await?;
    match job.status {
        ImportJobStatus::Waiting => {}
        ImportJobStatus::Running => return Ok(None),
        ImportJobStatus::Done | ImportJobStatus::Failed => {
            blobs.delete(key).await?;
            return Ok(None);
        }
    }
    // The link was signed for the declared size, which storage holds an upload to; what is
    // there is checked before a byte is read all the same.
    let Some(size) = blobs.size(key).await? else { return Ok(None) };
    let (max, what) = size_max(&job.kind);
    let refusal = if size > max {
        Some(("too_large", too_large(max, what, size)))
    } else if job.size != 0 && size != job.size {
        Some(("refused", format!("the file has {size} bytes, not the {} declared", job.size)))
    } else {
        None
    };
    if let Some((reason, message)) = refusal {
        let job = failed(job, deps.now(), reason, "size", message);
        if !deps.store.save_job(&job, Some(ImportJobStatus::Waiting)).await? {
            return Ok(None);
        }
        blobs.delete(key).await?;
        return Ok(Some(job.status));
    }
    // A folder of this run's own: another run of the same job (a repeated event) has its own.
    let run = hex::encode(crate::clock::random_bytes::<8>(deps.entropy.as_ref()));
    let dir = std::env::temp_dir().join(format!("secboard-import-{id}-{run}"));
    std::fs::create_dir_all(&dir).map_err(Error::unexpected)?;
    let file = dir.join("file");
    if !blobs.download(key, &file).await? {
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(None);
    }
    job.status = ImportJobStatus::Running;
    job.started_at = Some(deps.now());
    if !deps.store.save_job(&job, Some(ImportJobStatus::Waiting)).await? {
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(None);
    }
    let report = dir.join("report.jsonl");
    let mut outcome = import(deps, cfg, &job, &file, &report, read_xlsx).await;
    if outcome.is_ok() {
        // A report that cannot be stored fails the job like any other fault: never left running.
        if let Err(e) = blobs.put_file(&report_key(&job.owner, &job.id), &report, "application/x-ndjson").await {
            outcome = Err(e);
        }
    }
    job.finished_at = Some(deps.now());
    job.keep_until = Some(after(deps.now(), KEPT));
    let result = match outcome {
        Ok(summary) => {
            job.status = ImportJobStatus::Done;
            job.summary = Some(summary);
            Ok(())
        }
        Err(e) => {
            job.status = ImportJobStatus::Failed;
            match e {
                Error::Invalid { field, message } | Error::NotPermitted { field, message } => {
                    job.reason = Some("refused".to_owned());
                    job.error = Some((field, message));
                    Ok(())
                }
                other => {
                    job.reason = Some("fault".to_owned());
                    job.error = Some(("file".into(), "the import stopped on a fault; rows before it may have been written".into()));
                    Err(other)
                }
            }
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    deps.store.save_job(&job, Some(ImportJobStatus::Running)).await?;
    // The uploaded file is not kept once read.
    blobs.delete(key).await?;
    result.map(|()| Some(job.status))
}

/// The job's owner as the principal the import's flows check, while still a superuser.
async fn owner<S: Store + ?Sized>(deps: &Deps<S>, job: &ImportJob) -> Result<Principal> {
    let user = deps.store.get_user(&job.owner).await?.filter(|u| u.account.superuser && u.account.active);
    let user = user.ok_or_else(|| Error::not_permitted("file", "the job's owner is no longer an active superuser"))?;
    let now = deps.now();
    let session = Session {
        user_id: job.owner.clone(),
        digest: String::new(),
        gate: Gate::Done,
        epoch: user.account.epoch,
        created_at: now,
        last_seen: now,
        source_ip: job.source_ip.clone(),
        id: None,
        method: None,
        user_agent: None,
    };
    Ok(Principal { user, session, source_ip: job.source_ip.clone(), rights: Default::default() })
}

fn line(out: &mut impl Write, row: &impl Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, row).map_err(Error::unexpected)?;
    out.write_all(b"\n").map_err(Error::unexpected)
}

/// Runs the import over the local file, writing its rows to `report` as they come; answers the totals.
async fn import<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    job: &ImportJob,
    file: &std::path::Path,
    report: &std::path::Path,
    read_xlsx: &SheetReader,
) -> Result<serde_json::Value> {
    let p = owner(deps, job).await?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(report).map_err(Error::unexpected)?);
    let summary = if job.kind == "django" {
        let options = ImportOptions { dry_run: job.dry_run, keep_superusers: job.keep_superusers, company_id: job.company_id.clone() };
        let source: Arc<dyn DumpSource> = Arc::new(PathBuf::from(file));
        let mut failed = None;
        let mut write = |r: import_django::RowReport| {
            if failed.is_none()
                && let Err(e) = line(&mut out, &r)
            {
                failed = Some(e);
            }
        };
        let summary = import_django::import_django(deps, source, &options, "api", Some(p.id()), &mut write).await?;
        if let Some(e) = failed {
            return Err(e);
        }
        serde_json::to_value(summary).map_err(Error::unexpected)?
    } else {
        let size = std::fs::metadata(file).map_err(Error::unexpected)?.len();
        if size > SHEET_MAX {
            return Err(Error::invalid("file", format!("a spreadsheet may be at most {} MB", SHEET_MAX / 1024 / 1024)));
        }
        let opts = SheetOptions {
            dry_run: job.dry_run,
            send_links: job.send_links,
            apply_role_groups: job.apply_role_groups,
            rows_max: JOB_ROWS_MAX,
        };
        let mut r = if job.kind == "csv" {
            // Read as a stream, twice: first counted (a file over the rows a job takes is refused
            // before a row is written), then imported a row at a time. Memory holds a row.
            let open = || -> Result<_> {
                Ok(import_sheet::CsvRows::new(std::io::BufReader::new(std::fs::File::open(file).map_err(Error::unexpected)?)))
            };
            let mut rows = 0usize;
            for row in open()?.skip(1) {
                rows += usize::from(row?.iter().any(|c| !c.trim().is_empty()));
                if rows > JOB_ROWS_MAX {
                    return Err(Error::invalid("file", format!("at most {JOB_ROWS_MAX} rows in one import")));
                }
            }
            import_sheet::import_stream(deps, cfg, &p, open()?, opts).await?
        } else {
            // calamine reads an .xlsx (a zip) whole.
            let bytes = std::fs::read(file).map_err(Error::unexpected)?;
            let rows = read_xlsx(&bytes)?;
            drop(bytes);
            import_sheet::import_rows(deps, cfg, &p, rows, opts).await?
        };
        for row in &r.rows {
            line(&mut out, row)?;
        }
        r.rows.clear();
        serde_json::to_value(r).map_err(Error::unexpected)?
    };
    out.flush().map_err(Error::unexpected)?;
    let mut summary = summary;
    if let Some(m) = summary.as_object_mut() {
        m.remove("rows");
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_under_the_uploads_prefix_with_an_owner_and_a_job_are_uploads() {
        let owner = "01JBENCH0000000000000000AA";
        let job = "01JBENCH0000000000000000AB";
        assert!(parse_upload_key(&format!("imports/uploads/{owner}/{job}")).is_some());
        assert!(parse_upload_key(&format!("imports/reports/{owner}/{job}.jsonl")).is_none());
        assert!(parse_upload_key(&format!("imports/uploads/{owner}/../{job}")).is_none());
        assert!(parse_upload_key("imports/uploads/x/y").is_none());
    }

    #[test]
    fn the_media_type_names_the_kind_of_import() {
        assert_eq!(kind_of("text/csv; charset=utf-8").unwrap(), "csv");
        assert_eq!(kind_of("application/json").unwrap(), "django");
        assert_eq!(kind_of(XLSX).unwrap(), "xlsx");
        assert!(matches!(kind_of("image/png"), Err(Error::Invalid { field, .. }) if field == "media_type"));
    }
}
