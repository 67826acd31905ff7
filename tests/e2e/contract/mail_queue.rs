//! MailStore: the queue of sealed mail, oldest first.

use super::Fx;
use jiff::SignedDuration;
use secboard_domain::Error;
use secboard_domain::ports::MailStore;
use secboard_tests::TestApp;

#[tokio::test]
async fn queued_mail_comes_out_oldest_first_until_it_is_sent() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let mut queued = vec![];
    for _ in 0..3 {
        t.clock.advance(SignedDuration::from_secs(1));
        let m = fx.mail(Some(&fx.user_id()));
        t.store.queue_mail(&m, Some(&fx.audit())).await.unwrap();
        queued.push(m);
    }
    // Earlier mail queued last still comes first.
    let mut early = fx.mail(None);
    early.queued_at = fx.now() - SignedDuration::from_hours(1);
    t.store.queue_mail(&early, None).await.unwrap();

    let pending = t.store.pending_mail(10).await.unwrap();
    let mut want = vec![early.clone()];
    want.extend(queued.iter().cloned());
    assert_eq!(pending, want);
    assert_eq!(t.store.pending_mail(2).await.unwrap(), want[..2]);

    t.store.mail_sent(&early.id, fx.now()).await.unwrap();
    assert_eq!(t.store.pending_mail(10).await.unwrap(), queued);
}

#[tokio::test]
async fn a_failed_mail_stays_queued_with_its_attempts_until_it_is_dead() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let m = fx.mail(None);
    t.store.queue_mail(&m, None).await.unwrap();

    t.store.mail_failed(&m.id, 1, false, fx.now()).await.unwrap();
    let pending = t.store.pending_mail(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);

    t.store.mail_failed(&m.id, 2, true, fx.now()).await.unwrap();
    assert!(t.store.pending_mail(10).await.unwrap().is_empty(), "dead mail leaves the queue");
    let kept = t.raw_get(&format!("MAIL#{}", m.id), "MAIL").await.expect("kept for an administrator");
    assert_eq!(kept["status"].as_s().unwrap(), "dead");
}

#[tokio::test]
async fn a_mail_id_is_queued_once() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let m = fx.mail(None);
    t.store.queue_mail(&m, None).await.unwrap();
    assert!(matches!(t.store.queue_mail(&m, None).await, Err(Error::Unexpected(_))));
    assert_eq!(t.store.pending_mail(10).await.unwrap(), [m]);
}
