//! Active Directory ("Active Directory Accounts" in the manual, the FAQ's "Active Directory &
//! LDAP"): the deployment's one directory connection as a superuser sets it, what an entry of the
//! directory tells about a user, and the port through which the flows reach the directory.
//!
//! Rules kept here, whatever the adapter (S35):
//! - the service account's password is sealed at rest with the deployment key and never leaves
//!   the domain in an answer; changing where it is sent (`url`, the CA, `insecure`, `bind_dn`)
//!   forgets it, so nobody can point the sealed password at a server of their own;
//! - a value that goes into a filter is escaped by the adapter, and DNs are never built from
//!   input: the service account finds the entry, and its DN (as the directory wrote it) is bound;
//! - an empty password is refused before any bind (AD answers it as an anonymous success).

use crate::ids::CompanyId;
use crate::password::Password;
use crate::{Error, Result};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// `userAccountControl`'s ACCOUNTDISABLE bit.
pub const ACCOUNTDISABLE: u32 = 0x2;
/// The most entries the connection test counts (one page: AD caps unpaged searches at 1000).
pub const TEST_COUNT_MAX: usize = 1000;
/// The most `objectGUID`s one search asks for ([`AdSession::find_by_guids`]): an OR filter of
/// 100 binary values is ~6 KB, far below what AD takes, and its answer one page (AD answers at
/// most 1000 entries unpaged). The scheduled sync of N linked accounts is N/100 searches.
pub const GUID_BATCH: usize = 100;
pub const DEFAULT_USER_FILTER: &str = "(objectClass=user)";
pub const DEFAULT_CONNECT_TIMEOUT_MS: u32 = 3000;
pub const DEFAULT_OPERATION_TIMEOUT_MS: u32 = 5000;
/// The longest a timeout may be set to: a sign-in waits at most this long for the directory.
pub const TIMEOUT_MAX_MS: u32 = 30_000;
/// The shortest, so a slow but healthy directory is not taken for an outage by a typo.
pub const TIMEOUT_MIN_MS: u32 = 100;

/// The directory attributes that fill the profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdAttributes {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub department: String,
}

impl Default for AdAttributes {
    fn default() -> Self {
        AdAttributes {
            email: "mail".into(),
            first_name: "givenName".into(),
            last_name: "sn".into(),
            phone: "telephoneNumber".into(),
            department: "department".into(),
        }
    }
}

/// The directory connection as kept (one per deployment).
#[derive(Clone, Debug, PartialEq)]
pub struct AdSettings {
    /// `ldaps://host[:port]`, or `ldap://` (StartTLS unless `insecure`).
    pub url: String,
    /// A private CA the server's certificate is checked against (PEM), besides the system's.
    pub ca_pem: Option<String>,
    /// Plain `ldap://` without TLS: only when set explicitly.
    pub insecure: bool,
    pub bind_dn: String,
    /// The service account's password, sealed ([`seal_bind_password`]); `None` once forgotten.
    pub sealed_bind_password: Option<Vec<u8>>,
    pub user_base: String,
    pub user_filter: String,
    pub attrs: AdAttributes,
    pub sync_groups: bool,
    /// Where accounts the directory creates get their cabinet profile; `None`: they wait for an
    /// administrator ("Use Existing User").
    pub company_id: Option<CompanyId>,
    pub connect_timeout_ms: u32,
    pub operation_timeout_ms: u32,
    pub version: u64,
    pub updated_at: Timestamp,
}

/// What the settings look like to a superuser: everything but the password, and whether one is set.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AdSettingsView {
    pub url: String,
    pub ca_pem: Option<String>,
    pub insecure: bool,
    pub bind_dn: String,
    pub bind_password_set: bool,
    pub user_base: String,
    pub user_filter: String,
    pub attr_email: String,
    pub attr_first_name: String,
    pub attr_last_name: String,
    pub attr_phone: String,
    pub attr_department: String,
    pub sync_groups: bool,
    pub company_id: Option<CompanyId>,
    pub connect_timeout_ms: u32,
    pub operation_timeout_ms: u32,
    pub version: u64,
    pub updated_at: Timestamp,
}

impl AdSettings {
    pub fn view(&self) -> AdSettingsView {
        AdSettingsView {
            url: self.url.clone(),
            ca_pem: self.ca_pem.clone(),
            insecure: self.insecure,
            bind_dn: self.bind_dn.clone(),
            bind_password_set: self.sealed_bind_password.is_some(),
            user_base: self.user_base.clone(),
            user_filter: self.user_filter.clone(),
            attr_email: self.attrs.email.clone(),
            attr_first_name: self.attrs.first_name.clone(),
            attr_last_name: self.attrs.last_name.clone(),
            attr_phone: self.attrs.phone.clone(),
            attr_department: self.attrs.department.clone(),
            sync_groups: self.sync_groups,
            company_id: self.company_id.clone(),
            connect_timeout_ms: self.connect_timeout_ms,
            operation_timeout_ms: self.operation_timeout_ms,
            version: self.version,
            updated_at: self.updated_at,
        }
    }

