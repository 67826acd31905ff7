//! Bringing users over from the Django version of SecBoard: `manage.py dumpdata auth.user
//! auth.group` (a JSON list of `{"model", "pk", "fields"}`), from `secboard-admin import-django`
//! and `POST /api/users/import`, the same code.
//!
//! - Streamed, twice: a first pass checks the whole file (nothing is written if any of it is not
//!   JSON or not a dump) and reads the groups (few); the second reads users one by one, so memory
//!   holds a batch, the groups and a 16-byte fingerprint per email seen (to report a clash
//!   between rows), whatever the file's size.
//! - Each user becomes an account keyed by email, source `imported`, no cabinet profile (an admin
//!   wraps it with "Use Existing User"; until then sign-in stops at `no_profile`), with
//!   `is_active`, `is_staff`, `date_joined`, `last_login`, the Django pk and its memberships kept.
//!   The password hash is kept as it is after its format is checked (`django_password`), and
//!   upgraded to argon2id at the first sign-in; an unusable one (`!`) is no password.
//! - A row whose email is missing, invalid, seen earlier in the file or taken by an account not
//!   from this row, or whose password hash is malformed, is skipped with the reason. A row
//!   already imported (its email's account carries its pk) is `unchanged`: a re-run writes
//!   nothing and says so.
//! - Django superusers become superusers only with `keep_superusers`, and then must change their
//!   password and set up 2FA at their first sign-in.
//! - Groups become access groups of the same name, without rights, in the company the import
//!   names (an existing one of that name is reused); each batch moves a group's member count
//!   once, by the batch's total.
//! - Writes go in transactions of at most [`TX_ITEMS`] items; a batch that fails (an email taken
//!   meanwhile) is written again row by row, so each row is created whole or not at all.
//! - `dry_run` reads everything, writes nothing, and reports what would happen.

use super::Deps;
use crate::django_password::DjangoPassword;
use crate::email::Email;
use crate::ids::{CompanyId, GroupId, UserId};
use crate::model::{AccessGroup, Account, AuditTarget, Credential, DjangoOrigin, Source};
use crate::permissions::Permissions;
use crate::ports::Store;
use crate::text::Name;
use crate::{Error, Result};
use jiff::Timestamp;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::sync::Arc;

/// Most items in one transaction (DynamoDB's limit).
pub const TX_ITEMS: usize = 100;
/// Most accounts written in one transaction (two items each, three for a superuser).
pub const BATCH_MAX: usize = 40;

/// Where the dump is read from; opened once per pass.
pub trait DumpSource: Send + Sync + 'static {
    fn open(&self) -> std::io::Result<Box<dyn Read + Send>>;
}

/// A dump held in memory (a request body), read without copying.
impl DumpSource for Arc<Vec<u8>> {
    fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        struct Shared(Arc<Vec<u8>>, usize);
        impl Read for Shared {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let rest = self.0.get(self.1..).unwrap_or_default();
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                self.1 += n;
                Ok(n)
            }
        }
        Ok(Box::new(Shared(Arc::clone(self), 0)))
    }
}

/// A dump in a file (the admin tool).
impl DumpSource for std::path::PathBuf {
    fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(std::io::BufReader::with_capacity(64 * 1024, std::fs::File::open(self)?)))
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    #[serde(default)]
    pub dry_run: bool,
    /// Django superusers stay superusers (else they are imported as ordinary accounts).
    #[serde(default)]
    pub keep_superusers: bool,
    /// The company whose access groups the Django groups become.
    pub company_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    /// `dry_run`: would be created.
    WouldCreate,
    /// Imported by an earlier run: nothing written.
    Unchanged,
    Skipped,
}

/// One line of the report, per user row (`row` counts the dump's objects from 1).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RowReport {
    pub row: usize,
    pub pk: Option<u64>,
    pub email: Option<String>,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// Why a row was skipped (a stable code) and, in words, what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct GroupReport {
    pub pk: Option<u64>,
    pub name: String,
    /// `created`, `would_create`, `unchanged` (an access group of this name exists), `skipped`.
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<GroupId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Summary {
    pub dry_run: bool,
    pub users: usize,
    pub created: usize,
    pub unchanged: usize,
    pub skipped: usize,
    /// Transactions written.
    pub transactions: usize,
    pub groups: Vec<GroupReport>,
}

