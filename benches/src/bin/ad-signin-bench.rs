//! A directory sign-in's added cost over a local one (issue 13): `login::login` over the embedded
//! engine, interleaved, for an account with a local password and for a directory account against
//! a throwaway OpenLDAP slapd on loopback (StartTLS with a private CA, as the tests run it: the
//! service account's bind, the search by email, the domain's lockout threshold, the user's bind,
//! then the refresh of the profile from the entry). Both paths do one argon2id hash (the local
//! verify, or the dummy one on the directory path), so the difference is what the directory adds.
//! Each sign-in comes 2 minutes after the last on a clock the bench moves (no throttling).
//!
//!   ad-signin-bench N      (N sign-ins of each after 10 warm-up pairs; needs slapd, ldap-utils, openssl)

#[path = "../../../tests/src/ad_server.rs"]
#[allow(dead_code)]
mod ad_server;
#[path = "../../../tests/src/slapd.rs"]
#[allow(dead_code)]
mod slapd;

use secboard_domain::active_directory::{AdAttributes, AdSettings, seal_bind_password};
use secboard_domain::clock::{Clock, ManualClock, OsEntropy, SystemClock};
use secboard_domain::django_password::DjangoHash;
use secboard_domain::flows::login::{LoginInput, login};
use secboard_domain::flows::{Deps, bootstrap};
use secboard_domain::keys::MasterKey;
use secboard_domain::model::AuditTarget;
use secboard_domain::password::Password;
use secboard_domain::ports::{AdSettingsStore, DjangoVerifier};
use secboard_dynamodb::{DynamoStore, table};
use secboard_infra::embedded::{EmbeddedDynamo, local_sdk_config};
use std::sync::Arc;
use std::time::Instant;

/// No imported Django hashes here.
struct NoDjango;
impl DjangoVerifier for NoDjango {
    fn verify(&self, _: &str, _: &DjangoHash) -> bool {
        false
    }
}

fn stats(mut v: Vec<f64>) -> (f64, String) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    let median = v[n / 2];
    (median, format!("median {median:.2} ms, p10 {:.2} ms, p90 {:.2} ms", v[n / 10], v[n * 9 / 10]))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(100);
    let engine = EmbeddedDynamo::start(None).await?;
    let store = DynamoStore::new(&local_sdk_config(&engine.endpoint), "bench");
    table::ensure_table(store.client(), "bench").await?;
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let key = MasterKey::from_bytes([5; 32]);
    let deps = Deps {
        store: Arc::new(store),
        clock: clock.clone(),
        entropy: Arc::new(OsEntropy),
        time_zone: jiff::tz::TimeZone::UTC,
        key: key.clone(),
        rights: Default::default(),
    };
    let local = bootstrap::FirstAdmin {
        email: "local@example.com".into(),
        password: Password::new("a local admin passphrase"),
        first_name: None,
        last_name: None,
        company: None,
    };
    bootstrap::ensure_first_admin(&deps, local, "bench").await?;

    let server = slapd::Slapd::start();
    server.add_user(&slapd::AdUser::new("ada", "ada@corp.example", "Ada-pass-2026"));
    let settings = AdSettings {
        url: server.url(),
        ca_pem: Some(server.ca_pem.clone()),
        insecure: false,
        bind_dn: slapd::SERVICE_DN.into(),
        sealed_bind_password: Some(seal_bind_password(&key, &Password::new(slapd::SERVICE_PASSWORD), [7; 12])),
        user_base: slapd::PEOPLE.into(),
        user_filter: secboard_domain::active_directory::DEFAULT_USER_FILTER.into(),
        attrs: AdAttributes::default(),
        sync_groups: false,
        company_id: None,
        connect_timeout_ms: 2000,
        operation_timeout_ms: 2000,
        version: 1,
        updated_at: clock.now(),
    };
    let audit = deps.event(None, "directory.settings_created", AuditTarget::Global, serde_json::json!({}), None);
    deps.store.save_ad_settings(&settings, None, &audit).await?;

    let django: Arc<dyn DjangoVerifier> = Arc::new(NoDjango);
    let (mut local_ms, mut directory_ms) = (vec![], vec![]);
    for i in 0..n + 10 {
        for (email, password, out) in
            [("local@example.com", "a local admin passphrase", &mut local_ms), ("ada@corp.example", "Ada-pass-2026", &mut directory_ms)]
        {
            clock.advance(jiff::SignedDuration::from_mins(2));
            let input = LoginInput { email: email.into(), password: Password::new(password) };
            let started = Instant::now();
            login(&deps, &django, &secboard_ldap::LdapClient, input, "10.0.0.1", None).await?;
            if i >= 10 {
                out.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    let (l, local_text) = stats(local_ms);
    let (d, directory_text) = stats(directory_ms);
    println!("local sign-in:     {local_text}");
    println!("directory sign-in: {directory_text}");
    println!("added by the directory (medians): {:.2} ms", d - l);
    Ok(())
}
