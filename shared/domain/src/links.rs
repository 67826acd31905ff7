//! One-time links ("Links" in the design): what each kind does and how long it lives. A link
//! carries `<user_id>.<secret>` (256 bits) in the URL fragment; only the secret's SHA-256 is
//! stored, one live link per user and kind (a new one replaces the old), and spending it is one
//! conditional delete that checks the digest and the expiry together.

use crate::clock::{Entropy, random_bytes};
use crate::ids::UserId;
use crate::keys::secret_digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Set a new password ("Forgot password?"): one hour.
    Reset,
    /// Set a first password, sent by an administrator: 24 hours.
    FirstAccess,
    /// First Login: sign in, then complete the profile: 15 minutes.
    Magic,
}

impl LinkKind {
    pub const ALL: [LinkKind; 3] = [LinkKind::Reset, LinkKind::FirstAccess, LinkKind::Magic];

    pub fn lifetime(self) -> SignedDuration {
        match self {
            LinkKind::Reset => SignedDuration::from_hours(1),
            LinkKind::FirstAccess => SignedDuration::from_hours(24),
            LinkKind::Magic => SignedDuration::from_mins(15),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Reset => "reset",
            LinkKind::FirstAccess => "first_access",
            LinkKind::Magic => "magic",
        }
    }
    /// The console page the link opens (the token goes in the fragment).
    pub fn page(self) -> &'static str {
        match self {
            LinkKind::Reset | LinkKind::FirstAccess => "password.html",
            LinkKind::Magic => "magic.html",
        }
    }
}

/// A link token: what goes in the URL fragment.
pub struct LinkToken {
    pub user_id: UserId,
    secret: String,
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinkToken({}.<secret>)", self.user_id)
    }
}

impl LinkToken {
    pub fn generate(user_id: UserId, entropy: &dyn Entropy) -> Self {
        LinkToken { user_id, secret: URL_SAFE_NO_PAD.encode(random_bytes::<32>(entropy)) }
    }
    /// Anything malformed is simply not a link (the caller answers one error for all cases).
    pub fn parse(token: &str) -> Option<Self> {
        let (id, secret) = token.trim().split_once('.')?;
        let user_id = UserId::parse("token", id).ok()?;
        let ok = secret.len() == 43 && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| LinkToken { user_id, secret: secret.to_owned() })
    }
    pub fn digest(&self) -> String {
        secret_digest(&self.secret)
    }
    /// The full URL: `<base>/<page>#<user_id>.<secret>`. Goes into the mail and nowhere else.
    pub fn url(&self, base: &str, kind: LinkKind) -> String {
        format!("{}/{}#{}.{}", base.trim_end_matches('/'), kind.page(), self.user_id, self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::OsEntropy;

    #[test]
    fn lifetimes_are_the_designs() {
        assert_eq!(LinkKind::Reset.lifetime(), SignedDuration::from_mins(60));
        assert_eq!(LinkKind::FirstAccess.lifetime(), SignedDuration::from_hours(24));
        assert_eq!(LinkKind::Magic.lifetime(), SignedDuration::from_mins(15));
    }

    #[test]
    fn a_token_round_trips_through_its_url_fragment_and_only_its_digest_is_kept() {
        let id = UserId::parse("id", "01J00000000000000000000000").unwrap();
        let t = LinkToken::generate(id, &OsEntropy);
        let url = t.url("https://console.example.com/", LinkKind::Reset);
        assert!(url.starts_with("https://console.example.com/password.html#01J00000000000000000000000."));
        let back = LinkToken::parse(url.split('#').nth(1).unwrap()).unwrap();
        assert_eq!(back.digest(), t.digest());
        assert!(!t.digest().contains(&url[url.len() - 43..]));
        for bad in ["", "x", "01J00000000000000000000000.short", "nope.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
            assert!(LinkToken::parse(bad).is_none(), "{bad}");
        }
    }
}

/// The kind of the live link `token` names among `stored`: the digest matches (compared in
/// constant time) and it has not expired at `now`. `None` for every other case alike, so a
/// caller answers one error whatever was wrong.
pub fn live_kind(token: &LinkToken, stored: &[crate::ports::StoredLink], now: jiff::Timestamp) -> Option<LinkKind> {
    let digest = token.digest();
    let mut found = None;
    for link in stored {
        let same: bool = subtle::ConstantTimeEq::ct_eq(link.digest.as_bytes(), digest.as_bytes()).into();
        if same && link.expires_at > now && found.is_none() {
            found = Some(link.kind);
        }
    }
    found
}

#[cfg(test)]
mod live_kind_tests {
    use super::*;
    use crate::clock::OsEntropy;
    use crate::ports::StoredLink;

    #[test]
    fn only_an_unexpired_link_with_the_same_digest_is_live() {
        let user = crate::ids::UserId::parse("id", "01J00000000000000000000000").unwrap();
        let token = LinkToken::generate(user.clone(), &OsEntropy);
        let other = LinkToken::generate(user, &OsEntropy);
        let now: jiff::Timestamp = "2026-06-15T09:00:00Z".parse().unwrap();
        let link =
            |t: &LinkToken, kind, secs| StoredLink { kind, digest: t.digest(), expires_at: now + jiff::SignedDuration::from_secs(secs) };
        assert_eq!(
            live_kind(&token, &[link(&other, LinkKind::Reset, 60), link(&token, LinkKind::FirstAccess, 60)], now),
            Some(LinkKind::FirstAccess)
        );
        assert_eq!(live_kind(&token, &[link(&token, LinkKind::Reset, 0)], now), None, "expired at now");
        assert_eq!(live_kind(&token, &[link(&other, LinkKind::Reset, 60)], now), None, "another secret");
        assert_eq!(live_kind(&token, &[], now), None);
    }
}