/// The report as the API answers it: the summary and every row.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Report {
    #[serde(flatten)]
    pub summary: Summary,
    pub rows: Vec<RowReport>,
}

/// One object of the dump, as read.
#[derive(Debug, Deserialize)]
struct DumpObject {
    model: String,
    #[serde(default)]
    pk: Value,
    #[serde(default)]
    fields: Value,
}

/// Reads the dump's list one object at a time, handing each to `f` with its position.
struct Each<F>(F);

impl<'de, F: FnMut(usize, DumpObject) -> bool> Visitor<'de> for Each<F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of {\"model\", \"pk\", \"fields\"} objects, as manage.py dumpdata writes it")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<(), A::Error> {
        let mut row = 0;
        while let Some(obj) = seq.next_element::<DumpObject>()? {
            row += 1;
            if !(self.0)(row, obj) {
                // The reader has gone: drain nothing more.
                return Ok(());
            }
        }
        Ok(())
    }
}

impl<'de, F: FnMut(usize, DumpObject) -> bool> DeserializeSeed<'de> for Each<F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// Streams the dump through `f`; a syntax or shape error names the body (or file) and where.
fn stream(source: &dyn DumpSource, f: impl FnMut(usize, DumpObject) -> bool) -> Result<()> {
    let reader = source.open().map_err(|e| Error::invalid("file", format!("cannot be read: {e}")))?;
    let mut de = serde_json::Deserializer::from_reader(reader);
    Each(f)
        .deserialize(&mut de)
        .and_then(|_| de.end())
        .map_err(|e| Error::invalid("body", format!("is not a Django dump (manage.py dumpdata auth.user auth.group): {e}")))
}

fn pk_of(v: &Value) -> Option<u64> {
    v.as_u64()
}

/// A user row's fields, as Django writes them.
#[derive(Debug)]
struct DjangoUser {
    row: usize,
    pk: Option<u64>,
    email: String,
    password: String,
    superuser: bool,
    staff: bool,
    active: bool,
    date_joined: Option<Timestamp>,
    last_login: Option<Timestamp>,
    /// Group pks, or names with natural keys (`--natural-foreign`).
    groups: Vec<GroupKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum GroupKey {
    Pk(u64),
    Name(String),
}

/// Django's datetimes: ISO 8601 with a zone (`USE_TZ = True`), or naive (read as UTC).
fn datetime(v: &Value, field: &str) -> std::result::Result<Option<Timestamp>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => s
            .parse::<Timestamp>()
            .or_else(|_| s.parse::<jiff::civil::DateTime>().and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC)).map(|z| z.timestamp()))
            .map(Some)
            .map_err(|_| format!("{field} is not a date and time")),
        _ => Err(format!("{field} is not a date and time")),
    }
}

