//! ThrottleStore: failure counts per scope, forgotten after their time.

use super::Fx;
use jiff::SignedDuration;
use secboard_domain::ports::ThrottleStore;
use secboard_tests::TestApp;

const FORGET: SignedDuration = SignedDuration::from_mins(15);

#[tokio::test]
async fn reserve_attempt_refuses_when_the_count_moved() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let now = fx.now();
    assert_eq!(t.store.failures("login:a").await.unwrap(), None);
    assert!(t.store.reserve_attempt("login:a", None, now, FORGET).await.unwrap());
    assert!(!t.store.reserve_attempt("login:a", None, now, FORGET).await.unwrap(), "someone counted since nothing was read");
    assert_eq!(t.store.failures("login:a").await.unwrap(), Some((1, now)));

    assert!(t.store.reserve_attempt("login:a", Some(1), now, FORGET).await.unwrap());
    assert!(!t.store.reserve_attempt("login:a", Some(1), now, FORGET).await.unwrap(), "the count moved to 2");
    assert_eq!(t.store.failures("login:a").await.unwrap(), Some((2, now)));
}

#[tokio::test]
async fn failures_are_counted_then_forgotten_after_their_time() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let start = fx.now();
    for n in 1..=3 {
        assert_eq!(t.store.record_failure("totp:u", start, FORGET).await.unwrap(), n);
    }
    assert_eq!(t.store.failures("totp:u").await.unwrap(), Some((3, start)));

    let later = start + FORGET;
    assert_eq!(t.store.record_failure("totp:u", later, FORGET).await.unwrap(), 1, "forgotten: counting starts again");
    // A reservation over a forgotten count is allowed as if nothing were remembered.
    let much_later = later + FORGET + SignedDuration::from_secs(1);
    assert!(t.store.reserve_attempt("totp:u", None, much_later, FORGET).await.unwrap());
}

#[tokio::test]
async fn several_scopes_read_in_one_round_trip_and_clearing_forgets_one() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let now = fx.now();
    t.store.record_failure("a", now, FORGET).await.unwrap();
    t.store.record_failure("c", now, FORGET).await.unwrap();
    t.store.record_failure("c", now, FORGET).await.unwrap();

    let before = t.store.calls();
    let read = t.store.failures_of(&["a", "b", "c"]).await.unwrap();
    assert_eq!(t.store.calls() - before, 1);
    assert_eq!(read, [Some((1, now)), None, Some((2, now))]);

    t.store.clear_failures("c").await.unwrap();
    assert_eq!(t.store.failures_of(&["a", "c"]).await.unwrap(), [Some((1, now)), None]);
}

#[tokio::test]
async fn concurrent_reservations_of_one_count_let_exactly_one_through() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let now = fx.now();
    t.store.record_failure("burst", now, FORGET).await.unwrap();
    let tries = (0..8).map(|_| t.store.reserve_attempt("burst", Some(1), now, FORGET));
    let granted = futures::future::join_all(tries).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(granted, 1);
    assert_eq!(t.store.failures("burst").await.unwrap(), Some((2, now)));
}
