//! Editing a user ("Editing a User Account"): every field of creation, plus setting a password,
//! forcing a password change, requiring 2FA (or lifting it) and resetting a user's 2FA (the FAQ's
//! recovery path for a lost device), removing the photo, the active flag and dates, and
//! the email (its uniqueness marker moves in the same transaction). Guarded by the version read:
//! an edit based on a stale read gets 409 and changes nothing. Setting a password, deactivating,
//! or dates that make the account inactive end every session of the user.

use super::Deps;
use super::authorize::Principal;
pub use super::create_user::references_of;
use super::create_user::{CreateUserInput, Mode, check_grants, place, reference_changes};
use super::notices::notice;
use super::patch::Patch;
use super::views::{AdminUserView, link_avatar};
use crate::activation::Activation;
use crate::email::Email;
use crate::ids::{CompanyId, GroupId, UserId};
use crate::mail::{MailConfig, MailKind};
use crate::model::{AccessGroup, AuditTarget, Credential, User};
use crate::password::{self, Password};
use crate::permissions::{Action, Module, Reach};
use crate::ports::Store;
use crate::ports::{BlobStore, PasswordStrength, PhotoDecoder, UserChange};
use crate::superusers;
use crate::text::Language;
use crate::{Error, Result};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateUserInput {
    /// The profile's version as read; a stale one gets 409.
    pub version: u64,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_id: Option<String>,
    #[serde(default)]
    pub phone: Patch<String>,
    #[serde(default)]
    pub colour: Patch<String>,
    #[serde(default)]
    pub department_id: Patch<String>,
    #[serde(default)]
    pub position_id: Patch<String>,
    #[serde(default)]
    pub start_date: Patch<String>,
    #[serde(default)]
    pub end_date: Patch<String>,
    #[serde(default)]
    pub language: Patch<Language>,
    pub roles: Option<Vec<String>>,
    /// With `roles`: add the roles' access groups too (copied now).
    #[serde(default)]
    pub apply_role_groups: bool,
    pub groups: Option<Vec<String>>,
    pub quizzes: Option<Vec<String>>,
    pub staff: Option<bool>,
    pub require_2fa: Option<bool>,
    pub active: Option<bool>,
    pub force_password_change: Option<bool>,
    /// "Change Password": a new password, under the password policy.
    pub password: Option<Password>,
    #[serde(default)]
    pub remove_avatar: bool,
    /// Resets the user's 2FA (a lost device): the authenticator and backup codes are deleted and
    /// every session ends; with `require_2fa` still on, the next sign-in sets up a new device.
    #[serde(default)]
    pub reset_2fa: bool,
    /// Lets mail go again to an address that bounced or complained (flows::mail_feedback), once
    /// the user says it works.
    #[serde(default)]
    pub clear_mail_suppression: bool,
}

/// The user `id` if it is within the caller's reach for `action`; else 404.
pub async fn user_in_reach<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, id: &str, action: Action) -> Result<User> {
    let id = UserId::parse("id", id).map_err(|_| Error::NotFound("user"))?;
    let reach = p.actor().reach(Module::Users, action)?;
    let user = deps.store.get_user(&id).await?.ok_or(Error::NotFound("user"))?;
    let visible = match (&reach, &user.profile) {
        (Reach::All, _) => true,
        (Reach::One(c), Some(profile)) => &profile.company.id == c,
        (Reach::One(_), None) => false,
    };
    if visible { Ok(user) } else { Err(Error::NotFound("user")) }
}

/// The user `id`, within the caller's reach for `action`, that the caller may change: only a
/// superuser changes a superuser (their password, 2FA, email, flags or anything else).
pub async fn user_to_change<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, id: &str, action: Action) -> Result<User> {
    let user = user_in_reach(deps, p, id, action).await?;
    if user.account.superuser && !p.user.account.superuser {
        return Err(superusers::only_superusers_change("id"));
    }
    Ok(user)
}

/// Nobody changes their own groups, rights, flags, password or email through the admin API:
/// their own profile fields go through the cabinet, the rest through another administrator.
fn refuse_own(field: &str) -> Error {
    Error::not_permitted(field, "you cannot change this on your own account; your own details are changed in your cabinet")
}

fn text<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

