//! The signed-in user's own record: who am I, and completing the profile after a first sign-in.

use super::Deps;
use super::authorize::{Principal, Step};
use super::patch::Patch;
use super::views::{MeView, UserView, link_avatar};
use crate::Error;
use crate::Result;
use crate::model::AuditTarget;
use crate::phone::Phone;
use crate::ports::Store;
use crate::ports::{BlobStore, SessionMove};
use crate::session::{Gate, GateFacts};
use crate::text::Language;
use crate::text::Name;
use serde_json::json;

/// `GET /api/me`. Before the second factor a session learns only what its gate needs: the gate
/// and the email (the password alone does not show the profile).
pub async fn me<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, blobs: &dyn BlobStore) -> Result<MeAnswer> {
    if p.session.gate == crate::session::Gate::Totp {
        return Ok(MeAnswer::BeforeSecondFactor { gate: p.session.gate, email: p.user.account.email.to_string() });
    }
    Ok(MeAnswer::Signed(Box::new(view(deps, p, &p.user, blobs).await?)))
}

/// What `GET /api/me` answers.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum MeAnswer {
    BeforeSecondFactor { gate: crate::session::Gate, email: String },
    Signed(Box<MeView>),
}

/// The signed-in user as `user` (the principal's, or as just saved), with a link to the photo.
async fn view<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, user: &crate::model::User, blobs: &dyn BlobStore) -> Result<MeView> {
    let mut view = UserView::of(user, deps.today());
    let key = user.profile.as_ref().and_then(|p| p.avatar_key.as_deref());
    link_avatar(&mut view.profile, key, blobs).await?;
    Ok(MeView {
        user: view,
        gate: p.session.gate,
        require_2fa: user.account.require_2fa,
        totp_enrolled: user.account.totp_enrolled,
        backup_codes_left: super::two_factor::backup_codes_left(deps, user).await?,
        recent_sign_in: p.session.is_recent(deps.now()),
        rights: p.actor().effective(),
    })
}

/// What users change themselves in the personal cabinet. Company, department and position are
/// shown read-only: a request that tries to change them is refused naming the field.
#[derive(Debug, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MeInput {
    /// The profile's version as read.
    pub version: u64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[serde(default)]
    pub phone: Patch<String>,
    #[serde(default)]
    pub language: Patch<Language>,
    // Named only to refuse them with a clear reason.
    pub company_id: Option<serde_json::Value>,
    pub department_id: Option<serde_json::Value>,
    pub position_id: Option<serde_json::Value>,
    pub email: Option<serde_json::Value>,
}

pub async fn update_me<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, input: MeInput, blobs: &dyn BlobStore) -> Result<MeView> {
    for (field, v) in [
        ("company_id", &input.company_id),
        ("department_id", &input.department_id),
        ("position_id", &input.position_id),
        ("email", &input.email),
    ] {
        if v.is_some() {
            return Err(Error::invalid(field, "is read-only here; an administrator changes it from the Users section"));
        }
    }
    let before = p.profile()?.clone();
    if input.version != before.version {
        return Err(Error::stale());
    }
    let mut profile = before.clone();
    if let Some(v) = &input.first_name {
        profile.first_name = Name::parse("first_name", v)?;
    }
    if let Some(v) = &input.last_name {
        profile.last_name = Name::parse("last_name", v)?;
    }
    profile.phone = match &input.phone {
        Patch::Keep => profile.phone,
        Patch::Clear => None,
        Patch::Set(v) => Some(Phone::parse("phone", v)?),
    };
    profile.language = input.language.apply(profile.language);
    profile.version += 1;
    let detail = json!({
        "before": { "first_name": before.first_name, "last_name": before.last_name, "phone": before.phone, "language": before.language },
        "after": { "first_name": profile.first_name, "last_name": profile.last_name, "phone": profile.phone, "language": profile.language },
    });
    let event = deps.event(Some(p.id()), "profile.updated", AuditTarget::User(p.id().clone()), detail, Some(&p.source_ip));
    deps.store.save_profile(&profile, before.version, Some(&event)).await?;
    let mut user = p.user.clone();
    user.profile = Some(profile);
    view(deps, p, &user, blobs).await
}

/// What a user may correct while completing the profile; company, department and position
/// stay as the administrator set them.
#[derive(Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CompleteInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
}

pub async fn complete_profile<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, input: CompleteInput) -> Result<Step> {
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
        has_profile: true,
        profile_completed: true,
    });
    // The route admits only sessions at this gate or done, so the gate can only move forward;
    // it moves under a new secret.
    if next == p.session.gate {
        return Ok(Step { next, token: None });
    }
    let (token, to) = p.moved_on(deps, next);
    deps.store.move_session(SessionMove { from: &p.session, to: &to }).await?;
    Ok(Step { next, token: Some(token) })
}
