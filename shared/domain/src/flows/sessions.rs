//! Sessions one can see and end (ASVS 7.4, Keycloak's Sessions tab): one's own in the cabinet
//! (`/api/me/sessions`), and a user's by an administrator with the edit right over them
//! (`/api/users/{id}/sessions`), under the reach rule of editing ([`user_to_change`]): outside
//! the caller's reach a user answers 404, and only a superuser reaches a superuser (403).
//!
//! Listed are the user's live sessions (the timeouts and epoch that authorising checks), those
//! still at a gate too, the newest sign-in first: one Query on the user's partition. A session is
//! named by its public id ([`Session::described`]), never by its secret or digest. Ending one
//! deletes it, on the condition that it is still there, in the same transaction as its audit
//! event, so its cookie stops at its next request. "All" ends every live session but the
//! caller's own, those written before public ids were kept (listed with `id: null`) included.

use super::Deps;
use super::authorize::Principal;
use super::update_user::user_to_change;
use crate::ids::SessionId;
use crate::model::{AuditEvent, AuditTarget, User};
use crate::permissions::Action;
use crate::ports::END_SESSIONS_MAX;
use crate::ports::Store;
use crate::session::{Gate, Session, SignInMethod};
use crate::{Error, Result};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

/// Rounds of "end all" when sessions end or begin under it, before answering 409.
const END_ALL_ROUNDS: usize = 3;

/// A session as its owner, or an administrator, sees it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SessionView {
    /// What ends it; `null` for a session signed in before ids were kept ("end all" ends it).
    pub id: Option<SessionId>,
    pub signed_in_at: Timestamp,
    /// Written at most every few minutes ([`crate::session::TOUCH_EVERY`]).
    pub last_seen: Timestamp,
    pub source_ip: String,
    pub user_agent: Option<String>,
    /// `password` or `magic_link`; `null` before this was kept.
    pub method: Option<SignInMethod>,
    /// `done` once signed in; any other gate is a sign-in not finished (a password without its
    /// second factor, say).
    pub gate: Gate,
    /// The session making this request.
    pub current: bool,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SessionList {
    pub sessions: Vec<SessionView>,
}

/// What ending one session did.
#[derive(Debug)]
pub struct Ended {
    /// It was the caller's own session: the caller is signed out.
    pub current: bool,
}

/// Whose hand ends sessions, for the audit log.
#[derive(Clone, Copy)]
enum By {
    Owner,
    Administrator,
}

impl By {
    fn as_str(self) -> &'static str {
        match self {
            By::Owner => "self",
            By::Administrator => "administrator",
        }
    }
}

/// `GET /api/me/sessions`.
pub async fn list_own<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal) -> Result<SessionList> {
    list(deps, p, &p.user).await
}

/// `DELETE /api/me/sessions/{id}`: one of one's own (this one too: that signs out).
pub async fn end_own<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, id: &str) -> Result<Ended> {
    end_one(deps, p, &p.user, "id", id, By::Owner).await
}

/// `DELETE /api/me/sessions`: every one of one's own but this one; answers how many ended.
pub async fn end_own_others<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal) -> Result<usize> {
    end_all(deps, p, &p.user, By::Owner).await
}

/// `GET /api/users/{id}/sessions`.
pub async fn list_of<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, user: &str) -> Result<SessionList> {
    let user = user_to_change(deps, p, user, Action::Edit).await?;
    list(deps, p, &user).await
}

/// `DELETE /api/users/{id}/sessions/{sid}`.
pub async fn end_of<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, user: &str, sid: &str) -> Result<Ended> {
    let user = user_to_change(deps, p, user, Action::Edit).await?;
    end_one(deps, p, &user, "sid", sid, By::Administrator).await
}

/// `DELETE /api/users/{id}/sessions`: every session of the user (but the caller's own, should
/// an administrator do this to themselves); answers how many ended.
pub async fn end_all_of<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, user: &str) -> Result<usize> {
    let user = user_to_change(deps, p, user, Action::Edit).await?;
    end_all(deps, p, &user, By::Administrator).await
}

/// The user's live sessions, the newest sign-in first.
async fn live<S: Store + ?Sized>(deps: &Deps<S>, user: &User) -> Result<Vec<Session>> {
    let now = deps.now();
    let mut sessions: Vec<Session> =
        deps.store.list_sessions(&user.account.id).await?.into_iter().filter(|s| s.check(user.account.epoch, now).is_ok()).collect();
    sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
    Ok(sessions)
}

async fn list<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, user: &User) -> Result<SessionList> {
    let sessions = live(deps, user)
        .await?
        .into_iter()
        .map(|s| SessionView {
            current: s.digest == p.session.digest,
            id: s.id,
            signed_in_at: s.created_at,
            last_seen: s.last_seen,
            source_ip: s.source_ip,
            user_agent: s.user_agent,
            method: s.method,
            gate: s.gate,
        })
        .collect();
    Ok(SessionList { sessions })
}

fn ended_event<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, user: &User, by: By, which: &str, sessions: &[Session]) -> AuditEvent {
    let ids: Vec<Option<&SessionId>> = sessions.iter().map(|s| s.id.as_ref()).collect();
    deps.event(
        Some(p.id()),
        "session.ended",
        AuditTarget::User(user.account.id.clone()),
        json!({ "by": by.as_str(), "which": which, "sessions": ids }),
        Some(&p.source_ip),
    )
}

async fn end_one<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, user: &User, field: &'static str, raw: &str, by: By) -> Result<Ended> {
    let unknown = || Error::UnknownId { field, what: "session" };
    let id = SessionId::parse(field, raw).map_err(|_| unknown())?;
    let sessions = live(deps, user).await?;
    let session = sessions.iter().find(|s| s.id.as_ref() == Some(&id)).ok_or_else(unknown)?;
    let event = ended_event(deps, p, user, by, "one", std::slice::from_ref(session));
    // Gone since it was read (signed out, ended elsewhere): unknown now, and nothing is written.
    if !deps.store.end_sessions(&user.account.id, std::slice::from_ref(&session.digest), &event).await? {
        return Err(unknown());
    }
    Ok(Ended { current: session.digest == p.session.digest })
}

async fn end_all<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, user: &User, by: By) -> Result<usize> {
    let which = match by {
        By::Owner => "all_but_current",
        By::Administrator => "all",
    };
    let mut ended = 0;
    for _ in 0..END_ALL_ROUNDS {
        let others: Vec<Session> = live(deps, user).await?.into_iter().filter(|s| s.digest != p.session.digest).collect();
        let mut raced = false;
        // A transaction holds a bounded number of sessions: an audit event for each.
        for chunk in others.chunks(END_SESSIONS_MAX) {
            let event = ended_event(deps, p, user, by, which, chunk);
            let digests: Vec<String> = chunk.iter().map(|s| s.digest.clone()).collect();
            if deps.store.end_sessions(&user.account.id, &digests, &event).await? {
                ended += chunk.len();
            } else {
                // One of them ended meanwhile: this chunk wrote nothing; read again.
                raced = true;
            }
        }
        if !raced {
            return Ok(ended);
        }
    }
    Err(Error::concurrent_change())
}