#[allow(clippy::too_many_arguments)]
pub async fn update_user<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    strength: &dyn PasswordStrength,
    p: &Principal,
    id: &str,
    input: UpdateUserInput,
    blobs: &dyn BlobStore,
) -> Result<AdminUserView> {
    let before = user_to_change(deps, p, id, Action::Edit).await?;
    let current =
        before.profile.as_ref().ok_or_else(|| Error::conflict("id", "this account has no cabinet profile yet; create one first"))?;
    if input.version != current.version {
        return Err(Error::stale());
    }
    if input.reset_2fa && !before.account.totp_enrolled {
        return Err(Error::conflict("reset_2fa", "this user has no two-factor authentication to reset"));
    }
    let company_id = match &input.company_id {
        Some(c) => {
            let c = CompanyId::parse("company_id", c)?;
            p.actor().require_over(Module::Users, Action::Edit, &c, "company")?;
            c
        }
        None => current.company.id.clone(),
    };

    // The profile as it would be, resolved and checked like a creation.
    let merged = CreateUserInput {
        mode: Mode::New,
        user_id: None,
        email: None,
        first_name: input.first_name.clone().unwrap_or_else(|| current.first_name.to_string()),
        last_name: input.last_name.clone().unwrap_or_else(|| current.last_name.to_string()),
        company_id: company_id.to_string(),
        phone: input.phone.apply(text(current.phone.as_ref().map(|x| x.as_str()))),
        colour: input.colour.apply(text(current.colour.as_ref().map(|x| x.as_str()))),
        department_id: input.department_id.apply(text(current.department.as_ref().map(|r| &r.id))),
        position_id: input.position_id.apply(text(current.position.as_ref().map(|r| &r.id))),
        start_date: input.start_date.apply(text(current.start_date)),
        end_date: input.end_date.apply(text(current.end_date)),
        roles: input.roles.clone().unwrap_or_else(|| current.roles.iter().map(|r| r.id.to_string()).collect()),
        apply_role_groups: input.apply_role_groups && input.roles.is_some(),
        groups: input.groups.clone().unwrap_or_else(|| current.groups.iter().map(|g| g.id.to_string()).collect()),
        quizzes: input.quizzes.clone().unwrap_or_else(|| current.quizzes.iter().map(|q| q.id.to_string()).collect()),
        staff: false,
        require_2fa: false,
        active: None,
        language: input.language.apply(current.language),
    };
    let placed = place(deps, &before.account.id, &merged, &company_id).await?;

    // The granting rule over every group given or taken away.
    let actor = p.actor();
    let added_groups: Vec<(&str, &AccessGroup)> =
        placed.groups.iter().filter(|(_, g)| !current.groups.iter().any(|c| c.id == g.id)).map(|(f, g)| (f.as_str(), g)).collect();
    let removed_ids: Vec<GroupId> =
        current.groups.iter().filter(|c| !placed.groups.iter().any(|(_, g)| g.id == c.id)).map(|c| c.id.clone()).collect();
    check_grants(&actor, added_groups.iter().copied())?;
    if !removed_ids.is_empty() {
        // A group deleted meanwhile carries nothing any more.
        let removed = deps.store.find_groups(&current.company.id, &removed_ids).await?;
        check_grants(&actor, removed.iter().map(|g| ("groups", g)))?;
    }
    let own = &before.account.id == p.id();
    if own {
        let a = &before.account;
        let changed = |new: Option<bool>, old: bool| new.is_some_and(|n| n != old);
        let refused = [
            (!added_groups.is_empty() || !removed_ids.is_empty(), if input.groups.is_some() { "groups" } else { "roles" }),
            (changed(input.staff, a.staff), "staff"),
            (changed(input.active, a.active), "active"),
            (changed(input.require_2fa, a.require_2fa), "require_2fa"),
            (changed(input.force_password_change, a.force_password_change), "force_password_change"),
            (input.reset_2fa, "reset_2fa"),
            (input.password.is_some(), "password"),
            (input.email.as_deref().is_some_and(|e| Email::parse("email", e).is_ok_and(|e| e != a.email)), "email"),
            (company_id != current.company.id, "company_id"),
        ];
        if let Some((_, field)) = refused.iter().find(|(r, _)| *r) {
            return Err(refuse_own(field));
        }
    }
    let mut profile = placed.profile;
    profile.completed = current.completed;
    profile.created_at = current.created_at;
    profile.avatar_key = current.avatar_key.clone();
    profile.version = current.version + 1;

    let mut account = before.account.clone();
    if let Some(e) = &input.email {
        account.email = Email::parse("email", e)?;
    }
    account.staff = input.staff.unwrap_or(account.staff);
    account.require_2fa = input.require_2fa.unwrap_or(account.require_2fa);
    account.active = input.active.unwrap_or(account.active);
    account.force_password_change = input.force_password_change.unwrap_or(account.force_password_change);
    let mut end_sessions = false;
    if let Some(pw) = &input.password {
        if matches!(account.credential, Credential::Directory { .. }) {
            return Err(Error::invalid("password", "this account's password is managed in Active Directory"));
        }
        password::check_policy(
            pw,
            "password",
            &[account.email.as_str(), profile.first_name.as_str(), profile.last_name.as_str()],
            strength,
        )?;
        if let Credential::Password { hash } = &account.credential
            && password::verify(pw, hash.as_str()).await
        {
            return Err(Error::invalid("password", "must differ from the current password"));
        }
        account.credential = Credential::Password { hash: password::hash(pw, deps.entropy.as_ref()).await? };
        end_sessions = true;
    }
    if !Activation::of(account.active, profile.start_date, profile.end_date, deps.today()).allows_sign_in() {
        end_sessions = true;
    }
    let reset_two_factor = input.reset_2fa;
    if reset_two_factor {
        account.totp_enrolled = false;
        end_sessions = true;
    }
    // An email change ends the sessions and the links sent to the old address.
    let email_changed = account.email != before.account.email;
    if email_changed {
        end_sessions = true;
    }
    if end_sessions {
        account.epoch += 1;
    }
    account.version += 1;
    let standing_superusers =
        superusers::delta(superusers::standing(&before.account, Some(current)), superusers::standing(&account, Some(&profile)));

    let (added, released, kept) = reference_changes(current, &placed.refs);

    let after = User { account: account.clone(), profile: Some(profile.clone()) };
    let today = deps.today();
    let detail = json!({
        "before": AdminUserView::of(&before, today),
        "after": AdminUserView::of(&after, today),
        "password_set": input.password.is_some(),
        "sessions_ended": end_sessions,
        "avatar_removed": input.remove_avatar && current.avatar_key.is_some(),
        "two_factor_reset": reset_two_factor,
    });
    // Notices (S17): the old address learns of an email change, the user of a password an
    // administrator set or a 2FA reset. An email change also ends the links sent to the old address.
    let mut mails = vec![];
    if email_changed {
        mails.extend(notice(deps, cfg, &before, MailKind::EmailChanged).await?);
    }
    if input.password.is_some() {
        mails.extend(notice(deps, cfg, &after, MailKind::PasswordSetByAdmin).await?);
    }
    if reset_two_factor {
        mails.extend(notice(deps, cfg, &after, MailKind::TwoFactorDisabled { by_admin: true }).await?);
    }
    let audit = deps.event(Some(p.id()), "user.updated", AuditTarget::User(account.id.clone()), detail, Some(&p.source_ip));
    deps.store
        .update_user(&UserChange {
            before: &before,
            account: &account,
            profile: &profile,
            added: &added,
            released: &released,
            kept: &kept,
            reset_two_factor,
            mails: &mails,
            end_links: email_changed,
            standing_superusers,
            audit: &audit,
        })
        .await?;

    let mut after = after;
    if input.clear_mail_suppression {
        let address = super::mail_feedback::address_key(deps, account.email.as_str());
        let audit = deps.event(Some(p.id()), "mail.address_cleared", AuditTarget::User(account.id.clone()), json!({}), Some(&p.source_ip));
        deps.store.clear_suppression(&address, &audit).await?;
    }
    if input.remove_avatar && current.avatar_key.is_some() {
        super::avatar::remove(deps, blobs, p, &account.id).await?;
        if let Some(pr) = after.profile.as_mut() {
            pr.avatar_key = None;
        }
    }
    let mut view = AdminUserView::of(&after, today);
    let key = after.profile.as_ref().and_then(|p| p.avatar_key.clone());
    link_avatar(&mut view.user.profile, key.as_deref(), blobs).await?;
    Ok(view)
}

