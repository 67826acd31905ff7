//! The directory export at scale, and the cost of the first page of a large company.
//!
//!   export-bench seed DIR N      seeds N users of one company into DIR/dynamodb.sqlite
//!   export-bench export DIR      exports them all to .xlsx (time, peak RSS, file size)
//!   export-bench sheet DIR N     writes N rows to .xlsx with no store (beside openpyxl)
//!   export-bench page DIR        the first page of 50 (time, items read)
//!
//! Each step runs in its own process so peak memory is the export's (plus the embedded engine).

#[path = "../rss.rs"]
mod rss;
use rss::peak_rss_mib;
use secboard_domain::clock::{ManualClock, OsEntropy};
use secboard_domain::email::Email;
use secboard_domain::filter::RawFilter;
use secboard_domain::flows::authorize::Principal;
use secboard_domain::flows::{Deps, export, list_users};
use secboard_domain::ids::{CompanyId, GroupId, OrgItemId, UserId};
use secboard_domain::keys::MasterKey;
use secboard_domain::model::{Account, Credential, GroupRef, Profile, Ref, User};
use secboard_domain::permissions::Rights;
use secboard_domain::ports::BlobStore;
use secboard_domain::session::{Gate, Session, SessionToken};
use secboard_domain::text::{Colour, Name};
use secboard_dynamodb::{DynamoStore, table};
use secboard_infra::embedded::{EmbeddedDynamo, local_sdk_config};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

const COMPANY: &str = "01JBENCH0000000000000000AA";

/// Keeps the bytes' size only: the bench measures writing the sheet, not a local disk.
struct CountingBlobs(std::sync::Mutex<usize>);

#[async_trait::async_trait]
impl BlobStore for CountingBlobs {
    async fn put(&self, _: &str, bytes: Vec<u8>, _: &str, _: Option<&str>) -> secboard_domain::Result<()> {
        *self.0.lock().unwrap() = bytes.len();
        Ok(())
    }
    async fn delete(&self, _: &str) -> secboard_domain::Result<()> {
        Ok(())
    }
    async fn presign_get(&self, key: &str, _: jiff::SignedDuration) -> secboard_domain::Result<String> {
        Ok(format!("local://{key}"))
    }
    async fn presign_put(&self, key: &str, _: &str, _: u64, _: jiff::SignedDuration) -> secboard_domain::Result<String> {
        Ok(format!("local://{key}"))
    }
    async fn size(&self, _: &str) -> secboard_domain::Result<Option<u64>> {
        Ok(None)
    }
    async fn download(&self, _: &str, _: &Path) -> secboard_domain::Result<bool> {
        Ok(false)
    }
    async fn put_file(&self, _: &str, _: &Path, _: &str) -> secboard_domain::Result<()> {
        Ok(())
    }
}

async fn deps(dir: &Path) -> anyhow::Result<(Deps<DynamoStore>, Arc<DynamoStore>, EmbeddedDynamo)> {
    let engine = EmbeddedDynamo::start(Some(&dir.join("dynamodb.sqlite"))).await?;
    let store = DynamoStore::new(&local_sdk_config(&engine.endpoint), "bench");
    table::ensure_table(store.client(), "bench").await?;
    let store = Arc::new(store);
    let deps = Deps {
        store: store.clone(),
        clock: Arc::new(ManualClock::new("2026-06-15T09:00:00Z".parse()?)),
        entropy: Arc::new(OsEntropy),
        time_zone: jiff::tz::TimeZone::UTC,
        key: MasterKey::from_bytes([1; 32]),
        rights: Default::default(),
    };
    Ok((deps, store, engine))
}

fn user(i: usize, deps: &Deps<DynamoStore>) -> anyhow::Result<(Account, Profile)> {
    let id = UserId::new(deps.clock.as_ref(), deps.entropy.as_ref());
    let company = CompanyId::parse("c", COMPANY)?;
    let colours = ["#1F3A93", "#FFEB3B", "#2ECC71", "#E74C3C", "#9B59B6"];
    let email = Email::parse("e", &format!("user{i:06}@example.com"))?;
    let account =
        Account { active: !i.is_multiple_of(10), has_profile: true, ..Account::new(id.clone(), email, Credential::None, deps.clock.now()) };
    let profile = Profile {
        user_id: id,
        company: Ref { id: company, name: "Bench Corp".into() },
        first_name: Name::parse("f", &format!("First{i}"))?,
        last_name: Name::parse("l", &format!("Last{:06}", (i * 7919) % 1_000_000))?,
        phone: None,
        department: Some(Ref { id: OrgItemId::parse("d", "01JBENCH0000000000000000DD")?, name: format!("Department {}", i % 20) }),
        position: Some(Ref { id: OrgItemId::parse("p", "01JBENCH0000000000000000PP")?, name: "Analyst".into() }),
        roles: vec![],
        groups: vec![
            GroupRef { id: GroupId::parse("g", "01JBENCH0000000000000000GA")?, name: "Risk Managers".into(), global: false },
            GroupRef { id: GroupId::parse("g", "01JBENCH0000000000000000GB")?, name: "Everyone".into(), global: true },
        ],
        quizzes: vec![],
        colour: (!i.is_multiple_of(3)).then(|| Colour::parse("c", colours[i % colours.len()])).transpose()?,
        start_date: Some(jiff::civil::date(2025, 1, 1 + (i % 28) as i8)),
        end_date: i.is_multiple_of(4).then(|| jiff::civil::date(2027, 12, 31)),
        language: None,
        completed: true,
        rights: Rights::default(),
        rights_epoch: 0,
        avatar_key: None,
        version: 1,
        created_at: deps.clock.now(),
    };
    Ok((account, profile))
}

