//! The scheduled sync with the directory (hourly on AWS; locally in the mailer's loop): every
//! account linked to an entry is looked up by its `objectGUID` through the service account
//! ([`GUID_BATCH`] GUIDs to a search), and
//! an entry disabled (ACCOUNTDISABLE) or gone from the directory is mirrored onto the account,
//! ending its sessions, so a user removed from AD does not keep a 12-hour session until they next
//! try to sign in. An entry enabled again lifts the mirror (an administrator's `active` stands
//! apart). The linked accounts are a Query of the GUID markers' index, never a Scan.

use super::Deps;
use super::ad_refresh::{Asked, DirectoryState, connection, mirror_state};
use crate::active_directory::{AdClient, GUID_BATCH};
use crate::model::Credential;
use crate::ports::Store;
use crate::{Error, Result};
use serde::Serialize;

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// No directory is set up (or it has no password): nothing was read.
    pub off: bool,
    pub checked: usize,
    pub disabled: usize,
    pub deleted: usize,
    pub enabled: usize,
    /// Accounts another write changed meanwhile: the next run sees them again.
    pub skipped: usize,
}

/// One run of the sync. The directory being out is an error (the run is tried again by the next
/// trigger); nothing is mirrored from a directory that did not answer.
pub async fn sync<S: Store + ?Sized>(deps: &Deps<S>, client: &dyn AdClient) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let Some((_, conn)) = connection(deps).await? else {
        report.off = true;
        return Ok(report);
    };
    let links = deps.store.ad_links().await?;
    if links.is_empty() {
        return Ok(report);
    }
    let outage = |e| {
        tracing::warn!(error = %e, "the directory sync could not reach the directory");
        Error::Unavailable { retry_after_secs: super::ad_refresh::OUTAGE_RETRY_SECS }
    };
    let mut session = client.open(&conn).await.map_err(outage)?;
    let asked = Asked { actor: None, source_ip: None };
    // The entries are read GUID_BATCH to a search, not one by one.
    for batch in links.chunks(GUID_BATCH) {
        let mut linked = Vec::with_capacity(batch.len());
        for (guid, id) in batch {
            // A marker outlives a deleted account; and only a directory account is mirrored.
            let Some(user) = deps.store.get_user(id).await? else { continue };
            if matches!(&user.account.credential, Credential::Directory { guid: g, .. } if g == guid) {
                linked.push((guid, user));
            }
        }
        if linked.is_empty() {
            continue;
        }
        let guids: Vec<String> = linked.iter().map(|(guid, _)| (*guid).clone()).collect();
        let entries = session.find_by_guids(&guids).await.map_err(outage)?;
        for (guid, user) in linked {
            report.checked += 1;
            let state = match entries.iter().find(|e| e.guid.eq_ignore_ascii_case(guid)) {
                None => DirectoryState::Deleted,
                Some(entry) if entry.disabled => DirectoryState::Disabled,
                Some(_) => DirectoryState::Enabled,
            };
            let was = user.account.directory_disabled;
            match mirror_state(deps, user, state, asked).await {
                Ok(after) if after.account.directory_disabled != was => match state {
                    DirectoryState::Deleted => report.deleted += 1,
                    DirectoryState::Disabled => report.disabled += 1,
                    DirectoryState::Enabled => report.enabled += 1,
                },
                Ok(_) => {}
                Err(Error::Conflict { .. }) => report.skipped += 1,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(report)
}
