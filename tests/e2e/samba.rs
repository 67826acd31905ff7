//! Active Directory (issue 13) against a real domain controller: the scenarios of
//! tests/e2e/active_directory.rs (proven there against slapd, one server per test) run in
//! sequence against one Samba AD DC, each in an OU of its own.
//!
//! One test starts the DC once for the run and runs every scenario on it: nextest runs each test
//! in a process of its own, and a DC is too slow to provision per test (and its ports are fixed,
//! so DCs cannot run side by side). A failing scenario does not stop the others; the test fails
//! at the end naming each one that failed (its panic is printed above). The nextest test group
//! `samba-dc` (.config/nextest.toml) runs anything named `samba` alone, and the DC holds a file
//! lock for its lifetime, so two runs on one machine wait for each other.
//!
//! Samba is installed by infra/test-all.sh; without it this test fails, naming the packages.

use crate::active_directory::on;
use futures::FutureExt;
use secboard_domain::active_directory::{AdAttributes, AdClient, AdConnection, DEFAULT_USER_FILTER, Transport};
use secboard_domain::password::Password;
use secboard_tests::ad_server::{AdUser, DirectoryServer};
use secboard_tests::samba::{SERVICE_DN, SERVICE_PASSWORD, Samba, SambaScope};
use std::panic::AssertUnwindSafe;
use std::time::Instant;

/// Runs each scenario on its own scope of the DC; answers the names of those that failed.
macro_rules! scenarios {
    ($dc:expr; $($name:path),* $(,)?) => {{
        let mut failed: Vec<&str> = Vec::new();
        let mut n = 0;
        $(
            n += 1;
            let scope = $dc.scope(&format!("s{n:02}"));
            let started = Instant::now();
            match AssertUnwindSafe($name(&scope)).catch_unwind().await {
                Ok(()) => eprintln!("ok    {} ({:.1?})", stringify!($name), started.elapsed()),
                Err(_) => {
                    eprintln!("FAIL  {} ({})", stringify!($name), scope.name());
                    failed.push(stringify!($name));
                }
            }
        )*
        failed
    }};
}

#[tokio::test]
async fn samba_ad_dc_proves_the_directory_rules() {
    let dc = Samba::start();
    eprintln!("Samba AD DC provisioned and answering after {:.1?} (in {})", dc.started_in, dc.folder().display());
    let failed = scenarios!(dc;
        on::a_directory_user_signs_in_to_one_account_linked_by_guid_that_waits_at_no_profile,
        on::a_new_directory_user_gets_a_cabinet_profile_in_the_settings_company_filled_from_the_directory,
        on::attributes_changed_in_the_directory_change_in_secboard_at_the_next_sign_in,
        on::refresh_from_ad_rereads_the_attributes_and_the_disabled_state_through_the_service_account,
        on::a_directory_email_another_account_has_is_not_taken_and_the_user_still_signs_in,
        on::a_disabled_directory_user_is_refused_and_let_in_after_enabling,
        the_dc_itself_refuses_a_disabled_accounts_bind,
        on::group_sync_adds_exactly_the_marked_groups_the_directory_names_and_removes_nothing,
        on::a_filter_injection_in_the_email_finds_nothing,
        on::a_sign_in_that_would_lock_the_directory_account_is_not_tried,
        on::a_local_account_without_a_password_is_claimed_by_its_directory_entry,
        on::the_test_binds_over_starttls_with_the_given_ca_and_counts_the_users,
        on::the_scheduled_sync_mirrors_disabled_and_deleted_directory_users_and_ends_their_sessions,
    );
    assert!(failed.is_empty(), "against the Samba AD DC, these scenarios failed: {failed:#?}");
}

/// Past SecBoard's own check of ACCOUNTDISABLE: the DC refuses a disabled account's bind with
/// the right password (rc 49, `data 533`), which the adapter takes as a refusal, not an outage.
async fn the_dc_itself_refuses_a_disabled_accounts_bind(dir: &SambaScope<'_>) {
    let (dn, _) = dir.add_user(&AdUser { disabled: true, ..AdUser::new("dis", "dis@corp.example", "Dis-pass-2026") });
    let settings = dir.settings();
    let conn = AdConnection {
        url: settings["url"].as_str().unwrap().to_owned(),
        transport: Transport::StartTls,
        ca_pem: settings["ca_pem"].as_str().map(str::to_owned),
        bind_dn: SERVICE_DN.to_owned(),
        bind_password: Password::new(SERVICE_PASSWORD),
        user_base: dir.base().to_owned(),
        user_filter: DEFAULT_USER_FILTER.to_owned(),
        attrs: AdAttributes::default(),
        connect_timeout: jiff::SignedDuration::from_secs(5),
        operation_timeout: jiff::SignedDuration::from_secs(5),
    };
    let mut session = secboard_ldap::LdapClient.open(&conn).await.expect("the service account binds");
    let found = session.find_by_email("dis@corp.example").await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].disabled, "ACCOUNTDISABLE read from userAccountControl: {found:?}");
    assert_eq!(found[0].dn, dn);
    let bound = session.check_password(&dn, &Password::new("Dis-pass-2026")).await;
    assert!(matches!(bound, Ok(false)), "the right password of a disabled account: {bound:?}");
    dir.enable(&dn);
    let mut session = secboard_ldap::LdapClient.open(&conn).await.unwrap();
    assert!(matches!(session.check_password(&dn, &Password::new("Dis-pass-2026")).await, Ok(true)), "enabled: the bind succeeds");
}
