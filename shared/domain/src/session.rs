//! Sessions and the sign-in gates.
//!
//! The cookie carries `<user_id>.<secret>` (256 bits from the OS RNG); the store keeps only the
//! secret's SHA-256, in the user's partition, so deleting a user deletes their sessions. An
//! `epoch` on the account ends every session in one write.
//!
//! Timeouts (enforced at every authorised request):
//! - idle: [`IDLE_TIMEOUT`] since the last request (last-seen is written at most every
//!   [`TOUCH_EVERY`], so idleness is measured to within that);
//! - absolute: [`ABSOLUTE_TIMEOUT`] since sign-in;
//! - a session still at a gate (not `done`) lives at most [`GATED_TIMEOUT`].
//!
//! What its owner sees of it (`GET /api/me/sessions`): a public id of its own (a ULID drawn at
//! sign-in, never derived from the secret or its digest), how it was signed in, the browser's
//! `User-Agent` and the source address. Sessions written before ids were kept have none: they
//! are listed without one and ended with "all but this one".

use crate::clock::{Entropy, random_bytes};
use crate::ids::{SessionId, UserId};
use crate::keys::secret_digest;
use crate::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

pub const IDLE_TIMEOUT: SignedDuration = SignedDuration::from_mins(60);
pub const ABSOLUTE_TIMEOUT: SignedDuration = SignedDuration::from_hours(12);
pub const GATED_TIMEOUT: SignedDuration = SignedDuration::from_mins(15);
pub const TOUCH_EVERY: SignedDuration = SignedDuration::from_mins(5);
/// Changing 2FA or backup codes needs a sign-in at most this old, else the password (or an
/// authenticator code) again. Equal to [`GATED_TIMEOUT`], so a session at a gate is always recent.
pub const RECENT_SIGN_IN: SignedDuration = SignedDuration::from_mins(15);

/// The steps of sign-in, in order of precedence. Until `done`, a session reaches only the
/// endpoints of its gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    Totp,
    /// The account has no cabinet profile yet (Active Directory, an import): it stops here, with
    /// only `GET /api/me` and sign-out, until an administrator wraps it ("Use Existing User").
    NoProfile,
    PasswordChange,
    TotpSetup,
    CompleteProfile,
    Done,
}

impl Gate {
    pub fn as_str(self) -> &'static str {
        match self {
            Gate::Totp => "totp",
            Gate::NoProfile => "no_profile",
            Gate::PasswordChange => "password_change",
            Gate::TotpSetup => "totp_setup",
            Gate::CompleteProfile => "complete_profile",
            Gate::Done => "done",
        }
    }

    /// The first gate a signing-in user still has to pass. An enrolled second factor comes
    /// first (the password alone shows nothing); without a profile no later gate can be passed,
    /// so `no_profile` holds the session before them.
    pub fn next(f: &GateFacts) -> Gate {
        if f.totp_enrolled && !f.totp_passed {
            Gate::Totp
        } else if !f.has_profile {
            Gate::NoProfile
        } else if f.force_password_change {
            Gate::PasswordChange
        } else if f.require_2fa && !f.totp_enrolled {
            Gate::TotpSetup
        } else if !f.profile_completed {
            Gate::CompleteProfile
        } else {
            Gate::Done
        }
    }
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What decides the gate.
#[derive(Clone, Copy, Debug, Default)]
pub struct GateFacts {
    pub totp_enrolled: bool,
    pub totp_passed: bool,
    pub force_password_change: bool,
    pub require_2fa: bool,
    /// Whether the account has a cabinet profile at all.
    pub has_profile: bool,
    pub profile_completed: bool,
}

/// Who may call an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No session needed.
    Anyone,
    /// Any live session, whatever its gate (who am I, sign out).
    AnySession,
    /// A session at this gate, or one that is done.
    AtGate(Gate),
    /// A session at this gate only (the gate's own step, such as the TOTP challenge).
    OnlyAtGate(Gate),
    /// A session that has passed every gate.
    Done,
}

impl Access {
    /// Whether a session at `gate` may call an endpoint with this access rule.
    pub fn admits(self, gate: Gate) -> Result<()> {
        let ok = match self {
            Access::Anyone | Access::AnySession => true,
            Access::AtGate(g) => gate == g || gate == Gate::Done,
            Access::OnlyAtGate(g) => gate == g,
            Access::Done => gate == Gate::Done,
        };
        if ok { Ok(()) } else { Err(Error::Gated(gate)) }
    }
}

/// What the cookie carries: the user id and the session secret.
pub struct SessionToken {
    pub user_id: UserId,
    secret: String,
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionToken({}.<secret>)", self.user_id)
    }
}

