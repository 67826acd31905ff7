//! The signed-in user's own record: who am I, and completing the profile after a first sign-in.

use super::Deps;
use super::authorize::Principal;
use super::views::{MeView, UserView};
use crate::model::AuditTarget;
use crate::phone::Phone;
use crate::session::{Gate, GateFacts};
use crate::text::Name;
use crate::Result;
use serde_json::json;

pub fn me(deps: &Deps, p: &Principal) -> MeView {
    MeView {
        user: UserView::of(&p.user, deps.today()),
        gate: p.session.gate,
        require_2fa: p.user.account.require_2fa,
        totp_enrolled: p.user.account.totp_enrolled,
    }
}

/// What a user may correct while completing the profile; company, department and position
/// stay as the administrator set them.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
}

pub async fn complete_profile(deps: &Deps, p: &Principal, input: CompleteInput) -> Result<Gate> {
    let mut profile = p.profile()?.clone();
    if let Some(v) = &input.first_name {
        profile.first_name = Name::parse("first_name", v)?;
    }
    if let Some(v) = &input.last_name {
        profile.last_name = Name::parse("last_name", v)?;
    }
    if let Some(v) = &input.phone {
        profile.phone = if v.trim().is_empty() { None } else { Some(Phone::parse("phone", v)?) };
    }
    let expected = profile.version;
    profile.completed = true;
    profile.version += 1;
    let event = deps.event(Some(p.id()), "profile.completed", AuditTarget::User(p.id().clone()), json!({}), Some(&p.source_ip));
    deps.store.save_profile(&profile, expected, Some(&event)).await?;

    let a = &p.user.account;
    let next = Gate::next(&GateFacts {
        totp_enrolled: a.totp_enrolled,
        totp_passed: true,
        force_password_change: a.force_password_change,
        require_2fa: a.require_2fa,
        profile_completed: true,
    });
    // The route admits only sessions at this gate or done, so the gate can only move forward.
    if next != p.session.gate {
        deps.store.set_session_gate(&p.session, next).await?;
    }
    Ok(next)
}
