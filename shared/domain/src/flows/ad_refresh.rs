//! Refreshing a directory account from its entry: at every successful directory sign-in, on
//! "Refresh from AD", and by the scheduled sync.
//!
//! - The profile's name, phone and department follow the directory; a value the directory holds
//!   that SecBoard cannot take (a department no department of the user's company is named, a
//!   phone that is not one) is reported in the audit log and the field is left as it was. An
//!   attribute the entry does not have leaves its field as it was.
//! - The email follows the directory too, and keeps uniqueness exactly as an administrator's edit
//!   does: the `EMAIL#` marker moves in the same transaction as the account, the links sent to the
//!   old address end, and so do the sessions. An email another account has is not taken (audited).
//! - Group sync (`sync_groups`): each `memberOf` CN equal, case-sensitively, to the name of an
//!   access group marked `directory_sync` that is global or of the user's company is added;
//!   nothing is removed. Each addition is in the audit log. Rights are computed afresh from the
//!   groups as read, and their versions are checked by the write, as an edit's are.

use super::Deps;
use super::create_user::{CreateUserInput, Mode, Placement, place, reference_changes};
use crate::active_directory::{AdConnection, AdEntry, AdError, AdSettings};
use crate::email::Email;
use crate::ids::{CompanyId, GroupId, OrgItemId, UserId};
use crate::model::{Account, AuditTarget, Credential, ItemKind, Profile, User};
use crate::phone::Phone;
use crate::ports::AccountChange;
use crate::ports::Store;
use crate::ports::UserChange;
use crate::superusers;
use crate::text::Name;
use crate::{Error, Result};
use serde_json::{Value, json};

/// Seconds a client is asked to wait while the directory is out.
pub const OUTAGE_RETRY_SECS: u64 = 30;

/// The directory's settings and connection, when one is set up with a password.
pub(crate) async fn connection<S: Store + ?Sized>(deps: &Deps<S>) -> Result<Option<(AdSettings, AdConnection)>> {
    match deps.store.get_ad_settings().await? {
        Some(settings) => Ok(settings.connection(&deps.key)?.map(|c| (settings, c))),
        None => Ok(None),
    }
}

/// Who asked for the refresh, for the audit log: an administrator (`actor`), or the user signing
/// in, or the scheduled sync (no actor).
#[derive(Clone, Copy, Debug)]
pub struct Asked<'a> {
    pub actor: Option<&'a UserId>,
    pub source_ip: Option<&'a str>,
}

/// What the entry makes of the profile's fields, before they are resolved against the store.
struct Wanted {
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    department: Option<OrgItemId>,
    groups: Vec<GroupId>,
    groups_added: Vec<String>,
    skipped: Vec<Value>,
}

fn skipped(field: &str, reason: &str, value: &str) -> Value {
    json!({ "field": field, "reason": reason, "value": value })
}

/// A name from the entry, or `None` (kept as it was) when absent or not a name.
fn name_of(field: &str, value: Option<&str>, skipped_values: &mut Vec<Value>) -> Option<String> {
    let v = value?.trim();
    match Name::parse(field, v) {
        Ok(n) => Some(n.as_str().to_owned()),
        Err(_) => {
            skipped_values.push(skipped(field, "invalid", v));
            None
        }
    }
}

/// The department of `company` named exactly as the entry's `department`.
async fn department_named<S: Store + ?Sized>(deps: &Deps<S>, company: &CompanyId, name: &str) -> Result<Option<OrgItemId>> {
    let items = deps.store.list_items(company, ItemKind::Department).await?;
    Ok(items.into_iter().find(|d| d.name.as_str() == name).map(|d| d.id))
}

/// The access groups marked `directory_sync`, global or of `company`, whose names are among the
/// entry's `memberOf` CNs (case-sensitively) and that `have` does not hold yet.
async fn synced_groups<S: Store + ?Sized>(
    deps: &Deps<S>,
    company: &CompanyId,
    entry: &AdEntry,
    have: &[GroupId],
) -> Result<Vec<(GroupId, String)>> {
    if entry.groups.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![];
    for scope in [None, Some(company)] {
        for g in deps.store.list_groups(scope).await? {
            if g.directory_sync && entry.groups.iter().any(|cn| cn == g.name.as_str()) && !have.contains(&g.id) {
                out.push((g.id, g.name.to_string()));
            }
        }
    }
    Ok(out)
}

