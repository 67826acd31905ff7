//! MailStore: the queue of sealed mail, oldest first; a mail is claimed under a lease before it is
//! sent, and only that claim marks it sent or failed.

use super::Fx;
use jiff::SignedDuration;
use secboard_domain::Error;
use secboard_domain::flows::deliver_mail::LEASE;
use secboard_domain::mail::{MailLease, QueuedMail};
use secboard_domain::ports::MailStore;
use secboard_tests::TestApp;

/// A lease from now, named `token`.
fn lease(fx: &Fx, token: &str) -> MailLease {
    MailLease { token: token.to_owned(), until: fx.now() + LEASE }
}

async fn status(t: &TestApp, m: &QueuedMail) -> String {
    let item = t.raw_get(&format!("MAIL#{}", m.id), "MAIL").await.expect("the mail item");
    item["status"].as_s().unwrap().clone()
}

/// Claims `m` under a new lease and marks it sent.
async fn send(fx: &Fx<'_>, m: &QueuedMail, token: &str) {
    let l = lease(fx, token);
    assert!(fx.t.store.claim_mail(&m.id, &l, fx.now()).await.unwrap().is_some());
    assert!(fx.t.store.mail_sent(&m.id, &l, fx.now()).await.unwrap());
}

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

    let pending = t.store.pending_mail(10, fx.now()).await.unwrap();
    let mut want = vec![early.clone()];
    want.extend(queued.iter().cloned());
    assert_eq!(pending, want);
    assert_eq!(t.store.pending_mail(2, fx.now()).await.unwrap(), want[..2]);

    send(&fx, &early, "a").await;
    assert_eq!(t.store.pending_mail(10, fx.now()).await.unwrap(), queued);
}

#[tokio::test]
async fn a_failed_mail_stays_queued_with_its_attempts_until_it_is_dead() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let m = fx.mail(None);
    t.store.queue_mail(&m, None).await.unwrap();

    let first = lease(&fx, "first");
    t.store.claim_mail(&m.id, &first, fx.now()).await.unwrap().expect("claimed");
    assert!(t.store.mail_failed(&m.id, &first, 1, false, fx.now()).await.unwrap());
    // The failure lets the lease go: the next round may try at once.
    let pending = t.store.pending_mail(10, fx.now()).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);

    let second = lease(&fx, "second");
    let claimed = t.store.claim_mail(&m.id, &second, fx.now()).await.unwrap().expect("claimed again");
    assert_eq!(claimed.attempts, 1);
    assert!(t.store.mail_failed(&m.id, &second, 2, true, fx.now()).await.unwrap());
    assert!(t.store.pending_mail(10, fx.now()).await.unwrap().is_empty(), "dead mail leaves the queue");
    assert_eq!(status(&t, &m).await, "dead", "kept for an administrator");
    assert_eq!(t.store.claim_mail(&m.id, &lease(&fx, "third"), fx.now()).await.unwrap(), None, "dead mail is not claimed");
}

#[tokio::test]
async fn a_mail_id_is_queued_once() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let m = fx.mail(None);
    t.store.queue_mail(&m, None).await.unwrap();
    assert!(matches!(t.store.queue_mail(&m, None).await, Err(Error::Unexpected(_))));
    assert_eq!(t.store.pending_mail(10, fx.now()).await.unwrap(), [m]);
}

#[tokio::test]
async fn a_claimed_mail_is_refused_to_a_second_claim_and_left_out_of_the_queue_until_its_lease_runs_out() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let mut queued = vec![];
    for _ in 0..4 {
        t.clock.advance(SignedDuration::from_secs(1));
        let m = fx.mail(None);
        t.store.queue_mail(&m, None).await.unwrap();
        queued.push(m);
    }
    let m = &queued[0];
    let a = lease(&fx, "a");
    assert_eq!(t.store.claim_mail(&m.id, &a, fx.now()).await.unwrap().as_ref(), Some(m), "the claim reads the mail");
    assert_eq!(t.store.claim_mail(&m.id, &lease(&fx, "b"), fx.now()).await.unwrap(), None, "held");
    assert_eq!(t.store.claim_mail(&m.id, &a, fx.now()).await.unwrap(), None, "held, even from its own holder");
    // The queue passes over held mail: a page of two reads on past it.
    t.store.claim_mail(&queued[1].id, &lease(&fx, "a2"), fx.now()).await.unwrap().expect("claimed");
    assert_eq!(t.store.pending_mail(2, fx.now()).await.unwrap(), queued[2..]);

    // The lease runs out (its holder died): the mail is back, and the next claim takes it.
    t.clock.advance(LEASE + SignedDuration::from_secs(1));
    assert_eq!(t.store.pending_mail(10, fx.now()).await.unwrap(), queued);
    let b = lease(&fx, "b");
    assert!(t.store.claim_mail(&m.id, &b, fx.now()).await.unwrap().is_some());
    // The old holder can no longer mark it, sent or failed.
    assert!(!t.store.mail_sent(&m.id, &a, fx.now()).await.unwrap());
    assert!(!t.store.mail_failed(&m.id, &a, 5, true, fx.now()).await.unwrap());
    assert_eq!(status(&t, m).await, "queued");
    assert!(t.store.mail_sent(&m.id, &b, fx.now()).await.unwrap());
    assert_eq!(status(&t, m).await, "sent");
}

