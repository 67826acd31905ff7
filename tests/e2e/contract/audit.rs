//! AuditStore: events per target, newest first.

use super::Fx;
use jiff::SignedDuration;
use secboard_domain::model::AuditTarget;
use secboard_domain::ports::AuditStore;
use secboard_tests::TestApp;

#[tokio::test]
async fn events_are_listed_per_target_newest_first() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let target = AuditTarget::User(fx.user_id());
    let other = AuditTarget::User(fx.user_id());
    for action in ["first", "second", "third"] {
        t.clock.advance(SignedDuration::from_millis(5));
        t.store.append(&fx.event(action, target.clone())).await.unwrap();
        t.store.append(&fx.event("elsewhere", other.clone())).await.unwrap();
    }
    let actions = |events: Vec<secboard_domain::model::AuditEvent>| events.into_iter().map(|e| e.action).collect::<Vec<_>>();
    assert_eq!(actions(t.store.list_audit(&target, 10).await.unwrap()), ["third", "second", "first"]);
    assert_eq!(actions(t.store.list_audit(&target, 2).await.unwrap()), ["third", "second"]);
}

#[tokio::test]
async fn an_event_reads_back_as_it_was_written() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let mut event = fx.event("user.updated", AuditTarget::UnknownEmail("who@example.com".into()));
    event.actor = Some(fx.user_id());
    event.detail = serde_json::json!({ "changed": ["email"], "n": 2 });
    event.source_ip = Some("203.0.113.9".into());
    t.store.append(&event).await.unwrap();
    assert_eq!(t.store.list_audit(&event.target, 10).await.unwrap(), [event]);
}

#[tokio::test]
async fn a_padded_append_costs_one_transaction_and_keeps_only_the_event() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let event = fx.event("reset.refused", AuditTarget::UnknownEmail("nobody@example.com".into()));
    let items_before = t.all_items().await.len();
    let before = t.store.operations().len();
    t.store.append_padded(&event).await.unwrap();
    assert_eq!(t.store.operations()[before..], ["TransactWriteItems"]);
    assert_eq!(t.all_items().await.len(), items_before + 1, "the padding checks write nothing");
    assert_eq!(t.store.list_audit(&event.target, 10).await.unwrap(), [event]);
}