impl SessionToken {
    pub fn generate(user_id: UserId, entropy: &dyn Entropy) -> Self {
        let secret = URL_SAFE_NO_PAD.encode(random_bytes::<32>(entropy));
        SessionToken { user_id, secret }
    }
    /// Parses a cookie value; anything malformed is simply no session.
    pub fn parse(value: &str) -> Option<Self> {
        let (id, secret) = value.split_once('.')?;
        let user_id = UserId::parse("session", id).ok()?;
        let ok = secret.len() == 43 && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| SessionToken { user_id, secret: secret.to_owned() })
    }
    /// The cookie value. Goes into a Set-Cookie header and nowhere else.
    pub fn cookie_value(&self) -> String {
        format!("{}.{}", self.user_id, self.secret)
    }
    pub fn digest(&self) -> String {
        secret_digest(&self.secret)
    }
}

/// Longest `User-Agent` kept on a session, in characters (the rest is cut off).
pub const USER_AGENT_MAX: usize = 256;

/// How a session was signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// Email and password (`POST /api/auth/login`).
    Password,
    /// A First Login link (`POST /api/auth/magic-link`).
    MagicLink,
    /// A way in this version does not know (written by a later one): read, never written.
    #[serde(other)]
    Other,
}

impl SignInMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInMethod::Password => "password",
            SignInMethod::MagicLink => "magic_link",
            SignInMethod::Other => "other",
        }
    }
}

/// A `User-Agent` as kept: control characters dropped, at most [`USER_AGENT_MAX`] characters,
/// nothing when nothing is left.
pub fn clean_user_agent(raw: &str) -> Option<String> {
    let kept: String = raw.chars().filter(|c| !c.is_control()).take(USER_AGENT_MAX).collect();
    let kept = kept.trim();
    (!kept.is_empty()).then(|| kept.to_owned())
}

/// A stored session.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub user_id: UserId,
    /// SHA-256 of the secret, hex.
    pub digest: String,
    pub gate: Gate,
    /// The account's epoch when the session began; a newer epoch ends it.
    pub epoch: u64,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
    pub source_ip: String,
    /// The public id that lists and ends it; `None` for a session written before ids were kept.
    pub id: Option<SessionId>,
    /// How it was signed in; `None` before this was kept.
    pub method: Option<SignInMethod>,
    /// The browser's `User-Agent` at sign-in, cleaned ([`clean_user_agent`]).
    pub user_agent: Option<String>,
}

/// Whether a live session should have its last-seen time written.
#[derive(Debug, PartialEq, Eq)]
pub enum Liveness {
    Live,
    LiveTouch,
}

impl Session {
    pub fn begin(token: &SessionToken, gate: Gate, epoch: u64, now: Timestamp, source_ip: &str) -> Self {
        Session {
            user_id: token.user_id.clone(),
            digest: token.digest(),
            gate,
            epoch,
            created_at: now,
            last_seen: now,
            source_ip: source_ip.to_owned(),
            id: None,
            method: None,
            user_agent: None,
        }
    }

    /// The same session with what its owner recognises it by: its public id (drawn fresh, not
    /// from the secret), how it was signed in and the browser. Every sign-in describes its
    /// session; one left undescribed is like one written before ids were kept.
    pub fn described(mut self, id: SessionId, method: SignInMethod, user_agent: Option<&str>) -> Self {
        self.id = Some(id);
        self.method = Some(method);
        self.user_agent = user_agent.and_then(clean_user_agent);
        self
    }

    /// The session moved on to `gate` under the new secret of `token`. Passing a gate is a step
    /// of authentication and widens what the session reaches, so the secret sent before it stops
    /// working there and then (ASVS 7.2.4): a secret seen at a gate is worth nothing after it.
    /// The sign-in time (and so the absolute timeout), public id, method and browser stay.
    pub fn renewed(&self, token: &SessionToken, gate: Gate, now: Timestamp) -> Session {
        Session { digest: token.digest(), gate, last_seen: now, ..self.clone() }
    }

    /// When the store may forget it (DynamoDB TTL): the absolute limit.
    pub fn expires_at(&self) -> Timestamp {
        let limit = if self.gate == Gate::Done { ABSOLUTE_TIMEOUT } else { GATED_TIMEOUT };
        self.created_at.checked_add(limit).unwrap_or(self.created_at)
    }

    /// Whether the sign-in behind the session is recent enough for changes to 2FA.
    pub fn is_recent(&self, now: Timestamp) -> bool {
        now.duration_since(self.created_at) < RECENT_SIGN_IN
    }

