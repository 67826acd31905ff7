//! Two-factor authentication ("Two-Factor Authentication (2FA)", the FAQ on 2FA recovery).
//!
//! - Set-up: a new 160-bit secret, kept sealed and pending for [`SETUP_VALID_FOR`]; the answer
//!   carries it once (base32 and the `otpauth://` URI for the QR code). A 6-digit code confirms
//!   it, turns 2FA on and answers 10 backup codes, shown this once and stored as digests.
//! - The challenge (`POST /api/auth/totp`): a code (RFC 6238, one step of drift, a step once
//!   accepted never again) or a backup code (spent once, atomically); the session moves on to
//!   its next gate in the same write.
//! - Turning 2FA off needs a code or the password and is refused while an administrator requires
//!   2FA; regenerating backup codes and starting a set-up need a recent sign-in
//!   ([`crate::session::RECENT_SIGN_IN`]) or the password (or a code) again.
//! - Every failed code, backup code or password here is throttled like a sign-in.

use super::Deps;
use super::authorize::{Principal, Step};
use super::credentials::check_password;
use super::notices::notice;
use super::throttling::Attempt;
use crate::clock::random_bytes;
use crate::keys::Purpose;
use crate::mail::{MailConfig, MailKind};
use crate::model::{AuditTarget, TotpEnrolment, TotpPending, User};
use crate::password::Password;
use crate::ports::Store;
use crate::ports::{AccountChange, GateMove, SessionMove};
use crate::session::{Gate, GateFacts, SessionToken};
use crate::throttle::Factor;
use crate::totp;
use crate::{Error, Result};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::json;

/// How long a set-up may wait for its confirming code.
pub const SETUP_VALID_FOR: SignedDuration = SignedDuration::from_mins(15);
/// The issuer authenticator apps show beside the account.
pub const ISSUER: &str = "SecBoard";

/// Proof of identity for a change that needs a recent sign-in: the password or a current code.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Reauth {
    pub password: Option<Password>,
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    pub code: String,
}

/// The challenge's answer: exactly one of the two.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ChallengeInput {
    pub code: Option<String>,
    pub backup_code: Option<String>,
}

/// A set-up under way: what the authenticator app needs, shown once.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Setup {
    /// Base32, for typing in by hand.
    pub secret: String,
    pub otpauth_uri: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Confirmed {
    pub backup_codes: Vec<String>,
    pub next: Gate,
    /// The new session token when the session moved on (for the cookie, never the body).
    #[serde(skip)]
    pub token: Option<SessionToken>,
}

fn seal<S: Store + ?Sized>(deps: &Deps<S>, user: &User, secret: &[u8]) -> Vec<u8> {
    deps.key.seal(Purpose::Totp, user.account.id.as_str().as_bytes(), secret, random_bytes::<12>(deps.entropy.as_ref()))
}

fn open<S: Store + ?Sized>(deps: &Deps<S>, user: &User, sealed: &[u8]) -> Result<Vec<u8>> {
    deps.key
        .open(Purpose::Totp, user.account.id.as_str().as_bytes(), sealed)
        .ok_or_else(|| Error::unexpected("a TOTP secret does not open with the deployment key"))
}

fn code_digits(field: &str, code: &str) -> Result<String> {
    totp::parse_code(code).ok_or_else(|| Error::invalid(field, "must be the 6 digits your authenticator app shows"))
}

fn backup_digits(code: &str) -> Result<String> {
    totp::parse_backup_code(code)
        .ok_or_else(|| Error::invalid("backup_code", "must be one of your backup codes (16 letters and digits, like ABCD-EFGH-IJKL-MNOP)"))
}

/// The gate after this one, with the second factor passed.
fn next_gate(user: &User, totp_enrolled: bool) -> Gate {
    let a = &user.account;
    Gate::next(&GateFacts {
        totp_enrolled,
        totp_passed: true,
        force_password_change: a.force_password_change,
        require_2fa: a.require_2fa,
        has_profile: user.profile.is_some(),
        profile_completed: user.profile.as_ref().is_some_and(|p| p.completed),
    })
}

/// Checks a current code for `user` and spends its step (with `gate` moved in the same write).
/// False if it is wrong, too old or already used. Throttled by the caller.
async fn check_code<S: Store + ?Sized>(deps: &Deps<S>, user: &User, code: &str, gate: GateMove<'_>) -> Result<bool> {
    let Some(enrolment) = deps.store.get_totp(&user.account.id).await? else { return Ok(false) };
    let secret = open(deps, user, &enrolment.sealed_secret)?;
    match totp::verify(&secret, code, deps.now(), Some(enrolment.last_step)) {
        Some(step) => deps.store.accept_totp_step(&user.account.id, step, gate).await,
        None => Ok(false),
    }
}

