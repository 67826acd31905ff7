//! Sign-in against Active Directory, after the database (the FAQ: "the database backend first,
//! then the AD backend"). Directory accounts, local accounts that never had a password, and
//! emails no account has come here: the service account searches
//! `(&<user_filter>(<attr_email>=<email escaped>))`, and the one entry found is bound with the
//! typed password (its DN as the directory wrote it).
//!
//! - An entry is linked to its account by `objectGUID`, never by email: a known GUID signs in its
//!   account whatever email it was found by; a local account without a password is claimed (the
//!   claim is in the audit log); an unknown email gets a new account (source `ad`, no local
//!   password, no cabinet profile: it signs in to the `no_profile` gate), its email and GUID
//!   markers in one transaction.
//! - ACCOUNTDISABLE refuses the sign-in; an empty password is refused before any bind; a sign-in
//!   whose failure would reach the domain's lockout threshold is not tried (429).
//! - While the directory does not answer (or refuses the service account), every refusal is the
//!   same 503, local or not, so an outage tells nobody which emails are local.

use super::Deps;
use super::ad_refresh::{Asked, apply_entry, connection, new_profile};
use crate::active_directory::{AdClient, AdEntry, AdError, AdSettings, would_lock};
use crate::email::Email;
use crate::ids::UserId;
use crate::model::{Account, AuditTarget, Credential, Source, User};
use crate::password::Password;
use crate::ports::Store;
use crate::{Error, Result};
use serde_json::json;

pub use super::ad_refresh::OUTAGE_RETRY_SECS;

/// Why a directory sign-in was refused (for the audit log) and the answer.
#[derive(Debug)]
pub struct Refusal {
    pub reason: &'static str,
    pub error: Error,
}

impl Refusal {
    fn refused(reason: &'static str) -> Self {
        Refusal { reason, error: Error::SignInRefused }
    }
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Self {
        Refusal { reason: "error", error }
    }
}

fn outage(e: AdError) -> Refusal {
    // The adapter's message names the server's answer, never a password.
    tracing::warn!(error = %e, "the directory is unavailable");
    Refusal { reason: "directory_unavailable", error: Error::Unavailable { retry_after_secs: OUTAGE_RETRY_SECS } }
}

/// The answer to a refused local sign-in: 401, or 503 while a directory is set up and does not
/// answer (the same search a directory sign-in makes), so an outage answers every refusal alike.
pub async fn local_refusal<S: Store + ?Sized>(deps: &Deps<S>, client: &dyn AdClient, email: &Email) -> Error {
    let Ok(Some((_, conn))) = connection(deps).await else { return Error::SignInRefused };
    let probe = async { client.open(&conn).await?.find_by_email(email.as_str()).await }.await;
    match probe {
        Ok(_) => Error::SignInRefused,
        Err(e) => outage(e).error,
    }
}

/// Checks `password` against the directory for `email` (`user`: the account the email belongs
/// to, if any, which has no local password) and answers the account to sign in.
pub async fn sign_in<S: Store + ?Sized>(
    deps: &Deps<S>,
    client: &dyn AdClient,
    email: &Email,
    user: Option<&User>,
    password: &Password,
    source_ip: &str,
) -> Result<User, Refusal> {
    let Some((settings, conn)) = connection(deps).await? else {
        return Err(Refusal::refused(match user.map(|u| &u.account.credential) {
            None => "unknown_email",
            Some(Credential::None) => "no_password_yet",
            Some(_) => "directory_off",
        }));
    };
    // AD answers a bind without a password as an anonymous success.
    if password.expose().is_empty() {
        return Err(Refusal::refused("empty_password"));
    }
    let mut session = client.open(&conn).await.map_err(outage)?;
    let mut found = session.find_by_email(email.as_str()).await.map_err(outage)?;
    let entry = match found.len() {
        1 => found.remove(0),
        0 => return Err(Refusal::refused("not_in_directory")),
        _ => return Err(Refusal::refused("ambiguous_in_directory")),
    };
    if entry.guid.is_empty() {
        return Err(Refusal::refused("directory_entry_without_guid"));
    }
    if entry.disabled {
        mirror_disabled(deps, &entry, true, source_ip).await?;
        return Err(Refusal::refused("directory_disabled"));
    }
    let threshold = session.lockout_threshold().await.map_err(outage)?;
    if would_lock(entry.bad_pwd_count, threshold) {
        return Err(Refusal { reason: "directory_lockout_avoided", error: Error::Throttled { retry_after_secs: 60 } });
    }
    if !session.check_password(&entry.dn, password).await.map_err(outage)? {
        return Err(Refusal::refused("wrong_directory_password"));
    }
    drop(session);
    let (linked, created) = linked_account(deps, email, user, &entry, &settings, source_ip).await?;
    if created {
        return Ok(linked);
    }
    // The profile follows the directory at every sign-in. Losing a race to another write (or an
    // item named meanwhile deleted) is not the user's failure: the next sign-in refreshes again.
    let asked = Asked { actor: Some(&linked.account.id), source_ip: Some(source_ip) };
    match apply_entry(deps, linked.clone(), &entry, settings.sync_groups, asked).await {
        Ok(refreshed) => Ok(refreshed),
        Err(e @ (Error::Conflict { .. } | Error::Invalid { .. })) => {
            tracing::warn!(error = %e, "a directory refresh at sign-in lost a race; the account signs in as it was");
            Ok(linked)
        }
        Err(e) => Err(e.into()),
    }
}

