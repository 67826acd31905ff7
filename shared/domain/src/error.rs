//! One error type for the domain and its ports; `secboard_http` alone maps it to HTTP.

use crate::permissions::{Action, Module};
use crate::session::Gate;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: names the field, says what is wrong in words the user can act on.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// No session, or one that has ended.
    #[error("sign-in required")]
    Unauthenticated,
    /// The one answer for every failed sign-in, whatever the reason (kept in the audit log).
    #[error("the email or password is wrong, or the account may not sign in")]
    SignInRefused,
    /// A session that must first pass its gate.
    #[error("this session must first pass the {0} step")]
    Gated(Gate),
    #[error("missing right {module}.{action}")]
    Forbidden { module: Module, action: Action },
    /// Something that is not there, or not in the caller's scope (both answer the same).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A duplicate, a stale version, or a delete of something still referenced.
    #[error("{message}")]
    Conflict { field: Option<String>, message: String },
    /// A change that needs a recent sign-in, from a session older than that, without proof.
    #[error("this change needs a recent sign-in: send your current password (or an authenticator code)")]
    Reauthenticate,
    #[error("too many attempts; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// A fault of ours or of a dependency: logged with its chain, never shown.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { field: field.into(), message: message.into() }
    }
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Conflict { field: Some(field.into()), message: message.into() }
    }
    pub fn stale() -> Self {
        Error::conflict("version", "the record changed since it was read; reload and try again")
    }
    pub fn unexpected(message: impl std::fmt::Display) -> Self {
        Error::Unexpected(anyhow::anyhow!("{message}"))
    }
    /// The same error with its field named under a prefix (`groups[2]`, `roles[0]`).
    pub fn in_field(self, prefix: &str) -> Self {
        match self {
            Error::Invalid { message, .. } => Error::Invalid { field: prefix.to_owned(), message },
            other => other,
        }
    }
}
