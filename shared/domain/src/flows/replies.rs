//! The answers that are not views of a stored thing: every route's body is a named type, so the
//! OpenAPI document (secboard-openapi) is generated from what the handlers send.

use crate::ids::UserId;
use crate::model::AuditEvent;
use crate::session::Gate;
use jiff::Timestamp;
use serde::Serialize;

/// Where a sign-in goes next: `done`, or the gate the session must pass first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Next {
    pub next: Gate,
}

/// An answer that is only words (the same 202 whatever happened, for the anonymous flows).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Notice {
    pub detail: &'static str,
}

/// The first administrator, made by the one-time setup link.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SetupDone {
    pub id: UserId,
}

/// How many sessions an "end all" ended.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SessionsEnded {
    pub ended: usize,
}

/// A user's audit log, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditLog {
    pub events: Vec<AuditEvent>,
}

/// Fresh backup codes, shown once.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BackupCodes {
    pub backup_codes: Vec<String>,
}

/// A first-access link is on its way; it works until `expires_at`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LinkSent {
    pub expires_at: Timestamp,
}

/// An authenticator set-up under way, with its QR code: shown once.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TotpSetup {
    /// Base32, for typing in by hand.
    pub secret: String,
    pub otpauth_uri: String,
    /// The QR code of `otpauth_uri` as an SVG document.
    pub qr_svg: String,
    /// The same QR code as a `data:image/png;base64,` URL.
    pub qr_png: String,
    pub expires_at: Timestamp,
}

/// `GET /api/health`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Health {
    pub status: &'static str,
}
