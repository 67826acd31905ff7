//! LinkStore: one live one-time link per user and kind.

use super::{Fx, conflict};
use jiff::SignedDuration;
use secboard_domain::Error;
use secboard_domain::links::LinkKind;
use secboard_domain::model::Account;
use secboard_domain::ports::{AccountStore, LinkStore, MailStore, StoredLink};
use secboard_tests::TestApp;

async fn account(fx: &Fx<'_>) -> Account {
    let a = fx.account("link@example.com");
    fx.t.store.create_account(&a, &fx.audit()).await.unwrap();
    a
}

#[tokio::test]
async fn a_link_is_spent_once_and_not_after_expiry() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let a = account(&fx).await;
    let expires = fx.now() + LinkKind::Reset.lifetime();
    t.store.put_link(&a.id, LinkKind::Reset, "d1", expires, &fx.mail(Some(&a.id)), &fx.audit()).await.unwrap();

    let spend = |digest: &'static str, at| {
        let (store, id, audit) = (t.store.clone(), a.id.clone(), fx.audit());
        async move { store.spend_link(&id, LinkKind::Reset, digest, at, None, None, &audit).await.unwrap() }
    };
    assert!(!spend("wrong", fx.now()).await, "another digest does not spend it");
    assert!(spend("d1", fx.now()).await);
    assert!(!spend("d1", fx.now()).await, "spent once");

    t.store.put_link(&a.id, LinkKind::Reset, "d2", expires, &fx.mail(Some(&a.id)), &fx.audit()).await.unwrap();
    assert!(!spend("d2", expires).await, "not at its expiry");
    assert!(!spend("d2", expires + SignedDuration::from_secs(1)).await, "nor after");
}

#[tokio::test]
async fn a_new_link_replaces_the_live_one_of_its_kind_only() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let a = account(&fx).await;
    let expires = fx.now() + SignedDuration::from_hours(1);
    for (kind, digest) in [(LinkKind::Reset, "old"), (LinkKind::Reset, "new"), (LinkKind::Magic, "magic")] {
        t.store.put_link(&a.id, kind, digest, expires, &fx.mail(Some(&a.id)), &fx.audit()).await.unwrap();
    }
    let now = fx.now();
    assert!(!t.store.spend_link(&a.id, LinkKind::Reset, "old", now, None, None, &fx.audit()).await.unwrap());
    assert!(t.store.spend_link(&a.id, LinkKind::Reset, "new", now, None, None, &fx.audit()).await.unwrap());
    assert!(t.store.spend_link(&a.id, LinkKind::Magic, "magic", now, None, None, &fx.audit()).await.unwrap());
}

#[tokio::test]
async fn no_link_or_mail_is_written_for_a_deleted_user() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let nobody = fx.user_id();
    let mail = fx.mail(Some(&nobody));
    let e = t.store.put_link(&nobody, LinkKind::Reset, "d", fx.now() + SignedDuration::from_hours(1), &mail, &fx.audit()).await;
    assert!(matches!(e, Err(Error::NotFound("user"))), "{e:?}");
    assert!(t.store.pending_mail(100, fx.now()).await.unwrap().iter().all(|m| m.id != mail.id));
}

#[tokio::test]
async fn spending_a_link_with_a_stale_account_writes_nothing() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let a = account(&fx).await;
    let expires = fx.now() + SignedDuration::from_hours(1);
    t.store.put_link(&a.id, LinkKind::Reset, "d", expires, &fx.mail(Some(&a.id)), &fx.audit()).await.unwrap();

    let mut changed = a.clone();
    changed.version = 2;
    changed.force_password_change = true;
    let now = fx.now();
    let e = t.store.spend_link(&a.id, LinkKind::Reset, "d", now, Some((&changed, 5)), None, &fx.audit()).await.unwrap_err();
    assert_eq!(conflict(e).0.as_deref(), Some("version"));
    assert_eq!(t.store.get_user(&a.id).await.unwrap().unwrap().account, a, "the account is as it was");

    assert!(t.store.spend_link(&a.id, LinkKind::Reset, "d", now, Some((&changed, 1)), None, &fx.audit()).await.unwrap());
    assert_eq!(t.store.get_user(&a.id).await.unwrap().unwrap().account, changed, "the link was still there to spend");
}

#[tokio::test]
async fn a_users_links_read_back_with_their_kind_digest_and_expiry_in_one_round_trip() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let a = account(&fx).await;
    let expires = fx.now() + LinkKind::Reset.lifetime();
    t.store.put_link(&a.id, LinkKind::Reset, "r", expires, &fx.mail(Some(&a.id)), &fx.audit()).await.unwrap();
    t.store.put_link(&a.id, LinkKind::Magic, "m", expires, &fx.mail(Some(&a.id)), &fx.audit()).await.unwrap();
    let before = t.store.calls();
    let links = t.store.links(&a.id, &[LinkKind::Reset, LinkKind::FirstAccess]).await.unwrap();
    assert_eq!(t.store.calls() - before, 1);
    // Expiry is kept to the second.
    let expires_at = jiff::Timestamp::from_second(expires.as_second()).unwrap();
    assert_eq!(links, vec![StoredLink { kind: LinkKind::Reset, digest: "r".into(), expires_at }], "only the kinds asked for");
    assert!(t.store.links(&fx.user_id(), &[LinkKind::Reset]).await.unwrap().is_empty());
}
