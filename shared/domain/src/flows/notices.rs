//! The mail a flow queues for a user: addressed from the company's sender for its feature, in
//! the user's language, sealed with the deployment key for the queue.

use super::Deps;
use crate::Result;
use crate::clock::random_bytes;
use crate::ids::EventId;
use crate::mail::{Mail, MailConfig, MailKind, QueuedMail, language_for, sender_for};
use crate::model::{AuditTarget, CabinetSettings, User};
use crate::ports::Store;
use serde_json::json;

/// The cabinet settings of the user's company (its senders, default language, control word).
pub async fn settings_of<S: Store + ?Sized>(deps: &Deps<S>, user: &User) -> Result<Option<CabinetSettings>> {
    match user.profile.as_ref() {
        Some(p) => deps.store.get_settings(&p.company.id).await,
        None => Ok(None),
    }
}

/// Seals a mail for `user` of `kind` for the queue, with the company's `settings` as read;
/// `None` (logged, audited) when no sender is configured for its feature.
pub async fn compose<S: Store + ?Sized>(
    deps: &Deps<S>,
    cfg: &MailConfig,
    user: &User,
    settings: Option<&CabinetSettings>,
    kind: MailKind,
) -> Result<Option<QueuedMail>> {
    let profile = user.profile.as_ref();
    let Some(from) = sender_for(settings, kind.feature(), cfg) else {
        tracing::error!(
            mail = kind.name(),
            "no sender is configured for this feature: set one in the company's cabinet settings or SECBOARD_DEFAULT_SENDER"
        );
        let e = deps.event(
            None,
            "mail.not_sent",
            AuditTarget::User(user.account.id.clone()),
            json!({ "mail": kind.name(), "reason": "no_sender_configured" }),
            None,
        );
        deps.store.append(&e).await?;
        return Ok(None);
    };
    let mail = Mail {
        to: user.account.email.to_string(),
        from: from.to_string(),
        language: language_for(profile.and_then(|p| p.language), settings),
        first_name: profile.map(|p| p.first_name.to_string()).unwrap_or_default(),
        kind,
    };
    let id = EventId::new(deps.clock.as_ref(), deps.entropy.as_ref());
    let sealed = mail.seal(&deps.key, &id, random_bytes::<12>(deps.entropy.as_ref()));
    let kind = mail.kind.name().to_owned();
    Ok(Some(QueuedMail { id, user: Some(user.account.id.clone()), kind, queued_at: deps.now(), sealed, attempts: 0 }))
}

/// The notice mail for `user` of `kind`, sealed for the queue (`None` if no sender is set).
pub async fn notice<S: Store + ?Sized>(deps: &Deps<S>, cfg: &MailConfig, user: &User, kind: MailKind) -> Result<Option<QueuedMail>> {
    let settings = settings_of(deps, user).await?;
    compose(deps, cfg, user, settings.as_ref(), kind).await
}