/// What the entry says the profile in `company` should be, `current` being the profile now.
async fn wanted<S: Store + ?Sized>(
    deps: &Deps<S>,
    company: &CompanyId,
    current: Option<&Profile>,
    entry: &AdEntry,
    sync_groups: bool,
) -> Result<Wanted> {
    let mut skipped_values = vec![];
    let first_name = name_of("first_name", entry.first_name.as_deref(), &mut skipped_values);
    let last_name = name_of("last_name", entry.last_name.as_deref(), &mut skipped_values);
    let phone = match entry.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => match Phone::parse("phone", p) {
            Ok(p) => Some(p.as_str().to_owned()),
            Err(_) => {
                skipped_values.push(skipped("phone", "invalid", p));
                None
            }
        },
        None => None,
    };
    let department = match entry.department.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(name) => match current.and_then(|p| p.department.as_ref()).filter(|d| d.name == name) {
            Some(same) => Some(same.id.clone()),
            None => {
                let found = department_named(deps, company, name).await?;
                if found.is_none() {
                    skipped_values.push(skipped("department", "no_such_department", name));
                }
                found
            }
        },
        None => None,
    };
    let mut groups: Vec<GroupId> = current.map(|p| p.groups.iter().map(|g| g.id.clone()).collect()).unwrap_or_default();
    let mut groups_added = vec![];
    if sync_groups {
        for (id, name) in synced_groups(deps, company, entry, &groups).await? {
            groups.push(id);
            groups_added.push(name);
        }
    }
    Ok(Wanted { first_name, last_name, phone, department, groups, groups_added, skipped: skipped_values })
}

fn text<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

/// The cabinet profile a new directory account gets in `company` (the settings' `company_id`),
/// from its entry: `Ok(None)` when the entry lacks what a profile needs (a first and last name)
/// or the company is gone; the account then waits at `no_profile` ("Use Existing User").
pub async fn new_profile<S: Store + ?Sized>(
    deps: &Deps<S>,
    id: &UserId,
    company: &CompanyId,
    entry: &AdEntry,
    sync_groups: bool,
) -> Result<(Option<Placement>, Vec<String>, Vec<Value>)> {
    let w = wanted(deps, company, None, entry, sync_groups).await?;
    let (Some(first_name), Some(last_name)) = (w.first_name, w.last_name) else {
        let mut skipped_values = w.skipped;
        skipped_values.push(json!({ "field": "profile", "reason": "no_name_in_directory" }));
        return Ok((None, vec![], skipped_values));
    };
    let input = CreateUserInput {
        mode: Mode::New,
        user_id: None,
        email: None,
        first_name,
        last_name,
        company_id: company.to_string(),
        phone: w.phone,
        colour: None,
        department_id: text(w.department),
        position_id: None,
        start_date: None,
        end_date: None,
        roles: vec![],
        apply_role_groups: false,
        groups: w.groups.iter().map(ToString::to_string).collect(),
        quizzes: vec![],
        staff: false,
        require_2fa: false,
        active: None,
        language: None,
    };
    match place(deps, id, &input, company).await {
        Ok(mut placed) => {
            // The directory filled it: nothing is left for the user to complete.
            placed.profile.completed = true;
            Ok((Some(placed), w.groups_added, w.skipped))
        }
        Err(Error::Invalid { field, message }) => {
            let mut skipped_values = w.skipped;
            skipped_values.push(json!({ "field": field, "reason": "invalid", "message": message }));
            Ok((None, vec![], skipped_values))
        }
        Err(e) => Err(e),
    }
}

/// Brings `user` (a directory account) in line with `entry`; answers the user as saved (as it was
/// when nothing changed). A conflict with another write is an error for the caller to judge.
pub async fn apply_entry<S: Store + ?Sized>(
    deps: &Deps<S>,
    user: User,
    entry: &AdEntry,
    sync_groups: bool,
    asked: Asked<'_>,
) -> Result<User> {
    let mut skipped_values = vec![];
    let email = match entry.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => match Email::parse("email", e) {
            Ok(e) => e,
            Err(_) => {
                skipped_values.push(skipped("email", "invalid", e));
                user.account.email.clone()
            }
        },
        None => user.account.email.clone(),
    };
    let dn = match &user.account.credential {
        Credential::Directory { dn, guid } if dn != &entry.dn => Some(Credential::Directory { dn: entry.dn.clone(), guid: guid.clone() }),
        _ => None,
    };
    let result = match user.profile.as_ref() {
        None => refresh_account(deps, &user, email, dn, &mut skipped_values, asked).await,
        Some(current) => refresh_user(deps, &user, current, email, dn, entry, sync_groups, &mut skipped_values, asked).await,
    };
    if !skipped_values.is_empty() {
        let audit = deps.event(
            asked.actor,
            "directory.values_skipped",
            AuditTarget::User(user.account.id.clone()),
            json!({ "dn": entry.dn, "skipped": skipped_values }),
            asked.source_ip,
        );
        deps.store.append(&audit).await?;
    }
    result
}

