//! First Login ("First Login — Magic Link"): an email and the company's control word get a
//! one-time sign-in link (15 minutes) by mail. The answer is the same, with the same work (a
//! dummy hash check), whatever the email; wrong control words are throttled per source. Spending
//! the link signs the user in through the gates: activation first, then `complete_profile`.

use super::Deps;
use super::login::{SignedIn, begin_session, read_by_email};
use super::reset::{bad_link, send_link};
use super::throttling::Attempt;
use crate::activation::Activation;
use crate::email::Email;
use crate::links::{LinkKind, LinkToken};
use crate::mail::MailConfig;
use crate::model::AuditTarget;
use crate::password::{self, Password};
use crate::ports::Store;
use crate::{Error, Result};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FirstLoginInput {
    pub email: String,
    pub control_word: Password,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MagicInput {
    pub token: String,
}

pub async fn first_login<S: Store + ?Sized>(deps: &Deps<S>, cfg: &MailConfig, input: FirstLoginInput, source_ip: &str) -> Result<()> {
    let email = Email::parse("email", &input.email)?;
    if input.control_word.expose().chars().count() > password::PASSWORD_MAX {
        return Err(Error::invalid("control_word", "is too long"));
    }
    let attempt = Attempt::begin_per_source(deps, "control_word", source_ip).await?;
    let user = read_by_email(deps, &email).await?;
    // Read settings for unknown emails too, so both take the same reads.
    let company = user.as_ref().and_then(|u| u.profile.as_ref()).map(|p| p.company.id.clone());
    let settings =
        deps.store.get_settings(&company.unwrap_or_else(|| crate::ids::CompanyId::new(deps.clock.as_ref(), deps.entropy.as_ref()))).await?;
    let word_ok = match settings.as_ref().and_then(|s| s.control_word.as_ref()) {
        Some(hash) => password::verify(&input.control_word, hash.as_str()).await,
        None => password::verify_dummy(&input.control_word).await,
    };
    let eligible = user.as_ref().filter(|u| {
        let (s, e) = u.profile.as_ref().map(|p| (p.start_date, p.end_date)).unwrap_or_default();
        u.profile.is_some() && Activation::of(u.account.active, s, e, deps.today()).allows_sign_in()
    });
    let target = match &user {
        Some(u) => AuditTarget::User(u.account.id.clone()),
        None => AuditTarget::UnknownEmail(email.normalized()),
    };
    // Every request counts against its source, whatever the email and the word: a correct word
    // with a registered email must not clear what an unregistered one counts, or the count
    // would tell them apart.
    attempt.failed(deps, target.clone(), source_ip).await?;
    match (word_ok, eligible) {
        (true, Some(u)) => {
            send_link(deps, cfg, u, settings.as_ref(), LinkKind::Magic, None, source_ip).await?;
        }
        (ok, _) => {
            let reason = if !ok {
                "wrong_control_word"
            } else if user.is_none() {
                "unknown_email"
            } else {
                "may_not_sign_in"
            };
            let e = deps.event(None, "link.magic.refused", target, json!({ "reason": reason }), Some(source_ip));
            // A transaction shaped like sending the link, so a refusal takes as long.
            deps.store.append_padded(&e).await?;
        }
    }
    Ok(())
}

/// `POST /api/auth/magic-link`: spends a First Login link and signs in. Guessing links is
/// throttled per source, in the same count as reset confirms; only a link that is spent clears it.
pub async fn spend_magic<S: Store + ?Sized>(
    deps: &Deps<S>,
    input: MagicInput,
    source_ip: &str,
    user_agent: Option<&str>,
) -> Result<SignedIn> {
    let attempt = Attempt::begin_per_source(deps, "link", source_ip).await?;
    let user = match spend(deps, &input, source_ip).await {
        Ok(user) => {
            attempt.succeeded(deps).await?;
            user
        }
        Err(e) => {
            attempt.failed(deps, AuditTarget::Global, source_ip).await?;
            return Err(e);
        }
    };
    begin_session(deps, &user, source_ip, user_agent, crate::session::SignInMethod::MagicLink).await
}

async fn spend<S: Store + ?Sized>(deps: &Deps<S>, input: &MagicInput, source_ip: &str) -> Result<crate::model::User> {
    let token = LinkToken::parse(&input.token).ok_or_else(bad_link)?;
    let user = deps.store.get_user(&token.user_id).await?.ok_or_else(bad_link)?;
    let audit =
        deps.event(Some(&user.account.id), "link.magic.spent", AuditTarget::User(user.account.id.clone()), json!({}), Some(source_ip));
    if !deps.store.spend_link(&user.account.id, LinkKind::Magic, &token.digest(), deps.now(), None, None, &audit).await? {
        return Err(bad_link());
    }
    Ok(user)
}
