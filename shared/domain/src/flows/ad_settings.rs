//! The directory connection (`GET/PUT/DELETE /api/org/directory`, `POST /api/org/directory/test`):
//! one for the deployment, set by a superuser only, with a recent sign-in for every change (the
//! same re-authentication as 2FA changes). The service account's password is sealed at rest and
//! never answered; changing `url`, `ca_pem`, `insecure` or `bind_dn` forgets it, so it must be
//! given again (nobody can point the sealed password at a server of their own). Every change is
//! in the audit log, without the password.

use super::Deps;
use super::authorize::Principal;
use super::two_factor::{Reauth, require_recent};
use crate::active_directory::{
    self as ad, AdAttributes, AdClient, AdError, AdSettings, AdSettingsView, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_OPERATION_TIMEOUT_MS,
    DEFAULT_USER_FILTER, TEST_COUNT_MAX, TIMEOUT_MAX_MS, TIMEOUT_MIN_MS,
};
use crate::clock::random_bytes;
use crate::ids::CompanyId;
use crate::model::AuditTarget;
use crate::password::Password;
use crate::ports::Store;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `PUT /api/org/directory`: the whole settings (defaults for what is left out), `version` as
/// read when some exist, and `password`/`code` as proof when the sign-in is not recent.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AdSettingsInput {
    pub url: String,
    pub ca_pem: Option<String>,
    #[serde(default)]
    pub insecure: bool,
    pub bind_dn: String,
    pub bind_password: Option<Password>,
    pub user_base: String,
    pub user_filter: Option<String>,
    pub attr_email: Option<String>,
    pub attr_first_name: Option<String>,
    pub attr_last_name: Option<String>,
    pub attr_phone: Option<String>,
    pub attr_department: Option<String>,
    #[serde(default)]
    pub sync_groups: bool,
    pub company_id: Option<String>,
    pub connect_timeout_ms: Option<u32>,
    pub operation_timeout_ms: Option<u32>,
    pub version: Option<u64>,
    pub password: Option<Password>,
    pub code: Option<String>,
}

/// `DELETE /api/org/directory` and `POST /api/org/directory/test`: proof when not recent.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProofInput {
    pub password: Option<Password>,
    pub code: Option<String>,
}

impl ProofInput {
    fn reauth(self) -> Reauth {
        Reauth { password: self.password, code: self.code }
    }
}

/// What the connection test found.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TestOutcome {
    pub ok: bool,
    /// Users the filter finds under the base, at most [`TEST_COUNT_MAX`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users_found: Option<usize>,
    /// `unavailable`, `service_refused` or `search_refused`, when not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Longest DN, filter or base accepted; longest CA bundle.
const DN_MAX: usize = 1024;
const CA_MAX: usize = 64 * 1024;
const BIND_PASSWORD_MAX: usize = 256;

fn superuser_only(p: &Principal) -> Result<()> {
    if p.user.account.superuser {
        Ok(())
    } else {
        Err(Error::not_permitted("directory", "only a superuser manages the directory connection"))
    }
}

fn dn(field: &str, v: &str) -> Result<String> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > DN_MAX || v.chars().any(char::is_control) || !v.contains('=') {
        return Err(Error::invalid(field, format!("must be a DN like CN=svc,OU=Service,DC=corp,DC=example (at most {DN_MAX} characters)")));
    }
    Ok(v.to_owned())
}

/// An LDAP filter: parenthesised, balanced, no control characters.
fn filter(v: &str) -> Result<String> {
    let v = v.trim();
    let bad = || Error::invalid("user_filter", "must be an LDAP filter in parentheses, like (objectClass=user)");
    if !v.starts_with('(') || !v.ends_with(')') || v.chars().count() > DN_MAX || v.chars().any(char::is_control) {
        return Err(bad());
    }
    let mut depth = 0i32;
    for (i, c) in v.char_indices() {
        let escaped = i > 0 && v.as_bytes()[i - 1] == b'\\';
        match c {
            '(' if !escaped => depth += 1,
            ')' if !escaped => {
                depth -= 1;
                if depth < 0 {
                    return Err(bad());
                }
            }
            _ => {}
        }
    }
    if depth != 0 { Err(bad()) } else { Ok(v.to_owned()) }
}

/// An attribute description (a name or an OID), or the default when left out.
fn attribute(field: &str, v: Option<String>, default: &str) -> Result<String> {
    let Some(v) = v else { return Ok(default.to_owned()) };
    let v = v.trim();
    let name = v.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let oid = !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.');
    if v.len() > 64 || !(name || oid) {
        return Err(Error::invalid(field, "must be an attribute name (letters, digits, dashes) or an OID"));
    }
    Ok(v.to_owned())
}