fn email_taken(e: &Error) -> bool {
    matches!(e, Error::Conflict { code: "email_taken", .. })
}

/// An account without a profile: only its email (and DN) follow the directory.
async fn refresh_account<S: Store + ?Sized>(
    deps: &Deps<S>,
    user: &User,
    email: Email,
    dn: Option<Credential>,
    skipped_values: &mut Vec<Value>,
    asked: Asked<'_>,
) -> Result<User> {
    let mut email = Some(email).filter(|e| e != &user.account.email);
    loop {
        if email.is_none() && dn.is_none() {
            return Ok(user.clone());
        }
        let account = moved_account(&user.account, dn.as_ref(), email.as_ref());
        let detail = json!({ "changed": { "email": email.as_ref().map(|e| json!({ "before": user.account.email, "after": e })) } });
        let audit = deps.event(asked.actor, "directory.refreshed", AuditTarget::User(account.id.clone()), detail, asked.source_ip);
        match deps.store.refresh_ad_account(&user.account, &account, &audit).await {
            Ok(()) => return Ok(User { account, profile: None }),
            Err(e) if email.is_some() && email_taken(&e) => {
                skipped_values.push(skipped("email", "email_taken", email.take().map(|e| e.to_string()).as_deref().unwrap_or_default()));
            }
            Err(e) => return Err(e),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn refresh_user<S: Store + ?Sized>(
    deps: &Deps<S>,
    user: &User,
    current: &Profile,
    email: Email,
    dn: Option<Credential>,
    entry: &AdEntry,
    sync_groups: bool,
    skipped_values: &mut Vec<Value>,
    asked: Asked<'_>,
) -> Result<User> {
    let company = current.company.id.clone();
    let w = wanted(deps, &company, Some(current), entry, sync_groups).await?;
    skipped_values.extend(w.skipped.iter().cloned());
    let first_name = w.first_name.unwrap_or_else(|| current.first_name.to_string());
    let last_name = w.last_name.unwrap_or_else(|| current.last_name.to_string());
    let phone = w.phone.or_else(|| text(current.phone.as_ref().map(|p| p.as_str())));
    let department = w.department.or_else(|| current.department.as_ref().map(|d| d.id.clone()));
    let mut email = Some(email).filter(|e| e != &user.account.email);
    let fields_same = first_name == current.first_name.as_str()
        && last_name == current.last_name.as_str()
        && phone.as_deref() == current.phone.as_ref().map(|p| p.as_str())
        && department.as_ref() == current.department.as_ref().map(|d| &d.id)
        && w.groups_added.is_empty();
    let input = CreateUserInput {
        mode: Mode::New,
        user_id: None,
        email: None,
        first_name,
        last_name,
        company_id: company.to_string(),
        phone,
        colour: text(current.colour.as_ref().map(|c| c.as_str())),
        department_id: text(department),
        position_id: text(current.position.as_ref().map(|r| &r.id)),
        start_date: text(current.start_date),
        end_date: text(current.end_date),
        roles: current.roles.iter().map(|r| r.id.to_string()).collect(),
        apply_role_groups: false,
        groups: w.groups.iter().map(ToString::to_string).collect(),
        quizzes: current.quizzes.iter().map(|q| q.id.to_string()).collect(),
        staff: false,
        require_2fa: false,
        active: None,
        language: current.language,
    };
    loop {
        if fields_same && email.is_none() && dn.is_none() {
            return Ok(user.clone());
        }
        let placed = place(deps, &user.account.id, &input, &company).await?;
        let mut profile = placed.profile;
        profile.completed = current.completed;
        profile.created_at = current.created_at;
        profile.avatar_key = current.avatar_key.clone();
        profile.version = current.version + 1;
        let account = moved_account(&user.account, dn.as_ref(), email.as_ref());
        let (added, released, kept) = reference_changes(current, &placed.refs);
        let standing_superusers =
            superusers::delta(superusers::standing(&user.account, Some(current)), superusers::standing(&account, Some(&profile)));
        let changed = changes(current, &profile, user, &account);
        let detail = json!({ "dn": entry.dn, "changed": changed, "groups_added": w.groups_added });
        let audit = deps.event(asked.actor, "directory.refreshed", AuditTarget::User(account.id.clone()), detail, asked.source_ip);
        let saved = deps
            .store
            .update_user(&UserChange {
                before: user,
                account: &account,
                profile: &profile,
                added: &added,
                released: &released,
                kept: &kept,
                reset_two_factor: false,
                mails: &[],
                end_links: email.is_some(),
                standing_superusers,
                audit: &audit,
            })
            .await;
        match saved {
            Ok(()) => {
                for name in &w.groups_added {
                    let ev = deps.event(
                        asked.actor,
                        "directory.group_added",
                        AuditTarget::User(account.id.clone()),
                        json!({ "group": name, "dn": entry.dn }),
                        asked.source_ip,
                    );
                    deps.store.append(&ev).await?;
                }
                return Ok(User { account, profile: Some(profile) });
            }
            Err(e) if email.is_some() && email_taken(&e) => {
                skipped_values.push(skipped("email", "email_taken", email.take().map(|e| e.to_string()).as_deref().unwrap_or_default()));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The fields a refresh changed, before and after.
fn changes(before: &Profile, after: &Profile, user: &User, account: &crate::model::Account) -> Value {
    let mut out = serde_json::Map::new();
    let mut put = |field: &str, b: Value, a: Value| {
        if b != a {
            out.insert(field.to_owned(), json!({ "before": b, "after": a }));
        }
    };
    put("email", json!(user.account.email), json!(account.email));
    put("first_name", json!(before.first_name.as_str()), json!(after.first_name.as_str()));
    put("last_name", json!(before.last_name.as_str()), json!(after.last_name.as_str()));
    put("phone", json!(before.phone.as_ref().map(|p| p.as_str())), json!(after.phone.as_ref().map(|p| p.as_str())));
    put("department", json!(before.department.as_ref().map(|d| &d.name)), json!(after.department.as_ref().map(|d| &d.name)));
    Value::Object(out)
}

/// Why the directory no longer lets an account in, as the audit log names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryState {
    Enabled,
    /// ACCOUNTDISABLE is set on the entry.
    Disabled,
    /// No entry has the account's `objectGUID` any more.
    Deleted,
}

/// Mirrors the directory's state onto the account: disabled or deleted sets `directory_disabled`
/// and ends every session (a new epoch); enabled lifts it (an administrator's `active` stands
/// apart). Answers the user as saved (as it was when nothing changed).
pub async fn mirror_state<S: Store + ?Sized>(deps: &Deps<S>, user: User, state: DirectoryState, asked: Asked<'_>) -> Result<User> {
    let disabled = state != DirectoryState::Enabled;
    if user.account.directory_disabled == disabled {
        return Ok(user);
    }
    let mut account = user.account.clone();
    account.directory_disabled = disabled;
    account.version += 1;
    if disabled {
        account.epoch += 1;
    }
    let action = match state {
        DirectoryState::Enabled => "directory.account_enabled",
        DirectoryState::Disabled => "directory.account_disabled",
        DirectoryState::Deleted => "directory.account_deleted",
    };
    let dn = match &user.account.credential {
        Credential::Directory { dn, .. } => dn.clone(),
        _ => String::new(),
    };
    let audit = deps.event(asked.actor, action, AuditTarget::User(account.id.clone()), json!({ "dn": dn }), asked.source_ip);
    deps.store.save_account(&AccountChange { account: &account, read_version: user.account.version, mail: None, audit: &audit }).await?;
    Ok(User { account, profile: user.profile })
}

/// The answer to an outage of the directory: 503, the reason logged (never a password).
pub(crate) fn unavailable(e: AdError) -> Error {
    tracing::warn!(error = %e, "the directory is unavailable");
    Error::Unavailable { retry_after_secs: OUTAGE_RETRY_SECS }
}

/// The account as the directory leaves it: its credential (the entry's DN) and its email moved,
/// the version on; an email move ends the sessions and the old address's links, as an
/// administrator's edit of the email does.
fn moved_account(account: &Account, dn: Option<&Credential>, email: Option<&Email>) -> Account {
    let mut account = account.clone();
    account.version += 1;
    if let Some(c) = dn {
        account.credential = c.clone();
    }
    if let Some(e) = email {
        account.email = e.clone();
        account.epoch += 1;
    }
    account
}
