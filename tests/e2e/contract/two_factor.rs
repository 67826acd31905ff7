//! TwoFactorStore: authenticators and backup codes in the user's partition.

use super::{Fx, conflict};
use jiff::SignedDuration;
use secboard_domain::model::{Account, TotpEnrolment, TotpPending};
use secboard_domain::ports::{AccountChange, AccountStore, TwoFactorStore};
use secboard_tests::TestApp;

/// An account with a pending secret, and the enrolment that confirms it.
async fn pending(fx: &Fx<'_>) -> (Account, TotpEnrolment) {
    let a = fx.account("tf@example.com");
    fx.t.store.create_account(&a, &fx.audit()).await.unwrap();
    let p = TotpPending { sealed_secret: vec![9; 32], expires_at: fx.now() + SignedDuration::from_mins(10) };
    fx.t.store.put_pending_totp(&a.id, &p, &fx.audit()).await.unwrap();
    let kept = fx.t.store.get_pending_totp(&a.id).await.unwrap().expect("the pending secret");
    // The expiry is kept to the second (it is also the item's TTL).
    assert_eq!((kept.sealed_secret, kept.expires_at.as_second()), (p.sealed_secret, p.expires_at.as_second()));
    let e =
        TotpEnrolment { sealed_secret: vec![9; 32], last_step: 100, backup_codes: vec!["c1".into(), "c2".into()], enrolled_at: fx.now() };
    (a, e)
}

/// The account as the change saves it (one version on) and the change itself.
fn next(a: &Account, totp: bool) -> Account {
    Account { version: a.version + 1, totp_enrolled: totp, ..a.clone() }
}

#[tokio::test]
async fn two_factor_is_enabled_once_from_an_unexpired_set_up() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (a, e) = pending(&fx).await;
    let on = next(&a, true);
    let audit = fx.audit();
    let change = AccountChange { account: &on, read_version: a.version, mail: None, audit: &audit };

    let late = fx.now() + SignedDuration::from_mins(10);
    let refused = t.store.enable_totp(&e, late, &change, None).await.unwrap_err();
    assert_eq!(conflict(refused).0.as_deref(), Some("code"), "expired at its expiry");

    t.store.enable_totp(&e, fx.now(), &change, None).await.unwrap();
    assert_eq!(t.store.get_totp(&a.id).await.unwrap(), Some(e.clone()));
    assert_eq!(t.store.get_pending_totp(&a.id).await.unwrap(), None, "the set-up is spent");
    assert!(t.store.get_user(&a.id).await.unwrap().unwrap().account.totp_enrolled);

    // Set up again and confirm while it is on: refused, naming the authenticator.
    let p = TotpPending { sealed_secret: vec![1; 32], expires_at: fx.now() + SignedDuration::from_mins(10) };
    t.store.put_pending_totp(&a.id, &p, &fx.audit()).await.unwrap();
    let again = next(&on, true);
    let change = AccountChange { account: &again, read_version: on.version, mail: None, audit: &audit };
    assert_eq!(conflict(t.store.enable_totp(&e, fx.now(), &change, None).await.unwrap_err()).1, "two-factor authentication is already on");
}

#[tokio::test]
async fn a_time_step_is_accepted_once_and_only_forward() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (a, e) = pending(&fx).await;
    let on = next(&a, true);
    let audit = fx.audit();
    t.store
        .enable_totp(&e, fx.now(), &AccountChange { account: &on, read_version: a.version, mail: None, audit: &audit }, None)
        .await
        .unwrap();

    assert!(!t.store.accept_totp_step(&a.id, 100, None).await.unwrap(), "the step it was enrolled at");
    assert!(t.store.accept_totp_step(&a.id, 101, None).await.unwrap());
    assert!(!t.store.accept_totp_step(&a.id, 101, None).await.unwrap(), "used");
    assert!(!t.store.accept_totp_step(&a.id, 99, None).await.unwrap(), "earlier");
    assert!(t.store.accept_totp_step(&a.id, 103, None).await.unwrap());
    assert_eq!(t.store.get_totp(&a.id).await.unwrap().unwrap().last_step, 103);
}

#[tokio::test]
async fn a_backup_code_is_spent_once_and_replacing_them_revives_none() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (a, e) = pending(&fx).await;
    let on = next(&a, true);
    let audit = fx.audit();
    t.store
        .enable_totp(&e, fx.now(), &AccountChange { account: &on, read_version: a.version, mail: None, audit: &audit }, None)
        .await
        .unwrap();

    assert!(t.store.spend_backup_code(&a.id, "c1", None).await.unwrap());
    assert!(!t.store.spend_backup_code(&a.id, "c1", None).await.unwrap(), "spent");
    assert!(!t.store.spend_backup_code(&a.id, "unknown", None).await.unwrap());
    assert_eq!(t.store.get_totp(&a.id).await.unwrap().unwrap().backup_codes, ["c2"]);

    t.store.replace_backup_codes(&a.id, &["n1".into(), "n2".into()], None, &fx.audit()).await.unwrap();
    assert!(!t.store.spend_backup_code(&a.id, "c2", None).await.unwrap(), "the old codes are gone");
    assert!(t.store.spend_backup_code(&a.id, "n2", None).await.unwrap());
}

#[tokio::test]
async fn disabling_removes_the_authenticator_and_is_refused_when_it_is_off() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (a, e) = pending(&fx).await;
    let on = next(&a, true);
    let audit = fx.audit();
    t.store
        .enable_totp(&e, fx.now(), &AccountChange { account: &on, read_version: a.version, mail: None, audit: &audit }, None)
        .await
        .unwrap();

    let stale = next(&a, false);
    let refused = t.store.disable_totp(&AccountChange { account: &stale, read_version: a.version, mail: None, audit: &audit }).await;
    assert_eq!(conflict(refused.unwrap_err()).0.as_deref(), Some("version"), "based on a read before 2FA was on");
    assert!(t.store.get_totp(&a.id).await.unwrap().is_some(), "nothing was removed");

    let off = next(&on, false);
    t.store.disable_totp(&AccountChange { account: &off, read_version: on.version, mail: None, audit: &audit }).await.unwrap();
    assert_eq!(t.store.get_totp(&a.id).await.unwrap(), None);
    let again = next(&off, false);
    let refused = t.store.disable_totp(&AccountChange { account: &again, read_version: off.version, mail: None, audit: &audit }).await;
    assert_eq!(conflict(refused.unwrap_err()).1, "two-factor authentication is not on");
    assert!(t.store.replace_backup_codes(&a.id, &["x".into()], None, &audit).await.is_err(), "no codes without an authenticator");
}
