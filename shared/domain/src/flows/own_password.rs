//! "User changes their own password" and "Force change at next login": `POST /api/me/password
//! {current, new}`. The current password is checked (throttled like a sign-in), the new one must
//! pass the policy and differ from it; every other session ends, this one stays (moved on from the
//! `password_change` gate), and a notice is mailed. An account with no password yet (signed in by
//! a magic link) sets one without `current`, from a recent sign-in.

use super::Deps;
use super::authorize::{Principal, Step};
use super::credentials::{check_password, with_new_password};
use super::notices::notice;
use crate::mail::{MailConfig, MailKind};
use crate::model::{AuditTarget, Credential};
use crate::password::Password;
use crate::ports::Store;
use crate::ports::{PasswordStrength, SessionMove};
use crate::session::{Gate, GateFacts};
use crate::{Error, Result};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordInput {
    pub current: Option<Password>,
    pub new: Password,
}

pub async fn change_password<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    strength: &dyn PasswordStrength,
    p: &Principal,
    input: PasswordInput,
) -> Result<Step> {
    let user = &p.user;
    let a = &user.account;
    input.new.check_new("new")?;
    match (&a.credential, &input.current) {
        (Credential::Directory { .. }, _) => {
            return Err(Error::conflict("new", "this account's password is managed in Active Directory; change it there"));
        }
        (Credential::None, None) => {
            if !p.session.is_recent(deps.now()) {
                return Err(Error::Reauthenticate);
            }
        }
        (_, None) => return Err(Error::invalid("current", "is required")),
        (_, Some(current)) => check_password(deps, user, "current", current, &p.source_ip).await?,
    }
    let account = with_new_password(deps, strength, user, &input.new, "new").await?;
    let next = if p.session.gate == Gate::Done {
        Gate::Done
    } else {
        Gate::next(&GateFacts {
            totp_enrolled: account.totp_enrolled,
            totp_passed: true,
            force_password_change: false,
            require_2fa: account.require_2fa,
            has_profile: user.profile.is_some(),
            profile_completed: user.profile.as_ref().is_some_and(|p| p.completed),
        })
    };
    // This session stays, on the new epoch and under a new secret.
    let (token, mut keep) = p.moved_on(deps, next);
    keep.epoch = account.epoch;
    let mail = notice(deps, cfg, user, MailKind::PasswordChanged).await?;
    let audit = deps.event(
        Some(p.id()),
        "password.changed",
        AuditTarget::User(p.id().clone()),
        json!({ "by": "self", "other_sessions_ended": true, "was_forced": a.force_password_change }),
        Some(&p.source_ip),
    );
    deps.store.change_password(&account, a.version, SessionMove { from: &p.session, to: &keep }, mail.as_ref(), &audit).await?;
    Ok(Step { next, token: Some(token) })
}