/// Proof of identity: the password, or a current code of an enrolled authenticator.
async fn prove<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, proof: &Reauth) -> Result<()> {
    let user = &p.user;
    match (&proof.password, &proof.code) {
        (Some(pw), None) => check_password(deps, user, "password", pw, &p.source_ip).await,
        (None, Some(code)) => {
            if !user.account.totp_enrolled {
                return Err(Error::invalid("code", "two-factor authentication is not on: send your password instead"));
            }
            let code = code_digits("code", code)?;
            let attempt = Attempt::begin(deps, Factor::SecondFactor, user.account.id.as_str(), &p.source_ip).await?;
            if check_code(deps, user, &code, None).await? {
                attempt.succeeded(deps).await
            } else {
                attempt.failed(deps, AuditTarget::User(user.account.id.clone()), &p.source_ip).await?;
                Err(Error::invalid("code", "is wrong, expired or already used"))
            }
        }
        (Some(_), Some(_)) => Err(Error::invalid("code", "send either password or code, not both")),
        (None, None) => Err(Error::invalid("password", "is required: send your password or an authenticator code")),
    }
}

/// A recent sign-in, or proof again. Proof that is sent is always checked.
pub(crate) async fn require_recent<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, proof: &Reauth) -> Result<()> {
    if proof.password.is_none() && proof.code.is_none() {
        return if p.session.is_recent(deps.now()) { Ok(()) } else { Err(Error::Reauthenticate) };
    }
    prove(deps, p, proof).await
}

fn already_on() -> Error {
    Error::conflict("totp", "two-factor authentication is already on; turn it off first to move to a new device")
}

fn not_on() -> Error {
    Error::conflict("totp", "two-factor authentication is not on")
}

/// `POST /api/me/totp/setup`.
pub async fn setup<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, proof: Reauth) -> Result<Setup> {
    let user = &p.user;
    if user.account.totp_enrolled {
        return Err(already_on());
    }
    require_recent(deps, p, &proof).await?;
    let secret = totp::new_secret(deps.entropy.as_ref());
    let expires_at = deps.now().checked_add(SETUP_VALID_FOR).map_err(Error::unexpected)?;
    let pending = TotpPending { sealed_secret: seal(deps, user, &secret), expires_at };
    let audit = deps.event(Some(p.id()), "two_factor.setup_started", AuditTarget::User(p.id().clone()), json!({}), Some(&p.source_ip));
    deps.store.put_pending_totp(p.id(), &pending, &audit).await?;
    Ok(Setup {
        secret: totp::secret_base32(&secret),
        otpauth_uri: totp::otpauth_uri(&secret, ISSUER, user.account.email.as_str()),
        expires_at,
    })
}

/// `POST /api/me/totp/confirm {code}`: turns 2FA on and answers the backup codes, once.
pub async fn confirm<S: Store + ?Sized>(deps: &Deps<S>, cfg: &MailConfig, p: &Principal, input: ConfirmInput) -> Result<Confirmed> {
    let user = &p.user;
    if user.account.totp_enrolled {
        return Err(already_on());
    }
    let code = code_digits("code", &input.code)?;
    let now = deps.now();
    let pending = deps.store.get_pending_totp(p.id()).await?.filter(|x| x.expires_at > now).ok_or_else(|| {
        Error::conflict("code", "no set-up is under way, or it expired: start the set-up again (POST /api/me/totp/setup)")
    })?;
    let attempt = Attempt::begin(deps, Factor::SecondFactor, p.id().as_str(), &p.source_ip).await?;
    let secret = open(deps, user, &pending.sealed_secret)?;
    let Some(step) = totp::verify(&secret, &code, now, None) else {
        attempt.failed(deps, AuditTarget::User(p.id().clone()), &p.source_ip).await?;
        return Err(Error::invalid("code", "does not match: check that the device's clock is right and enter the current code"));
    };
    attempt.succeeded(deps).await?;

    let codes = totp::new_backup_codes(deps.entropy.as_ref());
    let enrolment = TotpEnrolment {
        sealed_secret: pending.sealed_secret,
        last_step: step,
        backup_codes: codes.iter().map(|c| totp::backup_code_digest(c)).collect(),
        enrolled_at: now,
    };
    let mut account = user.account.clone();
    account.totp_enrolled = true;
    account.version += 1;
    let mail = notice(deps, cfg, user, MailKind::TwoFactorEnabled).await?;
    let audit = deps.event(
        Some(p.id()),
        "two_factor.enabled",
        AuditTarget::User(p.id().clone()),
        json!({ "backup_codes": codes.len() }),
        Some(&p.source_ip),
    );
    let change = AccountChange { account: &account, read_version: user.account.version, mail: mail.as_ref(), audit: &audit };
    // A session at the set-up gate moves on, in the same transaction; a signed-in one stays done.
    let next = if p.session.gate == Gate::Done { Gate::Done } else { next_gate(user, true) };
    let moved = (next != p.session.gate).then(|| p.moved_on(deps, next));
    let gate = moved.as_ref().map(|(_, to)| SessionMove { from: &p.session, to });
    deps.store.enable_totp(&enrolment, now, &change, gate).await?;
    Ok(Confirmed { backup_codes: codes, next, token: moved.map(|(t, _)| t) })
}