    /// Whether `other` sends the password somewhere else, or trusts another server: then the
    /// stored password is forgotten.
    pub fn moves_password(&self, other: &AdSettings) -> bool {
        self.url != other.url || self.ca_pem != other.ca_pem || self.insecure != other.insecure || self.bind_dn != other.bind_dn
    }
}

/// How the connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `ldaps://`.
    Tls,
    /// `ldap://` upgraded with StartTLS before anything else is sent.
    StartTls,
    /// `ldap://` in the clear (`insecure: true`).
    Plain,
}

/// Checks a directory URL and says how it is protected: `ldaps://`, `ldap://` with StartTLS, or
/// plain `ldap://` only when `insecure` is set. A host, an optional port, nothing after.
pub fn transport(url: &str, insecure: bool) -> Result<Transport> {
    let bad = |m: &str| Error::invalid("url", m);
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("must be ldaps://host[:port] or ldap://host[:port]"))?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p)),
        _ => (rest, None),
    };
    if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || "-.[]:".contains(c)) {
        return Err(bad("must name a host (letters, digits, dots, dashes; nothing after the port)"));
    }
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
        return Err(bad("the port must be a number from 1 to 65535"));
    }
    match (scheme, insecure) {
        ("ldaps", false) => Ok(Transport::Tls),
        ("ldaps", true) => Err(Error::invalid("insecure", "is only for plain ldap:// URLs")),
        ("ldap", false) => Ok(Transport::StartTls),
        ("ldap", true) => Ok(Transport::Plain),
        _ => Err(bad("must start with ldaps:// or ldap://")),
    }
}

/// Where a connection goes and how: what the adapter needs, the password opened.
#[derive(Clone, Debug)]
pub struct AdConnection {
    pub url: String,
    pub transport: Transport,
    pub ca_pem: Option<String>,
    pub bind_dn: String,
    pub bind_password: Password,
    pub user_base: String,
    pub user_filter: String,
    pub attrs: AdAttributes,
    pub connect_timeout: SignedDuration,
    pub operation_timeout: SignedDuration,
}

/// A user's entry as the directory shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdEntry {
    /// The entry's DN, as the directory wrote it (bound as is, never built).
    pub dn: String,
    /// `objectGUID` (hex of its 16 bytes; slapd's `entryUUID` where there is none).
    pub guid: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub department: Option<String>,
    /// ACCOUNTDISABLE is set in `userAccountControl`.
    pub disabled: bool,
    /// `badPwdCount`, when the directory keeps it.
    pub bad_pwd_count: Option<u32>,
    /// The CNs of the groups in `memberOf`, as written.
    pub groups: Vec<String>,
}

/// What goes wrong talking to the directory.
#[derive(Debug, thiserror::Error)]
pub enum AdError {
    /// It did not answer within the timeout, or could not be reached or spoken to (TLS).
    #[error("the directory is unavailable: {0}")]
    Unavailable(String),
    /// The service account was refused (wrong DN or password, or a server that wants more).
    #[error("the directory refused the service account: {0}")]
    ServiceRefused(String),
    /// The directory answered with an error to a search (a bad base or filter).
    #[error("the directory refused the search: {0}")]
    Refused(String),
}

/// Reaches the directory. The adapter (ldap3) lives in its own crate, linked only by the
/// functions that talk to the directory.
#[async_trait]
pub trait AdClient: Send + Sync {
    /// Opens a connection (TLS as the settings say) and binds as the service account, with the
    /// connect timeout; every later operation has the operation timeout.
    async fn open(&self, conn: &AdConnection) -> Result<Box<dyn AdSession>, AdError>;
}

/// One connection, bound as the service account until [`AdSession::check_password`].
#[async_trait]
pub trait AdSession: Send {
    /// Entries under the user base matching `(&<user_filter>(<attr_email>=<email>))`, the email
    /// escaped.
    async fn find_by_email(&mut self, email: &str) -> Result<Vec<AdEntry>, AdError>;
    /// The entry with this `objectGUID` (as [`AdEntry::guid`]), matched on the binary value.
    async fn find_by_guid(&mut self, guid: &str) -> Result<Option<AdEntry>, AdError>;
    /// The entries with these `objectGUID`s, [`GUID_BATCH`] to a search (an OR of the binary
    /// values); a GUID with no entry has none in the answer, which is in no particular order.
    async fn find_by_guids(&mut self, guids: &[String]) -> Result<Vec<AdEntry>, AdError>;
    /// How many entries the user filter finds under the base, at most `max`.
    async fn count_users(&mut self, max: usize) -> Result<usize, AdError>;
    /// The domain's `lockoutThreshold` (0 or absent: no lockout).
    async fn lockout_threshold(&mut self) -> Result<Option<u32>, AdError>;
    /// Binds as `dn` with `password`: true if the directory accepted it. The connection is the
    /// user's afterwards. Never called with an empty password.
    async fn check_password(&mut self, dn: &str, password: &Password) -> Result<bool, AdError>;
}

