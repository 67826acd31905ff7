//! The audit log of one user: sign-ins (with the reason of a refusal), creations, changes.

use super::Deps;
use super::authorize::Principal;
use crate::ids::UserId;
use crate::model::{AuditEvent, AuditTarget};
use crate::permissions::{Action, Module, Reach};
use crate::{Error, Result};

/// Most events one answer holds.
pub const AUDIT_PAGE: usize = 200;

pub async fn for_user(deps: &Deps, p: &Principal, user: Option<&str>) -> Result<Vec<AuditEvent>> {
    let raw = user.filter(|s| !s.is_empty()).ok_or_else(|| Error::invalid("user", "name the user whose history to show"))?;
    let id = UserId::parse("user", raw)?;
    let reach = p.actor().reach(Module::Users, Action::View)?;
    if let Reach::One(c) = &reach {
        // A deleted user's history is for global administrators only.
        let user = deps.store.get_user(&id).await?.ok_or(Error::NotFound("user"))?;
        if user.profile.as_ref().map(|p| &p.company.id) != Some(c) {
            return Err(Error::NotFound("user"));
        }
    }
    deps.store.list_audit(&AuditTarget::User(id), AUDIT_PAGE).await
}