fn user_of(row: usize, obj: &DumpObject) -> std::result::Result<DjangoUser, (Option<u64>, String)> {
    let pk = pk_of(&obj.pk);
    let f = obj.fields.as_object().ok_or((pk, "the row has no fields".to_owned()))?;
    let text = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let flag = |k: &str, default: bool| f.get(k).and_then(Value::as_bool).unwrap_or(default);
    let groups = match f.get("groups") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a
            .iter()
            .map(|g| match g {
                Value::Number(_) => g.as_u64().map(GroupKey::Pk),
                Value::Array(n) => n.first().and_then(Value::as_str).map(|s| GroupKey::Name(s.to_owned())),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .ok_or((pk, "groups must be group pks or natural keys".to_owned()))?,
        Some(_) => return Err((pk, "groups must be a list".to_owned())),
    };
    Ok(DjangoUser {
        row,
        pk,
        email: text("email"),
        password: text("password"),
        superuser: flag("is_superuser", false),
        staff: flag("is_staff", false),
        active: flag("is_active", true),
        date_joined: datetime(f.get("date_joined").unwrap_or(&Value::Null), "date_joined").map_err(|e| (pk, e))?,
        last_login: datetime(f.get("last_login").unwrap_or(&Value::Null), "last_login").map_err(|e| (pk, e))?,
        groups,
    })
}

/// What the first pass learns: the dump's groups (by pk and by name) and its user count.
#[derive(Default)]
struct FirstPass {
    groups: BTreeMap<GroupKey, String>,
    users: usize,
}

fn first_pass(source: &dyn DumpSource) -> Result<FirstPass> {
    let mut out = FirstPass::default();
    let mut bad: Option<String> = None;
    stream(source, |row, obj| {
        match obj.model.as_str() {
            "auth.group" => {
                let name = obj.fields.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
                match pk_of(&obj.pk) {
                    Some(pk) => {
                        out.groups.insert(GroupKey::Pk(pk), name.clone());
                    }
                    None if !name.is_empty() => {}
                    None => bad = Some(format!("object {row}: a group with neither pk nor name")),
                }
                if !name.is_empty() {
                    out.groups.insert(GroupKey::Name(name.clone()), name);
                }
            }
            "auth.user" => out.users += 1,
            // Other models (permissions, content types) may come along; they are not imported.
            _ => {}
        }
        bad.is_none()
    })?;
    match bad {
        Some(b) => Err(Error::invalid("body", b)),
        None => Ok(out),
    }
}

/// A row ready to be written, with the groups it counts.
struct Prepared {
    report: RowReport,
    account: Account,
}

/// Runs an import; `on_row` gets every row's line as it is decided (the admin tool prints them
/// as they come; the API collects them).
pub async fn import_django<S: Store + ?Sized>(
    deps: &Deps<S>,
    source: Arc<dyn DumpSource>,
    options: &ImportOptions,
    by: &str,
    actor: Option<&UserId>,
    on_row: &mut (dyn FnMut(RowReport) + Send),
) -> Result<Summary> {
    let company = match options.company_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => {
            let id = CompanyId::parse("company_id", c)?;
            Some(deps.store.get_company(&id).await?.ok_or_else(|| Error::invalid("company_id", "no such company"))?.id)
        }
        None => None,
    };
    let src = Arc::clone(&source);
    let first = tokio::task::spawn_blocking(move || first_pass(src.as_ref()))
        .await
        .map_err(|e| Error::unexpected(format!("import task: {e}")))??;
    let mut summary = Summary { dry_run: options.dry_run, ..Summary::default() };

    // Groups: an access group of the same name in the named company, made if missing.
    let mut group_ids: HashMap<GroupKey, GroupId> = HashMap::new();
    let names: Vec<(Option<u64>, String)> = {
        let mut seen = HashSet::new();
        let mut v = vec![];
        for (k, name) in &first.groups {
            let pk = match k {
                GroupKey::Pk(p) => Some(*p),
                GroupKey::Name(_) => None,
            };
            if seen.insert(name.clone()) {
                v.push((pk, name.clone()));
            }
        }
        v
    };
    if !names.is_empty() {
        match &company {
            None => {
                for (pk, name) in names {
                    summary.groups.push(GroupReport {
                        pk,
                        name,
                        outcome: Outcome::Skipped,
                        id: None,
                        detail: Some("no company_id was given: memberships are not kept".into()),
                    });
                }
            }
            Some(c) => {
                let existing = deps.store.list_groups(Some(c)).await?;
                for (pk, raw) in names {
                    let name = match Name::parse("name", &raw) {
                        Ok(n) => n,
                        Err(e) => {
                            summary.groups.push(GroupReport {
                                pk,
                                name: raw,
                                outcome: Outcome::Skipped,
                                id: None,
                                detail: Some(e.to_string()),
                            });
                            continue;
                        }
                    };
                    let (outcome, id) = match existing.iter().find(|g| g.name.as_str() == name.as_str()) {
                        Some(g) => (Outcome::Unchanged, Some(g.id.clone())),
                        None if options.dry_run => (Outcome::WouldCreate, None),
                        None => {
                            let g = AccessGroup {
                                id: GroupId::new(deps.clock.as_ref(), deps.entropy.as_ref()),
                                company_id: Some(c.clone()),
                                name: name.clone(),
                                permissions: Permissions::default(),
                                directory_sync: false,
                                version: 1,
                                created_at: deps.now(),
                            };
                            let e = deps.event(
                                actor,
                                "org.group.created",
                                AuditTarget::Company(c.clone()),
                                json!({ "id": g.id, "name": g.name, "by": by, "import": "django" }),
                                None,
                            );
                            deps.store.create_group(&g, &e).await?;
                            (Outcome::Created, Some(g.id))
                        }
                    };
                    if let Some(id) = &id {
                        for (k, n) in &first.groups {
                            if n == &raw {
                                group_ids.insert(k.clone(), id.clone());
                            }
                        }
                    }
                    summary.groups.push(GroupReport { pk, name: raw, outcome, id, detail: None });
                }
            }
        }
    }

    // Users, streamed from a blocking reader through a bounded channel.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::result::Result<DjangoUser, (usize, Option<u64>, String)>>(BATCH_MAX * 4);
    let src = Arc::clone(&source);
    let reader = tokio::task::spawn_blocking(move || {
        stream(src.as_ref(), |row, obj| {
            if obj.model != "auth.user" {
                return true;
            }
            let item = user_of(row, &obj).map_err(|(pk, why)| (row, pk, why));
            tx.blocking_send(item).is_ok()
        })
    });

    let mut seen: HashSet<[u8; 16]> = HashSet::new();
    let mut batch: Vec<DjangoUser> = Vec::with_capacity(BATCH_MAX);
    let ctx = Ctx { deps, options, company: company.as_ref(), group_ids: &group_ids, by, actor };
    while let Some(item) = rx.recv().await {
        summary.users += 1;
        match item {
            Err((row, pk, why)) => {
                let r = skipped(row, pk, None, "invalid_row", Some(why));
                count(&mut summary, &r);
                on_row(r);
            }
            Ok(u) => {
                batch.push(u);
                if batch.len() >= BATCH_MAX {
                    ctx.batch(std::mem::take(&mut batch), &mut seen, &mut summary, on_row).await?;
                }
            }
        }
    }
    if !batch.is_empty() {
        ctx.batch(batch, &mut seen, &mut summary, on_row).await?;
    }
    reader.await.map_err(|e| Error::unexpected(format!("import reader: {e}")))??;
    let e = deps.event(
        actor,
        if options.dry_run { "users.import_checked" } else { "users.imported" },
        AuditTarget::Global,
        json!({ "by": by, "source": "django", "users": summary.users, "created": summary.created, "unchanged": summary.unchanged, "skipped": summary.skipped }),
        None,
    );
    deps.store.append(&e).await?;
    Ok(summary)
}

