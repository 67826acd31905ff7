//! Credentials: checking the password of a signed-in user (throttled like a sign-in) and setting
//! a new one by the policy. The reset link, one's own change and 2FA's proofs of identity share
//! them.

use super::Deps;
use super::throttling::Attempt;
use crate::model::{Account, AuditTarget, Credential, User};
use crate::password::{self, Password};
use crate::ports::PasswordStrength;
use crate::ports::Store;
use crate::throttle::Factor;
use crate::{Error, Result};

/// Checks the password of `user` (throttled per account and source, like a sign-in).
pub async fn check_password<S: Store + ?Sized>(deps: &Deps<S>, user: &User, field: &str, given: &Password, source_ip: &str) -> Result<()> {
    if given.expose().chars().count() > password::PASSWORD_MAX {
        return Err(Error::invalid(field, format!("must be at most {} characters", password::PASSWORD_MAX)));
    }
    let attempt = Attempt::begin(deps, Factor::Password, &user.account.email.normalized(), source_ip).await?;
    let ok = match &user.account.credential {
        Credential::Password { hash } => password::verify(given, hash.as_str()).await,
        _ => password::verify_dummy(given).await,
    };
    if ok {
        attempt.succeeded(deps).await
    } else {
        attempt.failed(deps, AuditTarget::User(user.account.id.clone()), source_ip).await?;
        Err(Error::invalid(field, "is not your current password"))
    }
}

/// The account with `new` as its password, once it passes the policy (the user's email and
/// names count against it) and differs from the current one: the forced change is done, and a
/// new epoch ends the sessions signed in with the old one.
pub async fn with_new_password<S: Store + ?Sized>(
    deps: &Deps<S>,
    strength: &dyn PasswordStrength,
    user: &User,
    new: &Password,
    field: &str,
) -> Result<Account> {
    let a = &user.account;
    let mut context = vec![a.email.as_str()];
    context.extend(user.profile.iter().flat_map(|p| [p.first_name.as_str(), p.last_name.as_str()]));
    password::check_policy(new, field, &context, strength)?;
    if let Credential::Password { hash } = &a.credential
        && password::verify(new, hash.as_str()).await
    {
        return Err(Error::invalid(field, "must differ from the current password"));
    }
    let mut account = a.clone();
    account.credential = Credential::Password { hash: password::hash(new, deps.entropy.as_ref()).await? };
    account.force_password_change = false;
    account.epoch += 1;
    account.version += 1;
    Ok(account)
}
