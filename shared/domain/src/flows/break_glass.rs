//! Break-glass commands for whoever holds the table (the admin tool, run with the deployment's
//! AWS credentials): the way back in when the people who could fix an account through the
//! console cannot. Each is audited with `by: break_glass`, notifies the account holder, and ends
//! the account's sessions.

use super::Deps;
use super::credentials::with_new_password;
use super::notices::notice;
use crate::email::Email;
use crate::mail::{MailConfig, MailKind};
use crate::model::{AuditTarget, Credential, User};
use crate::password::Password;
use crate::ports::Store;
use crate::ports::{AccountChange, PasswordStrength};
use crate::{Error, Result};
use serde_json::json;

async fn user_by_email<S: Store + ?Sized>(deps: &Deps<S>, email: &str) -> Result<User> {
    let email = Email::parse("email", email)?;
    super::login::read_by_email(deps, &email).await?.ok_or_else(|| Error::invalid("email", "no account has this email"))
}

/// Resets the 2FA of the account with `email` (a lost device when no administrator can): the
/// authenticator and backup codes are deleted and every session ends.
pub async fn reset_two_factor<S: Store + ?Sized>(deps: &Deps<S>, cfg: &MailConfig, email: &str) -> Result<crate::ids::UserId> {
    let user = user_by_email(deps, email).await?;
    if !user.account.totp_enrolled {
        return Err(Error::totp_not_on());
    }
    let mut account = user.account.clone();
    account.totp_enrolled = false;
    account.epoch += 1;
    account.version += 1;
    let mail = notice(deps, cfg, &user, MailKind::TwoFactorDisabled { by_admin: true }).await?;
    let audit = deps.event(None, "two_factor.reset", AuditTarget::User(account.id.clone()), json!({ "by": "break_glass" }), None);
    deps.store
        .disable_totp(&AccountChange { account: &account, read_version: user.account.version, mail: mail.as_ref(), audit: &audit })
        .await?;
    Ok(account.id)
}

/// Sets the password of the superuser with `email` (under the password policy), who must change it
/// at the next sign-in; every session ends.
pub async fn set_superuser_password<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    strength: &dyn PasswordStrength,
    email: &str,
    new: &Password,
) -> Result<crate::ids::UserId> {
    let user = user_by_email(deps, email).await?;
    if !user.account.superuser {
        return Err(Error::invalid("email", "not a superuser: an administrator sets other users' passwords in the console"));
    }
    if matches!(user.account.credential, Credential::Directory { .. }) {
        return Err(Error::invalid("email", "this account's password is managed in Active Directory"));
    }
    let mut account = with_new_password(deps, strength, &user, new, "password").await?;
    account.force_password_change = true;
    let mail = notice(deps, cfg, &user, MailKind::PasswordSetByAdmin).await?;
    let audit = deps.event(None, "user.password_set", AuditTarget::User(account.id.clone()), json!({ "by": "break_glass" }), None);
    deps.store
        .save_account(&AccountChange { account: &account, read_version: user.account.version, mail: mail.as_ref(), audit: &audit })
        .await?;
    Ok(account.id)
}