fn timeout(field: &str, v: Option<u32>, default: u32) -> Result<u32> {
    let v = v.unwrap_or(default);
    if !(TIMEOUT_MIN_MS..=TIMEOUT_MAX_MS).contains(&v) {
        return Err(Error::invalid(field, format!("must be from {TIMEOUT_MIN_MS} to {TIMEOUT_MAX_MS} milliseconds")));
    }
    Ok(v)
}

fn ca(v: Option<String>) -> Result<Option<String>> {
    let Some(v) = v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else { return Ok(None) };
    if v.len() > CA_MAX || !v.starts_with("-----BEGIN CERTIFICATE-----") || !v.contains("-----END CERTIFICATE-----") {
        return Err(Error::invalid("ca_pem", "must be one or more PEM certificates (-----BEGIN CERTIFICATE----- ...)"));
    }
    Ok(Some(v))
}

/// `GET /api/org/directory`: the settings without the password; 404 when there are none.
pub async fn get<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal) -> Result<AdSettingsView> {
    superuser_only(p)?;
    deps.store.get_ad_settings().await?.map(|s| s.view()).ok_or(Error::NotFound("directory connection"))
}

/// `PUT /api/org/directory`: creates or replaces the settings.
pub async fn put<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, input: AdSettingsInput) -> Result<AdSettingsView> {
    superuser_only(p)?;
    require_recent(deps, p, &Reauth { password: input.password, code: input.code }).await?;
    ad::transport(input.url.trim(), input.insecure)?;
    let company_id = match input.company_id.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => {
            let id = CompanyId::parse("company_id", c)?;
            if deps.store.get_company(&id).await?.is_none() {
                return Err(Error::invalid("company_id", "no such company"));
            }
            Some(id)
        }
        None => None,
    };
    let d = AdAttributes::default();
    let mut settings = AdSettings {
        url: input.url.trim().to_owned(),
        ca_pem: ca(input.ca_pem)?,
        insecure: input.insecure,
        bind_dn: dn("bind_dn", &input.bind_dn)?,
        sealed_bind_password: None,
        user_base: dn("user_base", &input.user_base)?,
        user_filter: filter(input.user_filter.as_deref().unwrap_or(DEFAULT_USER_FILTER))?,
        attrs: AdAttributes {
            email: attribute("attr_email", input.attr_email, &d.email)?,
            first_name: attribute("attr_first_name", input.attr_first_name, &d.first_name)?,
            last_name: attribute("attr_last_name", input.attr_last_name, &d.last_name)?,
            phone: attribute("attr_phone", input.attr_phone, &d.phone)?,
            department: attribute("attr_department", input.attr_department, &d.department)?,
        },
        sync_groups: input.sync_groups,
        company_id,
        connect_timeout_ms: timeout("connect_timeout_ms", input.connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS)?,
        operation_timeout_ms: timeout("operation_timeout_ms", input.operation_timeout_ms, DEFAULT_OPERATION_TIMEOUT_MS)?,
        version: 1,
        updated_at: deps.now(),
    };
    if let Some(pw) = &input.bind_password {
        let n = pw.expose().chars().count();
        if n == 0 || n > BIND_PASSWORD_MAX {
            return Err(Error::invalid("bind_password", format!("must be from 1 to {BIND_PASSWORD_MAX} characters")));
        }
    }
    let before = deps.store.get_ad_settings().await?;
    let expected = match (&before, input.version) {
        (None, _) => None,
        (Some(b), Some(v)) if v == b.version => Some(v),
        (Some(_), Some(_)) => return Err(Error::stale()),
        (Some(_), None) => return Err(Error::invalid("version", "is required to change the settings: send the version you read")),
    };
    let moved = before.as_ref().is_none_or(|b| b.moves_password(&settings));
    settings.sealed_bind_password = match (&input.bind_password, &before) {
        (Some(pw), _) => Some(ad::seal_bind_password(&deps.key, pw, random_bytes::<12>(deps.entropy.as_ref()))),
        (None, Some(b)) if !moved => b.sealed_bind_password.clone(),
        (None, _) => {
            return Err(Error::invalid(
                "bind_password",
                "is required: a new connection, or a change of url, ca_pem, insecure or bind_dn, needs the password again",
            ));
        }
    };
    settings.version = before.as_ref().map_or(1, |b| b.version + 1);
    let changed: Vec<&str> = match &before {
        None => vec![],
        Some(b) => changed_fields(b, &settings),
    };
    let action = if before.is_some() { "directory.settings_changed" } else { "directory.settings_created" };
    let audit = deps.event(
        Some(p.id()),
        action,
        AuditTarget::Global,
        json!({
            "url": settings.url,
            "bind_dn": settings.bind_dn,
            "changed": changed,
            "bind_password_given": input.bind_password.is_some(),
            "bind_password_forgotten": before.is_some() && moved && input.bind_password.is_none(),
        }),
        Some(&p.source_ip),
    );
    deps.store.save_ad_settings(&settings, expected, &audit).await?;
    Ok(settings.view())
}

