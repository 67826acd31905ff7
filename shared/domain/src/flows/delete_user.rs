//! Deleting a user ("Deleting a User Account"): needs an explicit confirmation; removes the whole
//! partition (account, profile, sessions, and whatever else lives there), the email marker (so the
//! email can be used again) and the photo. The audit log keeps who deleted whom. Deleting oneself
//! or the last superuser is refused.

use super::Deps;
use super::authorize::Principal;
use super::update_user::{references_of, user_to_change};
use crate::model::AuditTarget;
use crate::permissions::Action;
use crate::ports::BlobStore;
use crate::ports::Store;
use crate::{Error, Result};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DeleteInput {
    pub confirm: Option<bool>,
}

pub async fn delete_user<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    id: &str,
    input: DeleteInput,
    blobs: &dyn BlobStore,
) -> Result<()> {
    let user = user_to_change(deps, p, id, Action::Delete).await?;
    if input.confirm != Some(true) {
        return Err(Error::invalid("confirm", "deletion is permanent: confirm it with {\"confirm\": true}"));
    }
    if &user.account.id == p.id() {
        return Err(Error::conflict("id", "you cannot delete your own account"));
    }
    let mut released = user.profile.as_ref().map(references_of).unwrap_or_default();
    // Memberships an import kept for a profile not made yet.
    released.extend(super::import_django::kept_references(&user.account));
    let detail = json!({
        "email": user.account.email,
        "company": user.profile.as_ref().map(|p| &p.company),
        "superuser": user.account.superuser,
    });
    let audit = deps.event(Some(p.id()), "user.deleted", AuditTarget::User(user.account.id.clone()), detail, Some(&p.source_ip));
    deps.store.delete_user(&user, &released, &audit).await?;
    if let Some(key) = user.profile.as_ref().and_then(|p| p.avatar_key.as_deref())
        && let Err(e) = blobs.delete(key).await
    {
        // The user is gone; an orphaned photo is private and is logged for cleanup.
        tracing::warn!(error = %e, "could not delete a deleted user's photo");
    }
    Ok(())
}