fn superuser(deps: &Deps<DynamoStore>) -> anyhow::Result<Principal> {
    let (mut account, _) = user(0, deps)?;
    account.superuser = true;
    let token = SessionToken::generate(account.id.clone(), deps.entropy.as_ref());
    let session = Session::begin(&token, Gate::Done, 1, deps.clock.now(), "127.0.0.1");
    Ok(Principal { user: User { account, profile: None }, session, source_ip: "127.0.0.1".into(), rights: Default::default() })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = Path::new(args.get(1).map(String::as_str).unwrap_or("target/bench-data"));
    std::fs::create_dir_all(dir)?;
    match args.first().map(String::as_str) {
        Some("seed") => {
            let n: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(100_000);
            let _ = std::fs::remove_file(dir.join("dynamodb.sqlite"));
            let (deps, store, _engine) = deps(dir).await?;
            let started = Instant::now();
            for chunk in (0..n).collect::<Vec<_>>().chunks(5000) {
                let users = chunk.iter().map(|i| user(*i, &deps)).collect::<anyhow::Result<Vec<_>>>()?;
                store.seed_users(&users).await?;
            }
            println!("seeded {n} users in {:.1} s", started.elapsed().as_secs_f64());
        }
        Some("export") => {
            let (deps, store, _engine) = deps(dir).await?;
            let p = superuser(&deps)?;
            let blobs = CountingBlobs(std::sync::Mutex::new(0));
            let raw = RawFilter { company: Some(COMPANY.into()), ..Default::default() };
            let before = store.calls();
            let started = Instant::now();
            let link = export::export(&deps, &p, &raw, Box::new(export_users::XlsxSink::new()?), &blobs).await?;
            let took = started.elapsed();
            println!(
                "exported {} rows in {:.2} s; xlsx {:.1} MiB; {} store calls; peak RSS {:.0} MiB (process, with the embedded engine)",
                link.rows,
                took.as_secs_f64(),
                *blobs.0.lock().unwrap() as f64 / 1048576.0,
                store.calls() - before,
                peak_rss_mib()
            );
        }
        Some("sheet") => {
            // The sheet alone, no store: the like-for-like figure beside openpyxl.
            let n: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(100_000);
            let (deps, _store, _engine) = deps(dir).await?;
            let today = deps.today();
            let rows = (0..n)
                .map(|i| {
                    let (a, p) = user(i, &deps)?;
                    let l = secboard_domain::ports::Listed {
                        email: a.email,
                        active: a.active,
                        staff: false,
                        superuser: false,
                        source: a.source,
                        profile: p,
                    };
                    Ok(export::row_of(&l, today))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let before_rss = peak_rss_mib();
            let started = Instant::now();
            let mut sink: Box<dyn export::SheetSink> = Box::new(export_users::XlsxSink::new()?);
            for r in &rows {
                sink.row(r)?;
            }
            let bytes = sink.finish()?;
            println!(
                "wrote {n} rows in {:.2} s; xlsx {:.1} MiB; peak RSS {:.0} MiB (of which {:.0} MiB are the rows prepared in memory beforehand)",
                started.elapsed().as_secs_f64(),
                bytes.len() as f64 / 1048576.0,
                peak_rss_mib(),
                before_rss
            );
        }
        Some("page") => {
            let (deps, store, _engine) = deps(dir).await?;
            let p = superuser(&deps)?;
            let raw = RawFilter { company: Some(COMPANY.into()), ..Default::default() };
            let mut times = vec![];
            let mut read = 0;
            for _ in 0..20 {
                let before = store.calls();
                let started = Instant::now();
                let page = list_users::list(&deps, &CountingBlobs(std::sync::Mutex::new(0)), &p, &raw, Some("50"), None).await?;
                times.push(started.elapsed().as_secs_f64() * 1000.0);
                read = page.items_read;
                assert_eq!(store.calls() - before, 1, "one Query");
                assert_eq!(page.users.len(), 50);
            }
            times.sort_by(|a, b| a.partial_cmp(b).unwrap());
            println!(
                "first page of 50 of {COMPANY}: median {:.2} ms, p90 {:.2} ms over 20 runs; {read} items read; 1 store call",
                times[10], times[18]
            );
        }
        _ => anyhow::bail!("usage: export-bench (seed DIR N | export DIR | sheet DIR N | page DIR)"),
    }
    Ok(())
}
