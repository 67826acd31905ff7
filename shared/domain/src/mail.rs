//! Mail the product sends: what it says (the kind and its link), to whom, from whom (the
//! company's sender for the feature, else the deployment default), in which language (the user's,
//! else the company default). Flows queue mail in the table, sealed, since it carries one-time
//! links; a mailer renders and sends it later, so a mail service outage delays mail and loses none.

use crate::email::Email;
use crate::ids::EventId;
use crate::keys::{MasterKey, Purpose};
use crate::model::CabinetSettings;
use crate::text::Language;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailKind {
    PasswordReset {
        url: String,
    },
    FirstAccess {
        url: String,
    },
    MagicLink {
        url: String,
    },
    PasswordChanged,
    TwoFactorEnabled,
    /// By the user, or (`by_admin`) reset by an administrator.
    TwoFactorDisabled {
        by_admin: bool,
    },
    BackupCodesRegenerated,
    /// To the old address, when an administrator changed the account's email.
    EmailChanged,
    /// An administrator set a new password; every session ended.
    PasswordSetByAdmin,
}

/// The features whose sender a company chooses in its cabinet settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Reset,
    FirstAccess,
    FirstLogin,
    Notifications,
}

impl MailKind {
    pub fn feature(&self) -> Feature {
        match self {
            MailKind::PasswordReset { .. } => Feature::Reset,
            MailKind::FirstAccess { .. } => Feature::FirstAccess,
            MailKind::MagicLink { .. } => Feature::FirstLogin,
            MailKind::PasswordChanged
            | MailKind::TwoFactorEnabled
            | MailKind::TwoFactorDisabled { .. }
            | MailKind::BackupCodesRegenerated
            | MailKind::EmailChanged
            | MailKind::PasswordSetByAdmin => Feature::Notifications,
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            MailKind::PasswordReset { .. } => "password_reset",
            MailKind::FirstAccess { .. } => "first_access",
            MailKind::MagicLink { .. } => "magic_link",
            MailKind::PasswordChanged => "password_changed",
            MailKind::TwoFactorEnabled => "two_factor_enabled",
            MailKind::TwoFactorDisabled { by_admin: false } => "two_factor_disabled",
            MailKind::TwoFactorDisabled { by_admin: true } => "two_factor_reset",
            MailKind::BackupCodesRegenerated => "backup_codes_regenerated",
            MailKind::EmailChanged => "email_changed",
            MailKind::PasswordSetByAdmin => "password_set_by_admin",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub from: String,
    pub language: Language,
    pub first_name: String,
    pub kind: MailKind,
}

/// A mail waiting in the queue: its content sealed with the deployment key.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedMail {
    pub id: EventId,
    /// Whom it is for (for the audit log of deliveries; the address itself is sealed).
    pub user: Option<crate::ids::UserId>,
    pub kind: String,
    pub queued_at: Timestamp,
    pub sealed: Vec<u8>,
    pub attempts: u32,
}

/// A mailer's hold on one queued mail while it sends it, taken by a conditional write: a random
/// token that names this claim alone, and the moment the hold runs out, after which another
/// mailer may claim the mail. Only the holder of the token marks the mail sent or failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailLease {
    pub token: String,
    pub until: Timestamp,
}

/// Where mail is sent from and where its links point.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// The console's public base URL (`https://console.example.com`): links are built from it,
    /// never from a request's Host header.
    pub console_url: String,
    /// The sender when a company has none for a feature.
    pub default_sender: Option<Email>,
}

impl Mail {
    pub fn seal(&self, key: &MasterKey, id: &EventId, nonce: [u8; 12]) -> Vec<u8> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        key.seal(Purpose::Mail, id.as_str().as_bytes(), &json, nonce)
    }
    pub fn open(key: &MasterKey, q: &QueuedMail) -> Option<Mail> {
        let json = key.open(Purpose::Mail, q.id.as_str().as_bytes(), &q.sealed)?;
        serde_json::from_slice(&json).ok()
    }
}

/// The sender for a feature: the company's choice, else the deployment default.
pub fn sender_for(settings: Option<&CabinetSettings>, feature: Feature, config: &MailConfig) -> Option<Email> {
    let chosen = settings.and_then(|s| match feature {
        Feature::Reset => s.senders.reset.clone(),
        Feature::FirstAccess => s.senders.first_access.clone(),
        Feature::FirstLogin => s.senders.first_login.clone(),
        Feature::Notifications => s.senders.notifications.clone(),
    });
    chosen.or_else(|| config.default_sender.clone())
}

/// The user's language, else the company's default.
pub fn language_for(user: Option<Language>, settings: Option<&CabinetSettings>) -> Language {
    user.or(settings.map(|s| s.default_language)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CompanyId;
    use crate::model::Senders;

    fn settings() -> CabinetSettings {
        CabinetSettings {
            company_id: CompanyId::parse("c", "01J00000000000000000000000").unwrap(),
            control_word: None,
            senders: Senders { reset: Some(Email::parse("e", "it@acme.example").unwrap()), ..Default::default() },
            default_language: Language::Uk,
            version: 1,
        }
    }

    #[test]
    fn the_sender_is_the_companys_for_the_feature_else_the_default() {
        let cfg = MailConfig {
            console_url: "https://c.example".into(),
            default_sender: Some(Email::parse("e", "no-reply@secboard.example").unwrap()),
        };
        assert_eq!(sender_for(Some(&settings()), Feature::Reset, &cfg).unwrap().as_str(), "it@acme.example");
        assert_eq!(sender_for(Some(&settings()), Feature::FirstLogin, &cfg).unwrap().as_str(), "no-reply@secboard.example");
        assert!(sender_for(None, Feature::Reset, &MailConfig { default_sender: None, ..cfg }).is_none());
    }

    #[test]
    fn the_language_is_the_users_else_the_companys() {
        assert_eq!(language_for(Some(Language::Ru), Some(&settings())), Language::Ru);
        assert_eq!(language_for(None, Some(&settings())), Language::Uk);
        assert_eq!(language_for(None, None), Language::En);
    }

    #[test]
    fn queued_mail_is_sealed_to_its_id() {
        let key = MasterKey::from_bytes([9; 32]);
        let clock = crate::clock::ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
        let id = EventId::new(&clock, &crate::clock::OsEntropy);
        let mail = Mail {
            to: "a@example.com".into(),
            from: "b@example.com".into(),
            language: Language::En,
            first_name: "Ada".into(),
            kind: MailKind::PasswordReset { url: "https://c/password.html#x.y".into() },
        };
        let q = QueuedMail {
            id,
            user: None,
            kind: "password_reset".into(),
            queued_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            sealed: mail.seal(&key, &EventId::new(&clock, &crate::clock::OsEntropy), [1; 12]),
            attempts: 0,
        };
        assert!(Mail::open(&key, &q).is_none(), "sealed to another id");
        let q = QueuedMail { sealed: mail.seal(&key, &q.id, [1; 12]), ..q };
        assert_eq!(Mail::open(&key, &q).unwrap(), mail);
    }
}
