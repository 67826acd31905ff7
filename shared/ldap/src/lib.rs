//! Active Directory through ldap3: the domain's [`AdClient`] port.
//!
//! - TLS is rustls with aws-lc-rs (no OpenSSL): `ldaps://`, or StartTLS on `ldap://`; plain only
//!   when the settings say `insecure`. A private CA given in the settings is the only trust
//!   anchor; without one, the system's roots are.
//! - Every operation has a timeout: the connection (TCP, TLS, StartTLS) the connect timeout, each
//!   bind and search the operation timeout. A directory that accepts and never answers is an
//!   outage ([`AdError::Unavailable`]), not a hang.
//! - Values in filters are escaped with `ldap_escape` (the email) or written byte by byte (the
//!   GUID, from its hex); DNs are never built: a bind uses the DN the search found (S35).
//! - An empty password is refused here too, before any bind (AD takes it as anonymous).

use async_trait::async_trait;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry, SearchOptions, ldap_escape};
use secboard_domain::active_directory::{ACCOUNTDISABLE, AdClient, AdConnection, AdEntry, AdError, AdSession, GUID_BATCH, Transport};
use secboard_domain::password::Password;
use std::sync::Arc;
use std::time::Duration;

/// The ldap3 client. Stateless: each sign-in opens its own connection.
#[derive(Clone, Copy, Debug, Default)]
pub struct LdapClient;

/// LDAP result codes this adapter tells apart.
const RC_INVALID_CREDENTIALS: u32 = 49;
const RC_SIZE_LIMIT_EXCEEDED: u32 = 4;

fn duration(d: jiff::SignedDuration) -> Duration {
    Duration::try_from(d).unwrap_or(Duration::from_secs(5))
}

fn unavailable(e: LdapError) -> AdError {
    AdError::Unavailable(e.to_string())
}

/// The TLS configuration: the private CA alone when one is given, else the system's roots.
fn tls_config(ca_pem: Option<&str>) -> Result<Arc<rustls::ClientConfig>, AdError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match ca_pem {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| AdError::Unavailable(format!("the CA certificate does not parse: {e}")))?;
                roots.add(cert).map_err(|e| AdError::Unavailable(format!("the CA certificate is not usable: {e}")))?;
            }
            if roots.is_empty() {
                return Err(AdError::Unavailable("the CA certificate holds no certificate".into()));
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| AdError::Unavailable(format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[async_trait]
impl AdClient for LdapClient {
    async fn open(&self, conn: &AdConnection) -> Result<Box<dyn AdSession>, AdError> {
        let mut settings = LdapConnSettings::new().set_conn_timeout(duration(conn.connect_timeout));
        if conn.transport != Transport::Plain {
            settings = settings.set_config(tls_config(conn.ca_pem.as_deref())?).set_starttls(conn.transport == Transport::StartTls);
        }
        let (driver, ldap) = LdapConnAsync::with_settings(settings, &conn.url).await.map_err(unavailable)?;
        ldap3::drive!(driver);
        let mut session = Session { ldap, conn: conn.clone(), timeout: duration(conn.operation_timeout) };
        if conn.bind_password.expose().is_empty() {
            return Err(AdError::ServiceRefused("no password".into()));
        }
        let res = session.op().simple_bind(&conn.bind_dn, conn.bind_password.expose()).await.map_err(unavailable)?;
        if res.rc != 0 {
            return Err(AdError::ServiceRefused(format!("rc {} {}", res.rc, res.text)));
        }
        Ok(Box::new(session))
    }
}

struct Session {
    ldap: Ldap,
    conn: AdConnection,
    timeout: Duration,
}

impl Drop for Session {
    fn drop(&mut self) {
        // The driver task ends when the connection closes; say goodbye without waiting.
        let mut ldap = self.ldap.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let _ = ldap.unbind().await;
            });
        }
    }
}

impl Session {
    /// The connection, with the operation timeout on its next operation.
    fn op(&mut self) -> &mut Ldap {
        self.ldap.with_timeout(self.timeout)
    }

    fn attributes(&self) -> Vec<String> {
        let a = &self.conn.attrs;
        let mut v = vec![
            a.email.clone(),
            a.first_name.clone(),
            a.last_name.clone(),
            a.phone.clone(),
            a.department.clone(),
            "objectGUID".into(),
            "userAccountControl".into(),
            "badPwdCount".into(),
            // Operational in OpenLDAP's memberof overlay: asked for by name.
            "memberOf".into(),
        ];
        v.dedup();
        v
    }

