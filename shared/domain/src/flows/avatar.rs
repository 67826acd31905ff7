//! Profile photos: checked by the photo rules, stored under an unguessable key, shown through a
//! short-lived presigned link. Replacing or removing a photo deletes the old object.

use super::Deps;
use super::authorize::Principal;
use super::views::AVATAR_LINK_LIFETIME;
use crate::Result;
use crate::clock::random_bytes;
use crate::ids::UserId;
use crate::model::AuditTarget;
use crate::photo;
use crate::ports::Store;
use crate::ports::{BlobStore, PhotoDecoder};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AvatarView {
    pub avatar_url: String,
    pub expires_at: Timestamp,
    pub width: u32,
    pub height: u32,
}

/// Stores `bytes` as the photo of `user` (whose reach the caller has checked).
pub async fn set<S: Store + ?Sized>(
    deps: &Deps<S>,
    decoder: &dyn PhotoDecoder,
    blobs: &dyn BlobStore,
    p: &Principal,
    user: &UserId,
    bytes: Vec<u8>,
) -> Result<AvatarView> {
    let checked = photo::check(&bytes, decoder)?;
    let key = format!("avatars/{user}/{}.{}", hex::encode(random_bytes::<16>(deps.entropy.as_ref())), checked.kind.extension());
    blobs.put(&key, bytes, checked.kind.content_type(), Some("inline")).await?;
    let audit = deps.event(
        Some(p.id()),
        "user.photo.set",
        AuditTarget::User(user.clone()),
        json!({ "width": checked.width, "height": checked.height, "type": checked.kind.content_type() }),
        Some(&p.source_ip),
    );
    let replaced = match deps.store.set_avatar(user, Some(&key), &audit).await {
        Ok(r) => r,
        Err(e) => {
            // Nothing refers to the new object: take it away again.
            let _ = blobs.delete(&key).await;
            return Err(e);
        }
    };
    if let Some(old) = replaced.filter(|old| old != &key) {
        blobs.delete(&old).await?;
    }
    let now = deps.now();
    Ok(AvatarView {
        avatar_url: blobs.presign_get(&key, AVATAR_LINK_LIFETIME).await?,
        expires_at: now.checked_add(AVATAR_LINK_LIFETIME).unwrap_or(now),
        width: checked.width,
        height: checked.height,
    })
}

/// Removes the photo of `user` and deletes its object.
pub async fn remove<S: Store + ?Sized>(deps: &Deps<S>, blobs: &dyn BlobStore, p: &Principal, user: &UserId) -> Result<()> {
    let audit = deps.event(Some(p.id()), "user.photo.removed", AuditTarget::User(user.clone()), json!({}), Some(&p.source_ip));
    if let Some(old) = deps.store.set_avatar(user, None, &audit).await? {
        blobs.delete(&old).await?;
    }
    Ok(())
}
