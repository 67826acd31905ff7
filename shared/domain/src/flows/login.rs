//! Sign-in with email and password. Every refusal gets the same answer and costs the same work
//! (an unknown email is checked against a dummy hash); the precise reason goes to the audit log.
//! Attempts are throttled per (email, source) and softly per email ([`crate::throttle`]), the
//! same for emails no account has.

use super::Deps;
use super::ad_sign_in;
use super::throttling::Attempt;
use crate::activation::Activation;
use crate::active_directory::AdClient;
use crate::email::Email;
use crate::ids::SessionId;
use crate::model::{Account, AuditTarget, Credential};
use crate::password::{self, Password};
use crate::ports::DjangoVerifier;
use crate::ports::Store;
use crate::session::{Gate, GateFacts, Session, SessionToken, SignInMethod};
use crate::throttle::Factor;
use crate::{Error, Result};
use serde_json::json;
use std::sync::Arc;

#[derive(Debug, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub email: String,
    pub password: Password,
}

pub struct SignedIn {
    pub next: Gate,
    pub token: SessionToken,
}

/// The user an email belongs to, with the same reads whether or not it belongs to anyone (an
/// unknown email reads a user id that exists nowhere), so the work done tells nothing.
pub async fn read_by_email<S: Store + ?Sized>(deps: &Deps<S>, email: &crate::email::Email) -> Result<Option<crate::model::User>> {
    let id = match deps.store.user_id_by_email(email).await? {
        Some(id) => id,
        None => crate::ids::UserId::new(deps.clock.as_ref(), deps.entropy.as_ref()),
    };
    deps.store.get_user(&id).await
}

/// `user_agent`: the browser's `User-Agent`, kept on the session so its owner recognises it.
/// `django` verifies passwords an import kept as Django wrote them (linked by the login function).
/// `directory`: the client of the Active Directory ([`super::ad_sign_in`]), used when one is set
/// up and the account has no local password, or no account has the email.
pub async fn login<S: Store + ?Sized>(
    deps: &Deps<S>,
    django: &Arc<dyn DjangoVerifier>,
    directory: &dyn AdClient,
    input: LoginInput,
    source_ip: &str,
    user_agent: Option<&str>,
) -> Result<SignedIn> {
    let email = Email::parse("email", &input.email)?;
    if input.password.expose().chars().count() > password::PASSWORD_MAX {
        return Err(Error::invalid("password", format!("must be at most {} characters", password::PASSWORD_MAX)));
    }
    let refuse = |target: AuditTarget, actor: Option<&crate::ids::UserId>, reason: &str| {
        deps.event(actor, "sign_in.refused", target, json!({ "reason": reason }), Some(source_ip))
    };

    let attempt = Attempt::begin(deps, Factor::Password, &email.normalized(), source_ip).await?;
    let user = read_by_email(deps, &email).await?;
    let target = match &user {
        Some(u) => AuditTarget::User(u.account.id.clone()),
        None => AuditTarget::UnknownEmail(email.normalized()),
    };
    let actor = user.as_ref().map(|u| u.account.id.clone());

    // The database first: an account with a local password (or a Django hash an import kept)
    // signs in locally (every path does one password hash, real or dummy, so timing does not tell
    // them apart).
    let local = match user.as_ref().map(|u| &u.account.credential) {
        Some(Credential::Password { hash }) => Some((password::verify(&input.password, hash.as_str()).await, "wrong_password")),
        Some(Credential::Django { hash }) => {
            Some((password::verify_django(Arc::clone(django), &input.password, hash).await, "wrong_password"))
        }
        _ => None,
    };
    let (user, rehashed) = match (local, user) {
        (Some((true, _)), user) => {
            // A local check passes only for an account that exists.
            let user = user.ok_or(Error::SignInRefused)?;
            attempt.succeeded(deps).await?;
            let rehashed = rehash(deps, &user.account, &input.password).await?;
            (user, rehashed)
        }
        (Some((false, reason)), _) => {
            // Asked before the failure is counted, in the order a directory sign-in reads the
            // settings, so a known email's refusal does the store work an unknown one's does.
            let answer = ad_sign_in::local_refusal(deps, directory, &email).await;
            attempt.failed(deps, target.clone(), source_ip).await?;
            deps.store.append(&refuse(target, actor.as_ref(), reason)).await?;
            return Err(answer);
        }
        // Then the directory.
        (None, user) => {
            password::verify_dummy(&input.password).await;
            match ad_sign_in::sign_in(deps, directory, &email, user.as_ref(), &input.password, source_ip).await {
                Ok(user) => {
                    attempt.succeeded(deps).await?;
                    (user, None)
                }
                Err(refusal) => {
                    attempt.failed(deps, target.clone(), source_ip).await?;
                    deps.store.append(&refuse(target, actor.as_ref(), refusal.reason)).await?;
                    return Err(refusal.error);
                }
            }
        }
    };
    start_session(deps, &user, rehashed.as_ref(), source_ip, user_agent, SignInMethod::Password).await
}