#[tokio::test]
async fn a_mail_is_marked_only_under_the_lease_its_claim_took() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let m = fx.mail(None);
    t.store.queue_mail(&m, None).await.unwrap();
    // Never claimed: no mark holds.
    let stranger = lease(&fx, "stranger");
    assert!(!t.store.mail_sent(&m.id, &stranger, fx.now()).await.unwrap());
    assert!(!t.store.mail_failed(&m.id, &stranger, 5, true, fx.now()).await.unwrap());
    // Claimed by another: still none.
    t.store.claim_mail(&m.id, &lease(&fx, "holder"), fx.now()).await.unwrap().expect("claimed");
    assert!(!t.store.mail_sent(&m.id, &stranger, fx.now()).await.unwrap());
    assert!(!t.store.mail_failed(&m.id, &stranger, 1, false, fx.now()).await.unwrap());
    let item = t.raw_get(&format!("MAIL#{}", m.id), "MAIL").await.unwrap();
    assert_eq!((item["status"].as_s().unwrap().as_str(), item["attempts"].as_n().unwrap().as_str()), ("queued", "0"), "nothing written");
}

#[tokio::test]
async fn a_retry_of_a_sent_mail_is_a_no_op() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let m = fx.mail(None);
    t.store.queue_mail(&m, None).await.unwrap();
    let l = lease(&fx, "a");
    t.store.claim_mail(&m.id, &l, fx.now()).await.unwrap().expect("claimed");
    assert!(t.store.mail_sent(&m.id, &l, fx.now()).await.unwrap());
    // The same mark again (an SDK retry after a lost answer) holds and changes nothing.
    assert!(t.store.mail_sent(&m.id, &l, fx.now()).await.unwrap());
    // Neither a failure under its own lease nor a later claim touches a sent mail.
    assert!(!t.store.mail_failed(&m.id, &l, 5, true, fx.now()).await.unwrap());
    t.clock.advance(LEASE + SignedDuration::from_secs(1));
    assert_eq!(t.store.claim_mail(&m.id, &lease(&fx, "b"), fx.now()).await.unwrap(), None);
    assert!(t.store.pending_mail(10, fx.now()).await.unwrap().is_empty());
    assert_eq!(status(&t, &m).await, "sent");
}

#[tokio::test]
async fn a_claim_reads_the_mail_afresh_and_mail_from_before_leases_is_claimable() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let m = fx.mail(None);
    t.store.queue_mail(&m, None).await.unwrap();
    // As the mailer before leases left a failed mail: attempts counted, no lease attributes.
    t.raw_update(&format!("MAIL#{}", m.id), "MAIL", "SET attempts = :v", aws_sdk_dynamodb::types::AttributeValue::N("3".into())).await;
    let claimed = t.store.claim_mail(&m.id, &lease(&fx, "a"), fx.now()).await.unwrap().expect("claimed");
    assert_eq!(claimed.attempts, 3);
    assert_eq!(claimed.sealed, m.sealed);
}

#[tokio::test]
async fn concurrent_claims_of_one_mail_let_exactly_one_through() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let m = fx.mail(None);
    t.store.queue_mail(&m, None).await.unwrap();
    let leases: Vec<MailLease> = (0..20).map(|i| lease(&fx, &format!("loop{i}"))).collect();
    let claims = futures::future::join_all(leases.iter().map(|l| t.store.claim_mail(&m.id, l, fx.now()))).await;
    let won: Vec<&MailLease> = claims.iter().zip(&leases).filter(|(c, _)| c.as_ref().unwrap().is_some()).map(|(_, l)| l).collect();
    assert_eq!(won.len(), 1);
    for l in &leases {
        assert_eq!(t.store.mail_sent(&m.id, l, fx.now()).await.unwrap(), l == won[0], "only the winner marks it");
    }
}