/// "Edit" a user's photo: `bytes` checked by the photo rules, stored, the old one deleted.
pub async fn set_photo<S: Store + ?Sized>(
    deps: &Deps<S>,
    decoder: &dyn PhotoDecoder,
    blobs: &dyn BlobStore,
    p: &Principal,
    id: &str,
    bytes: Vec<u8>,
) -> Result<super::avatar::AvatarView> {
    let user = user_to_change(deps, p, id, Action::Edit).await?;
    super::avatar::set(deps, decoder, blobs, p, &user.account.id, bytes).await
}

/// "Remove avatar" in the Edit dialog.
pub async fn remove_photo<S: Store + ?Sized>(deps: &Deps<S>, blobs: &dyn BlobStore, p: &Principal, id: &str) -> Result<()> {
    let user = user_to_change(deps, p, id, Action::Edit).await?;
    super::avatar::remove(deps, blobs, p, &user.account.id).await
}

/// Sends (or resends) the user a first-access link; answers when it expires.
pub async fn send_first_access<S: Store + ?Sized>(deps: &Deps<S>, cfg: &MailConfig, p: &Principal, id: &str) -> Result<jiff::Timestamp> {
    let user = user_to_change(deps, p, id, Action::Edit).await?;
    super::reset::send_first_access(deps, cfg, p, &user).await
}