/// The account with its password hashed afresh by the policy, when the hash that verified is
/// below it (`password::below_policy`, S07) or is a Django hash an import kept: saved in the
/// same transaction that records the sign-in (`start_session`), so the old hash is gone with it.
async fn rehash<S: Store + ?Sized>(deps: &Deps<S>, account: &Account, given: &Password) -> Result<Option<(Account, &'static str)>> {
    let from = match &account.credential {
        Credential::Password { hash } if password::below_policy(hash.as_str()) => "below_policy",
        Credential::Django { .. } => "django",
        _ => return Ok(None),
    };
    let mut a = account.clone();
    a.credential = Credential::Password { hash: password::hash(given, deps.entropy.as_ref()).await? };
    a.version += 1;
    Ok(Some((a, from)))
}

/// Signs a user in (the checks passed): a new session at the first gate they still have to pass,
/// described for its owner (a public id of its own, how, from which browser). An account without
/// a cabinet profile gets a session at `no_profile`.
pub async fn begin_session<S: Store + ?Sized>(
    deps: &Deps<S>,
    user: &crate::model::User,
    source_ip: &str,
    user_agent: Option<&str>,
    how: SignInMethod,
) -> Result<SignedIn> {
    start_session(deps, user, None, source_ip, user_agent, how).await
}

/// [`begin_session`], saving `rehashed` (the account with its password hashed afresh) in the same
/// transaction as the session, under the version read. Losing that race to another write is not
/// an error: the session starts and the next sign-in upgrades the hash.
async fn start_session<S: Store + ?Sized>(
    deps: &Deps<S>,
    user: &crate::model::User,
    rehashed: Option<&(Account, &'static str)>,
    source_ip: &str,
    user_agent: Option<&str>,
    how: SignInMethod,
) -> Result<SignedIn> {
    let account = &user.account;
    let profile = user.profile.as_ref();
    let (start, end) = profile.map(|p| (p.start_date, p.end_date)).unwrap_or_default();
    // The activation rule, checked here once for every way in; the audit keeps the precise reason.
    let activation = Activation::of(account.active, start, end, deps.today());
    if !activation.allows_sign_in() || account.directory_disabled {
        let reason = match account.directory_disabled {
            true if activation.allows_sign_in() => "directory_disabled".to_owned(),
            _ => serde_json::to_value(activation).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        };
        let ev = deps.event(
            Some(&account.id),
            "sign_in.refused",
            AuditTarget::User(account.id.clone()),
            json!({ "reason": reason, "by": how }),
            Some(source_ip),
        );
        deps.store.append(&ev).await?;
        return Err(Error::SignInRefused);
    }
    let next = Gate::next(&GateFacts {
        totp_enrolled: account.totp_enrolled,
        totp_passed: false,
        force_password_change: account.force_password_change,
        require_2fa: account.require_2fa,
        has_profile: profile.is_some(),
        profile_completed: profile.is_some_and(|p| p.completed),
    });
    let token = SessionToken::generate(account.id.clone(), deps.entropy.as_ref());
    let id = SessionId::new(deps.clock.as_ref(), deps.entropy.as_ref());
    let session = Session::begin(&token, next, account.epoch, deps.now(), source_ip).described(id, how, user_agent);
    let event = deps.event(
        Some(&account.id),
        "sign_in.succeeded",
        AuditTarget::User(account.id.clone()),
        json!({ "next": next, "by": how }),
        Some(source_ip),
    );
    let saved = match rehashed {
        Some((a, from)) => {
            let re =
                deps.event(Some(&a.id), "password.rehashed", AuditTarget::User(a.id.clone()), json!({ "from": from }), Some(source_ip));
            deps.store.put_session_rehashed(&session, a, account.version, &[&event, &re]).await?
        }
        None => false,
    };
    if !saved {
        deps.store.put_session(&session, &event).await?;
    }
    Ok(SignedIn { next, token })
}

/// Ends the session behind the token, if there is one. Signing out twice is not an error.
pub async fn logout<S: Store + ?Sized>(deps: &Deps<S>, token: Option<&SessionToken>, source_ip: &str) -> Result<()> {
    if let Some(t) = token {
        if !deps.store.delete_session(&t.user_id, &t.digest()).await? {
            return Ok(());
        }
        let event = deps.event(Some(&t.user_id), "sign_out", AuditTarget::User(t.user_id.clone()), json!({}), Some(source_ip));
        deps.store.append(&event).await?;
    }
    Ok(())
}