    /// Checks the timeouts and the epoch; `Unauthenticated` once the session has ended.
    pub fn check(&self, account_epoch: u64, now: Timestamp) -> Result<Liveness> {
        if self.epoch != account_epoch || now >= self.expires_at() {
            return Err(Error::Unauthenticated);
        }
        let idle = now.duration_since(self.last_seen);
        if idle >= IDLE_TIMEOUT {
            return Err(Error::Unauthenticated);
        }
        Ok(if idle >= TOUCH_EVERY { Liveness::LiveTouch } else { Liveness::Live })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::OsEntropy;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn session(gate: Gate) -> Session {
        let id = UserId::parse("id", "01J00000000000000000000000").unwrap();
        Session::begin(&SessionToken::generate(id, &OsEntropy), gate, 3, t("2026-01-01T08:00:00Z"), "127.0.0.1")
    }

    #[test]
    fn gates_come_in_the_documented_order() {
        let all = GateFacts {
            totp_enrolled: true,
            totp_passed: false,
            force_password_change: true,
            require_2fa: true,
            has_profile: true,
            profile_completed: false,
        };
        assert_eq!(Gate::next(&all), Gate::Totp);
        assert_eq!(Gate::next(&GateFacts { has_profile: false, ..all }), Gate::Totp, "the second factor before anything");
        assert_eq!(Gate::next(&GateFacts { has_profile: false, totp_passed: true, ..all }), Gate::NoProfile);
        assert_eq!(Gate::next(&GateFacts { totp_passed: true, ..all }), Gate::PasswordChange);
        let f = GateFacts { totp_enrolled: false, force_password_change: false, ..all };
        assert_eq!(Gate::next(&f), Gate::TotpSetup);
        assert_eq!(Gate::next(&GateFacts { require_2fa: false, ..f }), Gate::CompleteProfile);
        assert_eq!(Gate::next(&GateFacts { profile_completed: true, require_2fa: false, ..f }), Gate::Done);
    }

    #[test]
    fn a_gated_session_reaches_only_its_gate() {
        assert!(Access::AtGate(Gate::CompleteProfile).admits(Gate::CompleteProfile).is_ok());
        assert!(Access::AtGate(Gate::CompleteProfile).admits(Gate::Done).is_ok());
        assert!(Access::Done.admits(Gate::CompleteProfile).is_err());
        assert!(Access::OnlyAtGate(Gate::Totp).admits(Gate::Done).is_err());
        assert!(Access::AnySession.admits(Gate::Totp).is_ok());
        assert!(Access::AnySession.admits(Gate::NoProfile).is_ok());
        assert!(Access::Done.admits(Gate::NoProfile).is_err());
        assert!(Access::AtGate(Gate::CompleteProfile).admits(Gate::NoProfile).is_err());
    }

    #[test]
    fn sessions_end_on_idle_absolute_and_epoch() {
        let s = session(Gate::Done);
        assert_eq!(s.check(3, t("2026-01-01T08:01:00Z")).unwrap(), Liveness::Live);
        assert_eq!(s.check(3, t("2026-01-01T08:06:00Z")).unwrap(), Liveness::LiveTouch);
        assert!(s.check(3, t("2026-01-01T09:00:00Z")).is_err(), "idle for an hour");
        assert!(s.check(4, t("2026-01-01T08:01:00Z")).is_err(), "epoch moved on");
        let mut busy = s.clone();
        busy.last_seen = t("2026-01-01T19:59:00Z");
        assert!(busy.check(3, t("2026-01-01T19:59:30Z")).is_ok());
        assert!(busy.check(3, t("2026-01-01T20:00:00Z")).is_err(), "twelve hours since sign-in");
        assert!(session(Gate::CompleteProfile).check(3, t("2026-01-01T08:15:00Z")).is_err(), "gated sessions are short");
    }

    #[test]
    fn a_described_session_keeps_a_clean_bounded_user_agent() {
        let clock = crate::clock::ManualClock::new(t("2026-01-01T08:00:00Z"));
        let id = SessionId::new(&clock, &OsEntropy);
        let s = session(Gate::Done).described(id.clone(), SignInMethod::Password, Some(" Firefox\u{7}/128\n "));
        assert_eq!((s.id, s.method, s.user_agent.as_deref()), (Some(id.clone()), Some(SignInMethod::Password), Some("Firefox/128")));
        let long = "x".repeat(USER_AGENT_MAX + 10);
        let s = session(Gate::Done).described(id.clone(), SignInMethod::MagicLink, Some(&long));
        assert_eq!(s.user_agent.map(|u| u.chars().count()), Some(USER_AGENT_MAX));
        assert_eq!(session(Gate::Done).described(id, SignInMethod::Password, Some(" \t")).user_agent, None);
        assert_eq!(session(Gate::Done).id, None, "a plain begin has no public id");
    }

    #[test]
    fn an_unknown_sign_in_method_reads_as_other() {
        let m: SignInMethod = serde_json::from_value(serde_json::json!("passkey")).unwrap();
        assert_eq!(m, SignInMethod::Other);
        assert_eq!(serde_json::to_value(SignInMethod::MagicLink).unwrap(), "magic_link");
    }

    #[test]
    fn tokens_round_trip_and_store_only_a_digest() {
        let id = UserId::parse("id", "01J00000000000000000000000").unwrap();
        let tok = SessionToken::generate(id, &OsEntropy);
        let back = SessionToken::parse(&tok.cookie_value()).unwrap();
        assert_eq!(back.digest(), tok.digest());
        assert!(!tok.digest().contains(&tok.cookie_value()[27..]));
        for bad in ["", "x.y", "01J00000000000000000000000.short", "nope"] {
            assert!(SessionToken::parse(bad).is_none(), "{bad}");
        }
    }
}
