//! SessionStore: sessions in the user's partition.

use super::Fx;
use jiff::SignedDuration;
use secboard_domain::Error;
use secboard_domain::clock::OsEntropy;
use secboard_domain::model::Account;
use secboard_domain::ports::{AccountStore, SessionStore};
use secboard_domain::session::{Gate, Session, SessionToken};
use secboard_tests::TestApp;

async fn session(fx: &Fx<'_>, gate: Gate) -> (Account, Session) {
    let account = fx.account("s@example.com");
    fx.t.store.create_account(&account, &fx.audit()).await.unwrap();
    let token = SessionToken::generate(account.id.clone(), &OsEntropy);
    let s = Session::begin(&token, gate, account.epoch, fx.now(), "198.51.100.7");
    fx.t.store.put_session(&s, &fx.audit()).await.unwrap();
    (account, s)
}

#[tokio::test]
async fn a_session_loads_with_its_account_in_one_round_trip() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (account, s) = session(&fx, Gate::Done).await;

    let before = t.store.calls();
    let (loaded, user, epoch) = t.store.load_session(&account.id, &s.digest).await.unwrap().expect("the session");
    assert_eq!(t.store.calls() - before, 1, "the rights epoch comes in the same round trip");
    assert_eq!(loaded, s);
    assert_eq!(user.account, account);
    assert_eq!(epoch, 0, "no group's rights changed yet");
    assert!(t.store.load_session(&account.id, "another-digest").await.unwrap().is_none());
}

#[tokio::test]
async fn the_gate_moves_and_the_last_seen_time_is_written_only_on_a_live_session() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (account, s) = session(&fx, Gate::Totp).await;

    t.store.set_session_gate(&s, Gate::Done).await.unwrap();
    let later = fx.now() + SignedDuration::from_mins(5);
    t.store.touch_session(&s, later).await.unwrap();
    let (loaded, _, _) = t.store.load_session(&account.id, &s.digest).await.unwrap().unwrap();
    assert_eq!((loaded.gate, loaded.last_seen), (Gate::Done, later));

    assert!(t.store.delete_session(&account.id, &s.digest).await.unwrap());
    assert!(matches!(t.store.set_session_gate(&s, Gate::Done).await, Err(Error::Unauthenticated)));
    assert!(matches!(t.store.touch_session(&s, later).await, Err(Error::Unauthenticated)));
    assert!(t.store.load_session(&account.id, &s.digest).await.unwrap().is_none(), "neither write revived it");
}

#[tokio::test]
async fn deleting_a_session_says_whether_there_was_one() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (account, s) = session(&fx, Gate::Done).await;
    assert!(t.store.delete_session(&account.id, &s.digest).await.unwrap());
    assert!(!t.store.delete_session(&account.id, &s.digest).await.unwrap());
}