    async fn search_users(&mut self, condition: &str, limit: i32) -> Result<Vec<AdEntry>, AdError> {
        let filter = format!("(&{}{condition})", self.conn.user_filter);
        let attrs = self.attributes();
        let base = self.conn.user_base.clone();
        let timeout = self.timeout;
        let res = self
            .ldap
            .with_timeout(timeout)
            .with_search_options(SearchOptions::new().sizelimit(limit))
            .search(&base, Scope::Subtree, &filter, attrs)
            .await
            .map_err(unavailable)?;
        if res.1.rc != 0 && res.1.rc != RC_SIZE_LIMIT_EXCEEDED {
            return Err(AdError::Refused(format!("rc {} {}", res.1.rc, res.1.text)));
        }
        Ok(res.0.into_iter().map(|e| self.entry(SearchEntry::construct(e))).collect())
    }

    fn entry(&self, e: SearchEntry) -> AdEntry {
        let a = &self.conn.attrs;
        let text = |name: &str| -> Option<String> {
            e.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.first()).map(|v| v.trim().to_owned())
        };
        let binary = |name: &str| -> Option<Vec<u8>> {
            e.bin_attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.first().cloned()).or_else(|| {
                e.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.first()).map(|v| v.as_bytes().to_vec())
            })
        };
        let uac: u32 = text("userAccountControl").and_then(|v| v.parse::<i64>().ok()).map_or(0, |v| v as u32);
        let groups = e
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("memberOf"))
            .map(|(_, v)| v.iter().filter_map(|dn| group_cn(dn)).collect())
            .unwrap_or_default();
        AdEntry {
            dn: e.dn.clone(),
            guid: binary("objectGUID").map(hex::encode).unwrap_or_default(),
            email: text(&a.email).filter(|v| !v.is_empty()),
            first_name: text(&a.first_name).filter(|v| !v.is_empty()),
            last_name: text(&a.last_name).filter(|v| !v.is_empty()),
            phone: text(&a.phone).filter(|v| !v.is_empty()),
            department: text(&a.department).filter(|v| !v.is_empty()),
            disabled: uac & ACCOUNTDISABLE != 0,
            bad_pwd_count: text("badPwdCount").and_then(|v| v.parse().ok()),
            groups,
        }
    }
}

/// The CN of a group's DN (`CN=SecBoard-Risk,OU=Groups,DC=corp`), unescaped; `None` when the DN
/// does not start with a CN.
pub fn group_cn(dn: &str) -> Option<String> {
    let (attr, rest) = dn.split_once('=')?;
    if !attr.trim().eq_ignore_ascii_case("cn") {
        return None;
    }
    let mut out = Vec::new();
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit) => {
                out.push(u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?, 16).ok()?);
                i += 3;
            }
            b'\\' if i + 1 < bytes.len() => {
                out.push(bytes[i + 1]);
                i += 2;
            }
            b',' | b'+' => break,
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A filter that matches an octet-string attribute exactly: every byte written as `\xx`.
fn binary_filter_value(hex_value: &str) -> Option<String> {
    let bytes = hex::decode(hex_value).ok()?;
    Some(bytes.iter().map(|b| format!("\\{b:02x}")).collect())
}

/// `(|(objectGUID=\..)(objectGUID=\..)...)` over values from [`binary_filter_value`].
fn any_guid_filter(values: &[String]) -> String {
    let mut filter = String::with_capacity(2 + values.len() * 61);
    filter.push_str("(|");
    for v in values {
        filter.push_str("(objectGUID=");
        filter.push_str(v);
        filter.push(')');
    }
    filter.push(')');
    filter
}

#[async_trait]
impl AdSession for Session {
    async fn find_by_email(&mut self, email: &str) -> Result<Vec<AdEntry>, AdError> {
        let attr = self.conn.attrs.email.clone();
        // Two, to tell one entry from an ambiguous email.
        self.search_users(&format!("({attr}={})", ldap_escape(email)), 2).await
    }

    async fn find_by_guid(&mut self, guid: &str) -> Result<Option<AdEntry>, AdError> {
        let Some(value) = binary_filter_value(guid).filter(|v| !v.is_empty()) else { return Ok(None) };
        Ok(self.search_users(&format!("(objectGUID={value})"), 2).await?.into_iter().next())
    }

