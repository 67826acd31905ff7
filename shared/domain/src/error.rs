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
    /// A change the caller may not make to this field, whatever rights it holds (its own flags, a
    /// superuser, a group beyond its reach).
    #[error("{field}: {message}")]
    NotPermitted { field: String, message: String },
    /// Something that is not there, or not in the caller's scope (both answer the same).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An id in the input (a path parameter) naming nothing there, or nothing of the caller's:
    /// both answer the same, naming the field.
    #[error("{field}: no such {what}")]
    UnknownId { field: &'static str, what: &'static str },
    /// A duplicate, a stale version, or a delete of something still referenced; `code` says which,
    /// stably, for clients to act on (`stale_version`, `email_taken`, ...).
    /// `counts` are the numbers the message names (`users`, `roles`, `children`), so a client can
    /// say it in its own words.
    #[error("{message}")]
    Conflict { field: Option<String>, message: String, code: &'static str, counts: Vec<(&'static str, i64)> },
    /// A change that needs a recent sign-in, from a session older than that, without proof.
    #[error("this change needs a recent sign-in: send your current password (or an authenticator code)")]
    Reauthenticate,
    #[error("too many attempts; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// A service we depend on (the store) did not answer, or refused for load, after its own
    /// retries: nothing was written; the client may try again.
    #[error("a service we depend on is not answering; try again in {retry_after_secs} s")]
    Unavailable { retry_after_secs: u64 },
    /// A fault of ours or of a dependency: logged with its chain, never shown.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What a dependency's service answered, in words: its error code and message. Adapters keep the
/// SDK's own error (its kind, the raw response) around this one type for every operation: each
/// operation's error type, kept in an `anyhow::Error`, would link its Debug, Display and vtable
/// into the binary once per operation (benches/README, "What the adapters' errors cost").
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ServiceFailure {
    pub code: String,
    pub message: String,
}

impl ServiceFailure {
    pub fn new(code: Option<&str>, message: Option<&str>) -> Self {
        ServiceFailure { code: code.unwrap_or("no code").to_owned(), message: message.unwrap_or("no message").to_owned() }
    }
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { field: field.into(), message: message.into() }
    }
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Conflict { field: Some(field.into()), message: message.into(), code: "conflict", counts: vec![] }
    }
    /// The same conflict with its stable code.
    pub fn coded(self, code: &'static str) -> Self {
        match self {
            Error::Conflict { field, message, counts, .. } => Error::Conflict { field, message, code, counts },
            other => other,
        }
    }
    pub fn not_permitted(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::NotPermitted { field: field.into(), message: message.into() }
    }
    pub fn stale() -> Self {
        Error::conflict("version", "the record changed since it was read; reload and try again").coded("stale_version")
    }
    /// Another write touched the same records at the same moment.
    pub fn concurrent_change() -> Self {
        Error::conflict("version", "a concurrent change got there first; try again").coded("concurrent_change")
    }
    /// Emails are unique, whatever their case.
    pub fn email_taken() -> Self {
        Error::conflict("email", "an account with this email already exists").coded("email_taken")
    }
    /// A new record under an id that is taken.
    pub fn already_exists(field: impl Into<String>) -> Self {
        Error::conflict(field, "already exists").coded("already_exists")
    }
    /// An access group whose version was read to compute rights changed before the write.
    pub fn group_changed(field: impl Into<String>) -> Self {
        Error::conflict(field, "this access group changed or was deleted meanwhile; reload and try again").coded("group_changed")
    }
    /// An organisation item named in the input was deleted before the write.
    pub fn gone_from_company(field: impl Into<String>) -> Self {
        Error::invalid(field, "no longer exists in this company")
    }
    /// A department, position, platform role, quiz or access group (`what`) cannot be deleted
    /// while users or platform roles refer to it.
    pub fn still_referred(what: &str, users: i64, roles: i64) -> Self {
        let mut by = vec![];
        if users > 0 {
            by.push(format!("{users} user(s)"));
        }
        if roles > 0 {
            by.push(format!("{roles} platform role(s)"));
        }
        Error::Conflict {
            field: None,
            message: format!("this {what} is still referred to by {}", by.join(" and ")),
            code: "still_referred",
            counts: vec![("users", users), ("roles", roles)],
        }
    }
    /// A company cannot be deleted while users or organisation items belong to it.
    pub fn company_not_empty(users: i64, children: i64) -> Self {
        let mut by = vec![];
        if users > 0 {
            by.push(format!("{users} user(s)"));
        }
        if children > 0 {
            by.push(format!("{children} department(s), position(s), role(s), quiz(zes) or access group(s)"));
        }
        Error::Conflict {
            field: None,
            message: format!("this company still has {}", by.join(" and ")),
            code: "company_not_empty",
            counts: vec![("users", users), ("children", children)],
        }
    }
    /// Confirming an authenticator whose set-up is gone.
    pub fn totp_setup_gone() -> Self {
        Error::conflict("code", "the set-up expired or was already confirmed: start it again").coded("totp_setup_gone")
    }
    pub fn totp_already_on() -> Self {
        Error::conflict("totp", "two-factor authentication is already on").coded("totp_already_on")
    }
    pub fn totp_not_on() -> Self {
        Error::conflict("totp", "two-factor authentication is not on").coded("totp_not_on")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: Error) -> (Option<String>, String) {
        match e {
            Error::Conflict { field, message, .. } => (field, message),
            Error::Invalid { field, message } => (Some(field), message),
            other => panic!("not a conflict or invalid: {other:?}"),
        }
    }

    #[test]
    fn a_delete_refused_names_what_still_refers_to_it() {
        assert_eq!(message(Error::still_referred("department", 2, 0)).1, "this department is still referred to by 2 user(s)");
        assert_eq!(
            message(Error::still_referred("access group", 1, 3)).1,
            "this access group is still referred to by 1 user(s) and 3 platform role(s)"
        );
        assert_eq!(
            message(Error::company_not_empty(0, 4)).1,
            "this company still has 4 department(s), position(s), role(s), quiz(zes) or access group(s)"
        );
    }

    #[test]
    fn conflicts_name_the_field_the_user_can_fix() {
        assert_eq!(message(Error::email_taken()), (Some("email".into()), "an account with this email already exists".into()));
        assert_eq!(message(Error::group_changed("groups[1]")).0.as_deref(), Some("groups[1]"));
        assert!(matches!(Error::gone_from_company("department_id"), Error::Invalid { ref field, .. } if field == "department_id"));
    }
}
