//! SessionStore: sessions in the user's partition.

use super::Fx;
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::SignedDuration;
use secboard_domain::Error;
use secboard_domain::clock::OsEntropy;
use secboard_domain::ids::SessionId;
use secboard_domain::model::{Account, AuditTarget};
use secboard_domain::ports::{AccountStore, AuditStore, END_SESSIONS_MAX, SessionMove, SessionStore};
use secboard_domain::session::{Gate, Session, SessionToken, SignInMethod};
use secboard_tests::TestApp;
use std::collections::HashMap;

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
    assert_eq!(epoch, secboard_domain::permissions::RIGHTS_DERIVATION, "no group's rights changed yet");
    assert!(t.store.load_session(&account.id, "another-digest").await.unwrap().is_none());
}

#[tokio::test]
async fn the_gate_moves_under_a_new_secret_and_the_last_seen_time_is_written_only_on_a_live_session() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (account, s) = session(&fx, Gate::Totp).await;

    let token = SessionToken::generate(account.id.clone(), &OsEntropy);
    let moved = s.renewed(&token, Gate::Done, fx.now());
    t.store.move_session(SessionMove { from: &s, to: &moved }).await.unwrap();
    assert!(t.store.load_session(&account.id, &s.digest).await.unwrap().is_none(), "the old secret works no more");
    let later = fx.now() + SignedDuration::from_mins(5);
    t.store.touch_session(&moved, later).await.unwrap();
    let (loaded, _, _) = t.store.load_session(&account.id, &moved.digest).await.unwrap().unwrap();
    assert_eq!((loaded.gate, loaded.last_seen, loaded.created_at), (Gate::Done, later, s.created_at), "the sign-in time stays");

    // A second move from the old secret finds nothing: a copied cookie cannot follow.
    let other = s.renewed(&SessionToken::generate(account.id.clone(), &OsEntropy), Gate::Done, fx.now());
    assert!(matches!(t.store.move_session(SessionMove { from: &s, to: &other }).await, Err(Error::Unauthenticated)));
    assert!(t.store.load_session(&account.id, &other.digest).await.unwrap().is_none());

    assert!(t.store.delete_session(&account.id, &moved.digest).await.unwrap());
    assert!(matches!(t.store.touch_session(&moved, later).await, Err(Error::Unauthenticated)));
    assert!(t.store.load_session(&account.id, &moved.digest).await.unwrap().is_none(), "the touch did not revive it");
}

#[tokio::test]
async fn deleting_a_session_says_whether_there_was_one() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (account, s) = session(&fx, Gate::Done).await;
    assert!(t.store.delete_session(&account.id, &s.digest).await.unwrap());
    assert!(!t.store.delete_session(&account.id, &s.digest).await.unwrap());
}

/// A session as a sign-in writes it: with its public id, how it was signed in and the browser.
async fn signed_in(fx: &Fx<'_>, account: &Account, agent: &str) -> Session {
    let token = SessionToken::generate(account.id.clone(), &OsEntropy);
    let id = SessionId::new(fx.t.clock.as_ref(), &OsEntropy);
    let s = Session::begin(&token, Gate::Done, account.epoch, fx.now(), "203.0.113.5").described(id, SignInMethod::Password, Some(agent));
    fx.t.store.put_session(&s, &fx.audit()).await.unwrap();
    s
}

#[tokio::test]
async fn a_users_sessions_are_one_query_on_their_partition() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (account, plain) = session(&fx, Gate::Totp).await;
    let a = signed_in(&fx, &account, "Firefox").await;
    let b = signed_in(&fx, &account, "Safari").await;
    let other = fx.account("other@example.com");
    t.store.create_account(&other, &fx.audit()).await.unwrap();
    signed_in(&fx, &other, "Edge").await;

    let before = t.store.operations().len();
    let mut listed = t.store.list_sessions(&account.id).await.unwrap();
    assert_eq!(t.store.operations()[before..].to_vec(), vec!["Query"]);
    listed.sort_by(|x, y| x.user_agent.cmp(&y.user_agent));
    assert_eq!(listed, vec![plain.clone(), a.clone(), b.clone()], "every session of the user, as written, and no one else's");
    assert!(plain.id.is_none() && plain.method.is_none() && plain.user_agent.is_none());
    assert_eq!((a.method, a.user_agent.as_deref()), (Some(SignInMethod::Password), Some("Firefox")));
    assert_ne!(a.id, b.id);
    assert!(t.store.list_sessions(&fx.user_id()).await.unwrap().is_empty(), "a user with none has none");
}