fn skipped(row: usize, pk: Option<u64>, email: Option<String>, reason: &'static str, detail: Option<String>) -> RowReport {
    RowReport { row, pk, email, outcome: Outcome::Skipped, user_id: None, reason: Some(reason), detail }
}

fn count(s: &mut Summary, r: &RowReport) {
    match r.outcome {
        Outcome::Created | Outcome::WouldCreate => s.created += 1,
        Outcome::Unchanged => s.unchanged += 1,
        Outcome::Skipped => s.skipped += 1,
    }
}

fn fingerprint(normalized: &str) -> [u8; 16] {
    let d = Sha256::digest(normalized.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&d[..16]);
    out
}

struct Ctx<'a, S: ?Sized> {
    deps: &'a Deps<S>,
    options: &'a ImportOptions,
    company: Option<&'a CompanyId>,
    group_ids: &'a HashMap<GroupKey, GroupId>,
    by: &'a str,
    actor: Option<&'a UserId>,
}

impl<S: Store + ?Sized> Ctx<'_, S> {
    /// Decides every row of a batch, then writes the new accounts together.
    async fn batch(
        &self,
        rows: Vec<DjangoUser>,
        seen: &mut HashSet<[u8; 16]>,
        summary: &mut Summary,
        on_row: &mut (dyn FnMut(RowReport) + Send),
    ) -> Result<()> {
        let deps = self.deps;
        let mut decided: Vec<RowReport> = vec![];
        let mut candidates: Vec<(DjangoUser, Email, Credential)> = vec![];
        for u in rows {
            if u.email.trim().is_empty() {
                decided.push(skipped(u.row, u.pk, None, "no_email", Some("a Django user without an email cannot sign in here".into())));
                continue;
            }
            let email = match Email::parse("email", &u.email) {
                Ok(e) => e,
                Err(e) => {
                    decided.push(skipped(u.row, u.pk, Some(u.email.clone()), "invalid_email", Some(e.to_string())));
                    continue;
                }
            };
            if !seen.insert(fingerprint(&email.normalized())) {
                decided.push(skipped(
                    u.row,
                    u.pk,
                    Some(email.normalized()),
                    "email_clash",
                    Some("an earlier row of the file has this email (emails are unique whatever their case)".into()),
                ));
                continue;
            }
            let credential = match DjangoPassword::parse(&u.password) {
                Ok(DjangoPassword::Unusable) => Credential::None,
                Ok(DjangoPassword::Hash(h)) => Credential::Django { hash: h.encoded().to_owned() },
                Err(m) => {
                    decided.push(skipped(u.row, u.pk, Some(email.normalized()), "malformed_password", Some(m.to_string())));
                    continue;
                }
            };
            candidates.push((u, email, credential));
        }

        // Who is there already: a re-run finds its own rows by the pk their accounts keep.
        let emails: Vec<Email> = candidates.iter().map(|(_, e, _)| e.clone()).collect();
        let existing: HashMap<String, Account> =
            deps.store.accounts_by_emails(&emails).await?.into_iter().map(|a| (a.email.normalized(), a)).collect();
        let mut fresh: Vec<Prepared> = vec![];
        for (u, email, credential) in candidates {
            let normalized = email.normalized();
            if let Some(a) = existing.get(&normalized) {
                let ours = a.source == Source::Imported && a.django.as_ref().is_some_and(|d| d.pk.is_some() && d.pk == u.pk);
                decided.push(if ours {
                    RowReport {
                        row: u.row,
                        pk: u.pk,
                        email: Some(normalized),
                        outcome: Outcome::Unchanged,
                        user_id: Some(a.id.clone()),
                        reason: None,
                        detail: None,
                    }
                } else {
                    skipped(u.row, u.pk, Some(normalized), "email_taken", Some("an account with this email already exists".into()))
                });
                continue;
            }
            let groups: Vec<GroupId> = {
                let mut g: Vec<GroupId> = u.groups.iter().filter_map(|k| self.group_ids.get(k).cloned()).collect();
                g.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                g.dedup();
                g
            };
            let superuser = self.options.keep_superusers && u.superuser;
            let id = UserId::new(deps.clock.as_ref(), deps.entropy.as_ref());
            let account = Account {
                source: Source::Imported,
                active: u.active,
                staff: u.staff,
                superuser,
                // A superuser kept changes the password and sets up 2FA at the first sign-in.
                force_password_change: superuser,
                require_2fa: superuser,
                django: Some(DjangoOrigin {
                    pk: u.pk,
                    date_joined: u.date_joined,
                    last_login: u.last_login,
                    company: self.company.filter(|_| !groups.is_empty()).cloned(),
                    groups,
                }),
                ..Account::new(id.clone(), email, credential, deps.now())
            };
            let outcome = if self.options.dry_run { Outcome::WouldCreate } else { Outcome::Created };
            let report = RowReport {
                row: u.row,
                pk: u.pk,
                email: Some(normalized),
                outcome,
                user_id: Some(id),
                reason: None,
                detail: superuser_note(u.superuser, superuser),
            };
            fresh.push(Prepared { report, account });
        }

        if !self.options.dry_run && !fresh.is_empty() {
            self.write(&mut fresh, summary).await?;
        }
        // The report in the file's order.
        decided.extend(fresh.into_iter().map(|p| p.report));
        decided.sort_by_key(|r| r.row);
        for r in decided {
            count(summary, &r);
            on_row(r);
        }
        Ok(())
    }

    /// Writes prepared accounts in transactions within [`TX_ITEMS`]; a transaction refused (an
    /// email taken meanwhile) is retried row by row, each row whole or not at all.
    async fn write(&self, fresh: &mut [Prepared], summary: &mut Summary) -> Result<()> {
        let mut start = 0;
        while start < fresh.len() {
            // Two items per account, one more per superuser; a member count per group; the
            // superuser count and the audit event.
            let mut end = start;
            let mut groups: HashSet<GroupId> = HashSet::new();
            let mut items = 2;
            while end < fresh.len() {
                let a = &fresh[end].account;
                let new_groups = a.django.as_ref().map_or(0, |d| d.groups.iter().filter(|g| !groups.contains(*g)).count());
                let needs = 2 + usize::from(a.superuser) + new_groups;
                if items + needs > TX_ITEMS {
                    break;
                }
                items += needs;
                groups.extend(a.django.iter().flat_map(|d| d.groups.iter().cloned()));
                end += 1;
            }
            let chunk = &mut fresh[start..end];
            let accounts: Vec<Account> = chunk.iter().map(|p| p.account.clone()).collect();
            match self.write_accounts(&accounts).await {
                Ok(()) => summary.transactions += 1,
                Err(Error::Conflict { .. }) if accounts.len() > 1 => {
                    for p in chunk.iter_mut() {
                        match self.write_accounts(std::slice::from_ref(&p.account)).await {
                            Ok(()) => summary.transactions += 1,
                            Err(e @ Error::Conflict { .. }) => {
                                let email = p.report.email.clone();
                                let code =
                                    if matches!(&e, Error::Conflict { code: "email_taken", .. }) { "email_taken" } else { "conflict" };
                                p.report = skipped(p.report.row, p.report.pk, email, code, Some(e.to_string()));
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
                Err(e @ Error::Conflict { .. }) => {
                    let p = &mut chunk[0];
                    let code = if matches!(&e, Error::Conflict { code: "email_taken", .. }) { "email_taken" } else { "conflict" };
                    p.report = skipped(p.report.row, p.report.pk, p.report.email.clone(), code, Some(e.to_string()));
                }
                Err(e) => return Err(e),
            }
            start = end;
        }
        Ok(())
    }

    async fn write_accounts(&self, accounts: &[Account]) -> Result<()> {
        let mut members: BTreeMap<(String, String), (CompanyId, GroupId, i64)> = BTreeMap::new();
        for a in accounts {
            if let Some(d) = &a.django
                && let Some(c) = &d.company
            {
                for g in &d.groups {
                    members.entry((c.to_string(), g.to_string())).or_insert_with(|| (c.clone(), g.clone(), 0)).2 += 1;
                }
            }
        }
        let members: Vec<(CompanyId, GroupId, i64)> = members.into_values().collect();
        let ids: Vec<&UserId> = accounts.iter().map(|a| &a.id).collect();
        let e = self.deps.event(
            self.actor,
            "account.imported",
            AuditTarget::Global,
            json!({ "by": self.by, "source": "django", "users": ids }),
            None,
        );
        self.deps.store.import_accounts(accounts, &members, &e).await
    }
}

fn superuser_note(was: bool, kept: bool) -> Option<String> {
    match (was, kept) {
        (true, true) => Some("a superuser: changes the password and sets up 2FA at the first sign-in".into()),
        (true, false) => Some("a Django superuser, imported as an ordinary account (keep_superusers was not given)".into()),
        _ => None,
    }
}

/// `POST /api/users/import` with a Django dump (`application/json`): superusers only, the same
/// code as the admin tool; answers the summary and every row.
pub async fn import_django_api<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &super::authorize::Principal,
    body: Vec<u8>,
    options: ImportOptions,
) -> Result<Report> {
    if !p.user.account.superuser {
        return Err(Error::not_permitted("file", "only superusers import users"));
    }
    let mut rows = vec![];
    let source: Arc<dyn DumpSource> = Arc::new(Arc::new(body));
    let summary = import_django(deps, source, &options, "api", Some(p.id()), &mut |r| rows.push(r)).await?;
    Ok(Report { summary, rows })
}

/// The memberships an import kept on an account (each counted on its group), as references: the
/// profile made for it takes over those of its company, and the others (or all, when the account
/// is deleted first) are let go of.
pub fn kept_references(account: &Account) -> Vec<crate::ports::Reference> {
    let Some(d) = &account.django else { return vec![] };
    let Some(company) = &d.company else { return vec![] };
    d.groups
        .iter()
        .map(|g| crate::ports::Reference {
            field: "groups".into(),
            target: crate::ports::RefTarget::Group { company: Some(company.clone()), id: g.clone(), version: 0 },
        })
        .collect()
}