/// `POST /api/auth/totp {code} | {backup_code}`: the sign-in's second step.
pub async fn challenge<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, input: ChallengeInput) -> Result<Step> {
    let user = &p.user;
    let (field, by) = match (&input.code, &input.backup_code) {
        (Some(c), None) => ("code", Ok(code_digits("code", c)?)),
        (None, Some(b)) => ("backup_code", Err(backup_digits(b)?)),
        _ => return Err(Error::invalid("code", "send either code (from the authenticator app) or backup_code")),
    };
    let attempt = Attempt::begin(deps, Factor::SecondFactor, p.id().as_str(), &p.source_ip).await?;
    let next = next_gate(user, true);
    let (token, to) = p.moved_on(deps, next);
    let gate = Some(SessionMove { from: &p.session, to: &to });
    let ok = match &by {
        Ok(code) => check_code(deps, user, code, gate).await?,
        Err(backup) => deps.store.spend_backup_code(p.id(), &totp::backup_code_digest(backup), gate).await?,
    };
    let target = AuditTarget::User(p.id().clone());
    if !ok {
        attempt.failed(deps, target.clone(), &p.source_ip).await?;
        let e = deps.event(Some(p.id()), "sign_in.second_factor_refused", target, json!({ "by": field }), Some(&p.source_ip));
        deps.store.append(&e).await?;
        return Err(Error::invalid(field, "is wrong, expired or already used"));
    }
    attempt.succeeded(deps).await?;
    let e = deps.event(Some(p.id()), "sign_in.second_factor_passed", target, json!({ "by": field, "next": next }), Some(&p.source_ip));
    deps.store.append(&e).await?;
    Ok(Step { next, token: Some(token) })
}

/// `DELETE /api/me/totp {code} | {password}`: the user turns 2FA off, unless an administrator
/// requires it.
pub async fn disable<S: Store + ?Sized>(deps: &Deps<S>, cfg: &MailConfig, p: &Principal, proof: Reauth) -> Result<()> {
    let user = &p.user;
    if !user.account.totp_enrolled {
        return Err(not_on());
    }
    if user.account.require_2fa {
        return Err(Error::conflict(
            "require_2fa",
            "an administrator requires two-factor authentication on this account: only they can turn it off",
        ));
    }
    prove(deps, p, &proof).await?;
    let mut account = user.account.clone();
    account.totp_enrolled = false;
    account.version += 1;
    let mail = notice(deps, cfg, user, MailKind::TwoFactorDisabled { by_admin: false }).await?;
    let audit = deps.event(Some(p.id()), "two_factor.disabled", AuditTarget::User(p.id().clone()), json!({}), Some(&p.source_ip));
    deps.store
        .disable_totp(&AccountChange { account: &account, read_version: user.account.version, mail: mail.as_ref(), audit: &audit })
        .await
}

/// `POST /api/me/backup-codes`: ten new codes; every earlier one stops working.
pub async fn regenerate_backup_codes<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    p: &Principal,
    proof: Reauth,
) -> Result<Vec<String>> {
    let user = &p.user;
    if !user.account.totp_enrolled {
        return Err(not_on());
    }
    require_recent(deps, p, &proof).await?;
    let codes = totp::new_backup_codes(deps.entropy.as_ref());
    let digests: Vec<String> = codes.iter().map(|c| totp::backup_code_digest(c)).collect();
    let mail = notice(deps, cfg, user, MailKind::BackupCodesRegenerated).await?;
    let audit =
        deps.event(Some(p.id()), "two_factor.backup_codes_regenerated", AuditTarget::User(p.id().clone()), json!({}), Some(&p.source_ip));
    deps.store.replace_backup_codes(p.id(), &digests, mail.as_ref(), &audit).await?;
    Ok(codes)
}

/// How many backup codes the user has left (for the cabinet), if 2FA is on.
pub async fn backup_codes_left<S: Store + ?Sized>(deps: &Deps<S>, user: &User) -> Result<Option<usize>> {
    if !user.account.totp_enrolled {
        return Ok(None);
    }
    Ok(deps.store.get_totp(&user.account.id).await?.map(|e| e.backup_codes.len()))
}
