//! Password reset ("Password Management", "Self-service password reset") and first access set
//! by an administrator's link. The request answers the same, doing the same work, whether or not
//! the email belongs to an account that may have a local password; the confirm spends the link and
//! sets the password in one transaction, ends every session and mails a notice. No automatic
//! sign-in follows; enrolled 2FA is still asked at the next sign-in.

use super::Deps;
use super::notices::{compose, settings_of};
use super::throttling::{Attempt, count_reset_mail};
use crate::email::Email;
use crate::ids::UserId;
use crate::links::{LinkKind, LinkToken, live_kind};
use crate::mail::{MailConfig, MailKind};
use crate::model::{AuditTarget, CabinetSettings, Credential, Source, User};
use crate::password::Password;
use crate::ports::PasswordStrength;
use crate::ports::Store;
use crate::{Error, Result};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: String,
    pub password: Password,
}

/// The one answer for a link that is expired, spent, unknown or malformed.
pub fn bad_link() -> Error {
    Error::invalid("token", "this link is expired, already used or unknown; ask for a new one")
}

/// Makes a link of `kind` for `user` and queues its mail. Replaces any live link of the kind.
pub async fn send_link<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    user: &User,
    settings: Option<&CabinetSettings>,
    kind: LinkKind,
    actor: Option<&UserId>,
    source_ip: &str,
) -> Result<bool> {
    let token = LinkToken::generate(user.account.id.clone(), deps.entropy.as_ref());
    let url = token.url(&cfg.console_url, kind);
    let mail_kind = match kind {
        LinkKind::Reset => MailKind::PasswordReset { url },
        LinkKind::FirstAccess => MailKind::FirstAccess { url },
        LinkKind::Magic => MailKind::MagicLink { url },
    };
    let Some(mail) = compose(deps, cfg, user, settings, mail_kind).await? else { return Ok(false) };
    let expires = deps.now().checked_add(kind.lifetime()).map_err(Error::unexpected)?;
    let audit = deps.event(
        actor,
        &format!("link.{}.sent", kind.as_str()),
        AuditTarget::User(user.account.id.clone()),
        json!({ "mail": mail.id, "expires_at": expires }),
        Some(source_ip),
    );
    deps.store.put_link(&user.account.id, kind, &token.digest(), expires, &mail, &audit).await?;
    Ok(true)
}

/// Whether an account may get a reset link: a local (or imported) password, and active.
fn may_reset(user: &User) -> bool {
    user.account.active && user.account.source != Source::Ad && !matches!(user.account.credential, Credential::Directory { .. })
}

/// The answer is the caller's to give, and the same whatever happened: a link was mailed, the
/// email is unknown or may not reset, or a cap held the mail back ([`count_reset_mail`]: one a
/// minute and five an hour per email as typed, twenty an hour per source). The caps are counted
/// first, alike for every email, and a capped request does the work of a refused one.
pub async fn request_reset<S: Store + ?Sized>(deps: &Deps<S>, cfg: &MailConfig, input: ResetRequest, source_ip: &str) -> Result<()> {
    let email = Email::parse("email", &input.email)?;
    let capped = count_reset_mail(deps, &email, source_ip).await?;
    let user = super::login::read_by_email(deps, &email).await?;
    match user {
        Some(u) if capped.is_none() && may_reset(&u) => {
            let settings = settings_of(deps, &u).await?;
            send_link(deps, cfg, &u, settings.as_ref(), LinkKind::Reset, None, source_ip).await?;
        }
        other => {
            // The same work as a link: a settings read, a sealed mail's worth of work, and a
            // transaction of the same shape.
            let _ = deps.store.get_settings(&crate::ids::CompanyId::new(deps.clock.as_ref(), deps.entropy.as_ref())).await?;
            let _ = LinkToken::generate(UserId::new(deps.clock.as_ref(), deps.entropy.as_ref()), deps.entropy.as_ref()).digest();
            let target = match &other {
                Some(u) => AuditTarget::User(u.account.id.clone()),
                None => AuditTarget::UnknownEmail(email.normalized()),
            };
            let (action, reason) = match (capped, &other) {
                (Some(cap), _) => {
                    tracing::info!(cap, "a reset mail was held back by its cap");
                    ("link.reset.capped", cap)
                }
                (None, Some(u)) => ("link.reset.refused", if u.account.active { "directory_account" } else { "inactive" }),
                (None, None) => ("link.reset.refused", "unknown_email"),
            };
            let e = deps.event(None, action, target, json!({ "reason": reason }), Some(source_ip));
            deps.store.append_padded(&e).await?;
        }
    }
    Ok(())
}