fn changed_fields(b: &AdSettings, a: &AdSettings) -> Vec<&'static str> {
    let mut v = vec![];
    let mut check = |name: &'static str, differs: bool| {
        if differs {
            v.push(name)
        }
    };
    check("url", b.url != a.url);
    check("ca_pem", b.ca_pem != a.ca_pem);
    check("insecure", b.insecure != a.insecure);
    check("bind_dn", b.bind_dn != a.bind_dn);
    check("bind_password", b.sealed_bind_password != a.sealed_bind_password);
    check("user_base", b.user_base != a.user_base);
    check("user_filter", b.user_filter != a.user_filter);
    check("attributes", b.attrs != a.attrs);
    check("sync_groups", b.sync_groups != a.sync_groups);
    check("company_id", b.company_id != a.company_id);
    check("timeouts", b.connect_timeout_ms != a.connect_timeout_ms || b.operation_timeout_ms != a.operation_timeout_ms);
    v
}

/// `DELETE /api/org/directory`: turns the directory off. Its accounts stay; they can get a local
/// password only through an administrator's first-access link.
pub async fn delete<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, proof: ProofInput) -> Result<()> {
    superuser_only(p)?;
    require_recent(deps, p, &proof.reauth()).await?;
    let audit = deps.event(Some(p.id()), "directory.settings_deleted", AuditTarget::Global, json!({}), Some(&p.source_ip));
    if deps.store.delete_ad_settings(&audit).await? { Ok(()) } else { Err(Error::NotFound("directory connection")) }
}

/// `POST /api/org/directory/test`: binds with the stored service account and counts the users the
/// filter finds (at most a page).
pub async fn test<S: Store + ?Sized>(deps: &Deps<S>, client: &dyn AdClient, p: &Principal, proof: ProofInput) -> Result<TestOutcome> {
    superuser_only(p)?;
    require_recent(deps, p, &proof.reauth()).await?;
    let settings = deps.store.get_ad_settings().await?.ok_or(Error::NotFound("directory connection"))?;
    let conn = settings.connection(&deps.key)?.ok_or_else(|| Error::invalid("bind_password", "is not set: save it first"))?;
    let result = async {
        let mut session = client.open(&conn).await?;
        session.count_users(TEST_COUNT_MAX).await
    }
    .await;
    let outcome = match result {
        Ok(n) => TestOutcome { ok: true, users_found: Some(n), reason: None, detail: None },
        Err(e) => {
            let reason = match &e {
                AdError::Unavailable(_) => "unavailable",
                AdError::ServiceRefused(_) => "service_refused",
                AdError::Refused(_) => "search_refused",
            };
            TestOutcome { ok: false, users_found: None, reason: Some(reason), detail: Some(e.to_string()) }
        }
    };
    let audit = deps.event(
        Some(p.id()),
        "directory.tested",
        AuditTarget::Global,
        json!({ "ok": outcome.ok, "users_found": outcome.users_found, "reason": outcome.reason }),
        Some(&p.source_ip),
    );
    deps.store.append(&audit).await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_must_be_parenthesised_and_balanced() {
        assert!(filter("(objectClass=user)").is_ok());
        assert!(filter("(&(objectClass=user)(!(cn=a\\29b)))").is_ok());
        for bad in ["objectClass=user", "(objectClass=user", "(a))(", "(a)(b))", ""] {
            assert!(filter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn attribute_names_are_names_or_oids() {
        assert_eq!(attribute("attr_email", None, "mail").unwrap(), "mail");
        assert_eq!(attribute("attr_email", Some("userPrincipalName".into()), "mail").unwrap(), "userPrincipalName");
        assert!(attribute("attr_email", Some("1.2.840.113556.1.4.656".into()), "mail").is_ok());
        for bad in ["mail)(cn=*", "", "1mail", "ma il"] {
            assert!(
                matches!(attribute("attr_email", Some(bad.into()), "mail"), Err(Error::Invalid { ref field, .. }) if field == "attr_email")
            );
        }
    }
}