/// Mirrors the entry's ACCOUNTDISABLE onto the account linked to it, if one is and it differs:
/// disabling ends every session (a new epoch); enabling lets the user in again, unless an
/// administrator deactivated the account. Answers the user as saved, when it changed.
pub async fn mirror_disabled<S: Store + ?Sized>(deps: &Deps<S>, entry: &AdEntry, disabled: bool, source_ip: &str) -> Result<Option<User>> {
    let Some(id) = deps.store.user_id_by_ad_guid(&entry.guid).await? else { return Ok(None) };
    let Some(user) = deps.store.get_user(&id).await? else { return Ok(None) };
    if user.account.directory_disabled == disabled {
        return Ok(None);
    }
    let mut account = user.account.clone();
    account.directory_disabled = disabled;
    account.version += 1;
    if disabled {
        account.epoch += 1;
    }
    let action = if disabled { "directory.account_disabled" } else { "directory.account_enabled" };
    let audit = deps.event(None, action, AuditTarget::User(id.clone()), json!({ "dn": entry.dn }), Some(source_ip));
    let change = crate::ports::AccountChange { account: &account, read_version: user.account.version, mail: None, audit: &audit };
    match deps.store.save_account(&change).await {
        Ok(()) => Ok(Some(User { account, profile: user.profile })),
        // Another write got there first; the next sign-in mirrors it again.
        Err(Error::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The account the entry is linked to: by its GUID, else the passwordless account of the email
/// (claimed), else a new one (then `true`: made from the entry as it is, nothing to refresh).
async fn linked_account<S: Store + ?Sized>(
    deps: &Deps<S>,
    email: &Email,
    user: Option<&User>,
    entry: &AdEntry,
    settings: &AdSettings,
    source_ip: &str,
) -> Result<(User, bool), Refusal> {
    let credential = Credential::Directory { dn: entry.dn.clone(), guid: entry.guid.clone() };
    let link = deps.store.ad_link(&entry.guid).await?;
    if let Some((id, false)) = &link {
        // A marker from before the scheduled sync: on its index from now on.
        deps.store.index_ad_guid(&entry.guid, id).await?;
    }
    let marked = link.map(|(id, _)| id);
    if let Some(id) = &marked
        && let Some(linked) = deps.store.get_user(id).await?
    {
        return Ok((mirror_disabled(deps, entry, false, source_ip).await?.unwrap_or(linked), false));
    }
    match user {
        Some(u) if matches!(u.account.credential, Credential::None) => {
            let mut account = u.account.clone();
            account.credential = credential;
            account.source = Source::Ad;
            account.version += 1;
            let audit = deps.event(
                Some(&account.id),
                "directory.account_claimed",
                AuditTarget::User(account.id.clone()),
                json!({ "dn": entry.dn, "guid": entry.guid }),
                Some(source_ip),
            );
            deps.store.link_ad_account(&account, u.account.version, &entry.guid, &audit).await?;
            Ok((User { account, profile: u.profile.clone() }, false))
        }
        // A directory account whose email another entry now has: never a second link.
        Some(_) => Err(Refusal::refused("directory_entry_changed")),
        None => {
            let mut account = Account::new(UserId::new(deps.clock.as_ref(), deps.entropy.as_ref()), email.clone(), credential, deps.now());
            account.source = Source::Ad;
            // With `company_id` set, the cabinet profile there comes in the same transaction.
            let (placed, groups_added, skipped) = match &settings.company_id {
                Some(c) => new_profile(deps, &account.id, c, entry, settings.sync_groups).await?,
                None => (None, vec![], vec![]),
            };
            account.has_profile = placed.is_some();
            let audit = deps.event(
                Some(&account.id),
                "user.created",
                AuditTarget::User(account.id.clone()),
                json!({
                    "mode": "directory", "dn": entry.dn, "guid": entry.guid,
                    "company_id": placed.as_ref().map(|p| &p.profile.company.id),
                    "groups_added": groups_added, "skipped": skipped,
                }),
                Some(source_ip),
            );
            let profile = placed.as_ref().map(|p| (&p.profile, p.refs.as_slice()));
            deps.store.create_ad_account(&account, profile, &entry.guid, marked.as_ref(), &audit).await?;
            for name in &groups_added {
                let ev = deps.event(
                    Some(&account.id),
                    "directory.group_added",
                    AuditTarget::User(account.id.clone()),
                    json!({ "group": name, "dn": entry.dn }),
                    Some(source_ip),
                );
                deps.store.append(&ev).await?;
            }
            Ok((User { account, profile: placed.map(|p| p.profile) }, true))
        }
    }
}
