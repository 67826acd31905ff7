//! AccountStore: accounts, profiles, the email marker, superusers, setup tokens.

use super::{Fx, conflict};
use jiff::SignedDuration;
use secboard_domain::email::Email;
use secboard_domain::model::AuditTarget;
use secboard_domain::ports::AccountStore;
use secboard_domain::superusers;
use secboard_tests::TestApp;

#[tokio::test]
async fn an_email_is_unique_case_insensitively() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let first = fx.account("Ada.Lovelace@Example.com");
    t.store.create_account(&first, &fx.audit()).await.unwrap();

    let twin = fx.account("ada.lovelace@EXAMPLE.COM");
    let e = t.store.create_account(&twin, &fx.audit()).await.unwrap_err();
    assert_eq!(conflict(e), (Some("email".into()), "an account with this email already exists".into()));
    assert!(t.store.get_user(&twin.id).await.unwrap().is_none(), "nothing of the refused account is written");

    let found = t.store.user_id_by_email(&Email::parse("e", "ADA.LOVELACE@example.com").unwrap()).await.unwrap();
    assert_eq!(found, Some(first.id));
}

#[tokio::test]
async fn the_last_superuser_cannot_be_deleted() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let admin = t.store.get_user(&fx.admin().await.id).await.unwrap().unwrap();
    assert!(admin.account.superuser && t.store.has_superuser().await.unwrap());

    let e = t.store.delete_user(&admin, &[], &fx.audit()).await.unwrap_err();
    assert_eq!(conflict(e), conflict(superusers::last_superuser()));
    assert!(t.store.get_user(&admin.account.id).await.unwrap().is_some(), "the refused delete wrote nothing");

    // With a second superuser the first may go; then the second is the last.
    let mut second = fx.account("second@example.com");
    second.superuser = true;
    t.store.create_account(&second, &fx.audit()).await.unwrap();
    t.store.delete_user(&admin, &[], &fx.audit()).await.unwrap();
    let second = t.store.get_user(&second.id).await.unwrap().unwrap();
    let e = t.store.delete_user(&second, &[], &fx.audit()).await.unwrap_err();
    assert_eq!(conflict(e).1, "this is the last superuser; make another one first");
    assert!(t.store.has_superuser().await.unwrap());
}

#[tokio::test]
async fn a_deleted_user_frees_their_email_and_leaves_nothing_behind() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let company = fx.company("Acme").await;
    let (account, _) = fx.user("gone@example.com", &company, &[]).await;
    let user = t.store.get_user(&account.id).await.unwrap().unwrap();
    assert!(user.profile.is_some());

    t.store.delete_user(&user, &[], &fx.event("user.deleted", AuditTarget::User(account.id.clone()))).await.unwrap();
    assert!(t.store.get_user(&account.id).await.unwrap().is_none());
    let email = Email::parse("e", "gone@example.com").unwrap();
    assert_eq!(t.store.user_id_by_email(&email).await.unwrap(), None);
    let pk = format!("USER#{}", account.id);
    assert!(t.all_items().await.iter().all(|i| i["pk"].as_s().unwrap() != &pk), "the whole partition is gone");

    let again = fx.account("gone@example.com");
    t.store.create_account(&again, &fx.audit()).await.expect("the email is free again");
}

#[tokio::test]
async fn a_profile_saved_from_a_stale_read_is_refused() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let company = fx.company("Acme").await;
    let (_, mut profile) = fx.user("p@example.com", &company, &[]).await;

    profile.version = 2;
    profile.completed = true;
    let e = t.store.save_profile(&profile, 7, None).await.unwrap_err();
    assert_eq!(conflict(e).0.as_deref(), Some("version"));

    t.store.save_profile(&profile, 1, None).await.unwrap();
    let saved = t.store.get_user(&profile.user_id).await.unwrap().unwrap().profile.unwrap();
    assert_eq!((saved.version, saved.completed), (2, true));
    assert!(t.store.save_profile(&profile, 1, None).await.is_err(), "the same read cannot be saved twice");
}

#[tokio::test]
async fn a_setup_token_is_spent_once_and_not_after_expiry() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let in_an_hour = fx.now() + SignedDuration::from_hours(1);
    t.store.put_setup_token("digest-a", in_an_hour).await.unwrap();
    t.store.put_setup_token("digest-b", in_an_hour).await.unwrap();

    assert!(!t.store.take_setup_token("digest-unknown", fx.now()).await.unwrap());
    assert!(t.store.take_setup_token("digest-a", fx.now()).await.unwrap());
    assert!(!t.store.take_setup_token("digest-a", fx.now()).await.unwrap(), "spent");
    assert!(!t.store.take_setup_token("digest-b", in_an_hour).await.unwrap(), "expired at its expiry");
}