/// Whether a failed attempt could lock the AD account: the domain locks at `threshold` bad
/// passwords, and this attempt would be the one that reaches it.
pub fn would_lock(bad_pwd_count: Option<u32>, threshold: Option<u32>) -> bool {
    match (bad_pwd_count, threshold) {
        (_, None | Some(0)) => false,
        (count, Some(t)) => count.unwrap_or(0).saturating_add(1) >= t,
    }
}

/// The associated data the bind password is sealed under: it opens only as this.
const BIND_PASSWORD_AAD: &[u8] = b"directory/bind_password";

pub fn seal_bind_password(key: &crate::keys::MasterKey, password: &Password, nonce: [u8; 12]) -> Vec<u8> {
    key.seal(crate::keys::Purpose::Directory, BIND_PASSWORD_AAD, password.expose().as_bytes(), nonce)
}

pub fn open_bind_password(key: &crate::keys::MasterKey, sealed: &[u8]) -> Result<Password> {
    let bytes = key
        .open(crate::keys::Purpose::Directory, BIND_PASSWORD_AAD, sealed)
        .ok_or_else(|| Error::unexpected("the directory's bind password does not open with the deployment key"))?;
    String::from_utf8(bytes).map(Password::new).map_err(|_| Error::unexpected("the directory's bind password is not UTF-8"))
}

impl AdSettings {
    /// The connection these settings describe, the password opened; `None` while no password is
    /// stored (the directory is then not used).
    pub fn connection(&self, key: &crate::keys::MasterKey) -> Result<Option<AdConnection>> {
        let Some(sealed) = &self.sealed_bind_password else { return Ok(None) };
        Ok(Some(AdConnection {
            url: self.url.clone(),
            transport: transport(&self.url, self.insecure)?,
            ca_pem: self.ca_pem.clone(),
            bind_dn: self.bind_dn.clone(),
            bind_password: open_bind_password(key, sealed)?,
            user_base: self.user_base.clone(),
            user_filter: self.user_filter.clone(),
            attrs: self.attrs.clone(),
            connect_timeout: SignedDuration::from_millis(self.connect_timeout_ms.into()),
            operation_timeout: SignedDuration::from_millis(self.operation_timeout_ms.into()),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_say_how_the_connection_is_protected() {
        assert_eq!(transport("ldaps://dc1.corp.example:636", false).unwrap(), Transport::Tls);
        assert_eq!(transport("ldap://dc1.corp.example", false).unwrap(), Transport::StartTls);
        assert_eq!(transport("ldap://127.0.0.1:3389/", true).unwrap(), Transport::Plain);
        for bad in ["http://dc1", "ldap://", "ldap://dc1/dc=x", "ldap://dc1:0", "ldap://dc1:99999", "ldap://a b", "dc1"] {
            assert!(matches!(transport(bad, false), Err(Error::Invalid { ref field, .. }) if field == "url"), "{bad}");
        }
        assert!(matches!(transport("ldaps://dc1", true), Err(Error::Invalid { ref field, .. }) if field == "insecure"));
    }

    #[test]
    fn a_sign_in_is_not_tried_when_its_failure_would_lock_the_directory_account() {
        assert!(!would_lock(Some(3), None));
        assert!(!would_lock(Some(3), Some(0)));
        assert!(!would_lock(None, Some(5)));
        assert!(!would_lock(Some(3), Some(5)));
        assert!(would_lock(Some(4), Some(5)));
        assert!(would_lock(Some(9), Some(5)));
        assert!(would_lock(None, Some(1)));
    }

    #[test]
    fn the_bind_password_opens_only_as_itself() {
        let key = crate::keys::MasterKey::from_bytes([5; 32]);
        let sealed = seal_bind_password(&key, &Password::new("s3rvice pass"), [1; 12]);
        assert!(!sealed.windows(7).any(|w| w == b"s3rvice"));
        assert_eq!(open_bind_password(&key, &sealed).unwrap().expose(), "s3rvice pass");
        assert!(open_bind_password(&crate::keys::MasterKey::from_bytes([6; 32]), &sealed).is_err());
        let totp = key.open(crate::keys::Purpose::Totp, BIND_PASSWORD_AAD, &sealed);
        assert!(totp.is_none(), "sealed for the directory alone");
    }
}