#[tokio::test]
async fn a_session_item_written_before_session_ids_still_reads() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let account = fx.account("old@example.com");
    t.store.create_account(&account, &fx.audit()).await.unwrap();
    // The attributes a session item had before it kept a public id, a method and a browser.
    let s = |v: &str| AttributeValue::S(v.to_owned());
    let item = HashMap::from([
        ("pk".to_owned(), s(&format!("USER#{}", account.id))),
        ("sk".to_owned(), s("SESSION#0123abcd")),
        ("user_id".to_owned(), s(account.id.as_str())),
        ("digest".to_owned(), s("0123abcd")),
        ("gate".to_owned(), s("done")),
        ("epoch".to_owned(), AttributeValue::N(account.epoch.to_string())),
        ("created_at".to_owned(), s(&fx.now().to_string())),
        ("last_seen".to_owned(), s(&fx.now().to_string())),
        ("source_ip".to_owned(), s("192.0.2.1")),
        ("ttl".to_owned(), AttributeValue::N((fx.now().as_second() + 3600).to_string())),
    ]);
    t.store.client().put_item().table_name(&t.table).set_item(Some(item)).send().await.unwrap();

    let listed = t.store.list_sessions(&account.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    let old = &listed[0];
    assert_eq!((old.digest.as_str(), old.source_ip.as_str(), old.gate), ("0123abcd", "192.0.2.1", Gate::Done));
    assert_eq!((&old.id, &old.method, &old.user_agent), (&None, &None, &None));
    let (loaded, _, _) = t.store.load_session(&account.id, "0123abcd").await.unwrap().expect("it loads too");
    assert_eq!(&loaded, old);
}

#[tokio::test]
async fn ending_sessions_deletes_them_with_the_audit_event_in_one_write_while_they_are_all_there() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (account, a) = session(&fx, Gate::Done).await;
    let b = signed_in(&fx, &account, "Firefox").await;
    let keep = signed_in(&fx, &account, "Safari").await;
    let target = AuditTarget::User(account.id.clone());

    let before = t.store.operations().len();
    let ended = fx.event("session.ended", target.clone());
    assert!(t.store.end_sessions(&account.id, &[a.digest.clone(), b.digest.clone()], &ended).await.unwrap());
    assert_eq!(t.store.operations()[before..].to_vec(), vec!["TransactWriteItems"]);
    assert!(t.store.load_session(&account.id, &a.digest).await.unwrap().is_none());
    assert!(t.store.load_session(&account.id, &b.digest).await.unwrap().is_none());
    assert!(t.store.load_session(&account.id, &keep.digest).await.unwrap().is_some(), "the one left out stays");
    let audit = t.store.list_audit(&target, 10).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "session.ended").count(), 1);

    // One already gone: nothing is written, neither the other's end nor the event.
    let late = fx.event("session.ended", target.clone());
    assert!(!t.store.end_sessions(&account.id, &[keep.digest.clone(), a.digest.clone()], &late).await.unwrap());
    assert!(t.store.load_session(&account.id, &keep.digest).await.unwrap().is_some(), "not half-written");
    let audit = t.store.list_audit(&target, 10).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "session.ended").count(), 1, "no event for what did not happen");
    // Ending nothing writes nothing.
    let before = t.store.operations().len();
    assert!(t.store.end_sessions(&account.id, &[], &fx.event("session.ended", target)).await.unwrap());
    assert_eq!(t.store.operations().len(), before);
}

#[tokio::test]
async fn ending_many_sessions_at_once_is_refused_beyond_one_transaction() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let account = fx.account("many@example.com");
    let too_many: Vec<String> = (0..=END_SESSIONS_MAX).map(|i| format!("{i:064x}")).collect();
    let r = t.store.end_sessions(&account.id, &too_many, &fx.audit()).await;
    assert!(matches!(r, Err(Error::Unexpected(_))), "{r:?}");
}