pub async fn confirm_reset<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    strength: &dyn PasswordStrength,
    input: ResetConfirm,
    source_ip: &str,
) -> Result<()> {
    // Guessing links is throttled per source, like control words; only a link that is spent
    // clears the count.
    let attempt = Attempt::begin_per_source(deps, "link", source_ip).await?;
    match set_by_link(deps, cfg, strength, &input, source_ip).await {
        Ok(()) => attempt.succeeded(deps).await,
        Err(e) => {
            attempt.failed(deps, AuditTarget::Global, source_ip).await?;
            Err(e)
        }
    }
}

/// The link first: an unknown, spent, expired or foreign token, or an account that may not set a
/// local password (a directory account, a deactivated one), gets the one bad-link answer before
/// any password rule is looked at, so the confirm tells nothing about an account or its password.
/// A refused password leaves the link as it was.
async fn set_by_link<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    strength: &dyn PasswordStrength,
    input: &ResetConfirm,
    source_ip: &str,
) -> Result<()> {
    let token = LinkToken::parse(&input.token).ok_or_else(bad_link)?;
    let kinds = [LinkKind::Reset, LinkKind::FirstAccess];
    let links = deps.store.links(&token.user_id, &kinds).await?;
    let user = deps.store.get_user(&token.user_id).await?;
    let (Some(kind), Some(user)) = (live_kind(&token, &links, deps.now()), user) else { return Err(bad_link()) };
    let a = &user.account;
    // A start date still to come does not stop a password being set.
    if matches!(a.credential, Credential::Directory { .. }) || !a.active {
        return Err(bad_link());
    }
    input.password.check_new("password")?;
    let account = super::credentials::with_new_password(deps, strength, &user, &input.password, "password").await?;
    let settings = settings_of(deps, &user).await?;
    let notice = compose(deps, cfg, &user, settings.as_ref(), MailKind::PasswordChanged).await?;
    let audit = deps.event(
        Some(&a.id),
        &format!("link.{}.spent", kind.as_str()),
        AuditTarget::User(a.id.clone()),
        json!({ "password_set": true, "sessions_ended": true }),
        Some(source_ip),
    );
    // Spent at the same moment by another request, or the account changed since it was read
    // (deactivated, made a directory account): the account's version guards the write.
    if deps.store.spend_link(&a.id, kind, &token.digest(), deps.now(), Some((&account, a.version)), notice.as_ref(), &audit).await? {
        Ok(())
    } else {
        Err(bad_link())
    }
}

/// An administrator sends a first-access link (24 hours) from the user's record; sending again
/// replaces the previous link. Answers when the link expires.
pub async fn send_first_access<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    p: &super::authorize::Principal,
    user: &User,
) -> Result<jiff::Timestamp> {
    if !may_reset(user) {
        return Err(Error::conflict("id", "this account may not set a local password (inactive, or managed in Active Directory)"));
    }
    let settings = settings_of(deps, user).await?;
    if !send_link(deps, cfg, user, settings.as_ref(), LinkKind::FirstAccess, Some(p.id()), &p.source_ip).await? {
        return Err(Error::conflict("sender", "no sender is configured for first-access mail: set one in the company's cabinet settings"));
    }
    deps.now().checked_add(LinkKind::FirstAccess.lifetime()).map_err(Error::unexpected)
}