    async fn find_by_guids(&mut self, guids: &[String]) -> Result<Vec<AdEntry>, AdError> {
        let mut values: Vec<String> = guids.iter().filter_map(|g| binary_filter_value(g)).filter(|v| !v.is_empty()).collect();
        values.sort();
        values.dedup();
        let mut found = Vec::with_capacity(values.len());
        for batch in values.chunks(GUID_BATCH) {
            let limit = i32::try_from(batch.len()).unwrap_or(i32::MAX);
            found.extend(self.search_users(&any_guid_filter(batch), limit).await?);
        }
        Ok(found)
    }

    async fn count_users(&mut self, max: usize) -> Result<usize, AdError> {
        let limit = i32::try_from(max).unwrap_or(i32::MAX);
        let filter = self.conn.user_filter.clone();
        let base = self.conn.user_base.clone();
        let timeout = self.timeout;
        let res = self
            .ldap
            .with_timeout(timeout)
            .with_search_options(SearchOptions::new().sizelimit(limit))
            .search(&base, Scope::Subtree, &filter, vec!["1.1"])
            .await
            .map_err(unavailable)?;
        if res.1.rc != 0 && res.1.rc != RC_SIZE_LIMIT_EXCEEDED {
            return Err(AdError::Refused(format!("rc {} {}", res.1.rc, res.1.text)));
        }
        Ok(res.0.len().min(max))
    }

    async fn lockout_threshold(&mut self) -> Result<Option<u32>, AdError> {
        // The domain object (the naming context the user base lies in) keeps the threshold.
        // AD names it `defaultNamingContext`; other servers list their `namingContexts`.
        let root = self
            .op()
            .search("", Scope::Base, "(objectClass=*)", vec!["defaultNamingContext", "namingContexts"])
            .await
            .map_err(unavailable)?;
        let naming = root.0.into_iter().next().map(SearchEntry::construct).and_then(|e| {
            let first = |name: &str| e.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.first().cloned());
            first("defaultNamingContext").or_else(|| first("namingContexts"))
        });
        let Some(naming) = naming else { return Ok(None) };
        let res = self.op().search(&naming, Scope::Base, "(objectClass=*)", vec!["lockoutThreshold"]).await.map_err(unavailable)?;
        Ok(res.0.into_iter().next().map(SearchEntry::construct).and_then(|e| {
            e.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case("lockoutThreshold")).and_then(|(_, v)| v.first()?.parse().ok())
        }))
    }

    async fn check_password(&mut self, dn: &str, password: &Password) -> Result<bool, AdError> {
        if password.expose().is_empty() || dn.is_empty() {
            return Ok(false);
        }
        let res = self.op().simple_bind(dn, password.expose()).await.map_err(unavailable)?;
        match res.rc {
            0 => Ok(true),
            RC_INVALID_CREDENTIALS => Ok(false),
            rc => Err(AdError::Refused(format!("bind rc {rc} {}", res.text))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_named_by_the_cn_of_its_dn() {
        assert_eq!(group_cn("CN=SecBoard-Risk,OU=Groups,DC=corp,DC=example").as_deref(), Some("SecBoard-Risk"));
        assert_eq!(group_cn("cn=Risk\\2C Managers,ou=g,dc=x").as_deref(), Some("Risk, Managers"));
        assert_eq!(group_cn("cn=A\\+B,dc=x").as_deref(), Some("A+B"));
        assert_eq!(group_cn("OU=Groups,DC=corp"), None);
        assert_eq!(group_cn("CN=,DC=corp"), None);
    }

    #[test]
    fn a_guid_is_matched_byte_by_byte_and_nothing_else_goes_into_its_filter() {
        assert_eq!(binary_filter_value("00ff2a").as_deref(), Some("\\00\\ff\\2a"));
        assert_eq!(binary_filter_value("*)(uid=*"), None);
    }

    #[test]
    fn guids_are_asked_for_in_one_or_filter_of_binary_values() {
        let values: Vec<String> = ["00ff2a", "10"].iter().filter_map(|g| binary_filter_value(g)).collect();
        assert_eq!(any_guid_filter(&values), "(|(objectGUID=\\00\\ff\\2a)(objectGUID=\\10))");
    }

    #[test]
    fn filter_values_are_escaped() {
        assert_eq!(ldap_escape("*)(objectClass=*"), "\\2a\\29\\28objectClass=\\2a");
    }
}
