//! `floor-direct` plus the Active Directory client (ldap3 over rustls, the system's roots or a
//! private CA), as sign-in and the directory sync link it: open, find, check a password. Its size
//! over `floor-direct` is the part's.

#[path = "../floor.rs"]
mod floor;
use secboard_domain::active_directory::{AdAttributes, AdClient, AdConnection, Transport};
use secboard_domain::password::Password;

fn main() -> Result<(), lambda_http::Error> {
    floor::main_with(|body| async move {
        let url = String::from_utf8_lossy(&body).into_owned();
        let conn = AdConnection {
            transport: if url.starts_with("ldaps:") { Transport::Tls } else { Transport::StartTls },
            url,
            ca_pem: None,
            bind_dn: "CN=svc,DC=example,DC=com".into(),
            bind_password: Password::new("secret"),
            user_base: "DC=example,DC=com".into(),
            user_filter: "(objectClass=user)".into(),
            attrs: AdAttributes::default(),
            connect_timeout: jiff::SignedDuration::from_secs(1),
            operation_timeout: jiff::SignedDuration::from_secs(1),
        };
        let Ok(mut session) = secboard_ldap::LdapClient.open(&conn).await else { return 0 };
        let found = session.find_by_email("someone@example.com").await.map_or(0, |e| e.len());
        let threshold = session.lockout_threshold().await.ok().flatten().unwrap_or(0) as usize;
        let checked = session.check_password("CN=someone,DC=example,DC=com", &Password::new("x")).await.is_ok_and(|ok| ok);
        found + threshold + usize::from(checked)
    })
}
