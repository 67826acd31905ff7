//! Throttling of passwords and second factors: back-off per (account, source) with 429 and
//! Retry-After, a soft delay per account that never refuses, bursts that cannot outrun the count,
//! the same answers for unknown emails, and back-off events in the audit log.

use futures::future::join_all;
use secboard_domain::totp::{code_at, step_of};
use secboard_tests::*;
use serde_json::json;

async fn login_from(t: &TestApp, ip: &str, email: &str, password: &str) -> Reply {
    t.request_from(ip, "POST", "/api/auth/login", Some(json!({ "email": email, "password": password })), None).await
}

#[tokio::test]
async fn failed_passwords_back_off_per_source_and_never_lock_the_account() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "ada@example.com", &[]).await;
    let a = "203.0.113.10";
    for _ in 0..3 {
        assert_eq!(login_from(&t, a, "ada@example.com", "wrong password here").await.status, 401);
    }
    let held = login_from(&t, a, "ada@example.com", "member password 1").await;
    assert_eq!(held.status, 429, "even the right password waits: {held:?}");
    assert_eq!(held.headers["retry-after"], "1");
    assert!(held.cookie().is_none());
    // Elsewhere the account is not locked.
    assert_eq!(login_from(&t, "203.0.113.11", "ada@example.com", "member password 1").await.status, 200);
    // The delay doubles with each failure after the free ones.
    t.clock.advance(jiff::SignedDuration::from_secs(1));
    assert_eq!(login_from(&t, a, "ada@example.com", "wrong password here").await.status, 401);
    let twice = login_from(&t, a, "ada@example.com", "member password 1").await;
    assert_eq!((twice.status, twice.headers["retry-after"].to_str().unwrap()), (429, "2"));
    t.clock.advance(jiff::SignedDuration::from_secs(2));
    assert_eq!(login_from(&t, a, "ada@example.com", "member password 1").await.status, 200, "a success clears the count");
    assert_eq!(login_from(&t, a, "ada@example.com", "wrong password here").await.status, 401);

    // An email no account has is throttled the same way, with the same answers.
    let mut unknown = vec![];
    for _ in 0..4 {
        unknown.push(login_from(&t, a, "nobody@example.com", "wrong password here").await);
    }
    assert_eq!(unknown.iter().map(|r| r.status).collect::<Vec<_>>(), [401, 401, 401, 429]);
    assert_eq!((&unknown[3].body, &unknown[3].headers["retry-after"]), (&held.body, &held.headers["retry-after"]));

    let audit = t.get(&format!("/api/audit?user={id}")).await;
    let events = audit.body.to_string();
    assert!(events.contains("throttle.back_off") && events.contains("\"factor\":\"password\""), "{events}");
}

#[tokio::test]
async fn a_concurrent_burst_from_one_source_cannot_outrun_the_count() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "ada@example.com", &[]).await;
    let burst = (0..20).map(|_| login_from(&t, "203.0.113.20", "ada@example.com", "wrong password here"));
    let replies = join_all(burst).await;
    let checked = replies.iter().filter(|r| r.status == 401).count();
    let throttled = replies.iter().filter(|r| r.status == 429).count();
    assert!((1..=3).contains(&checked), "at most the free attempts are checked: {checked}");
    assert_eq!(checked + throttled, 20);
}

#[tokio::test]
async fn failures_from_many_sources_only_slow_the_account_and_never_refuse_it() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "ada@example.com", &[]).await;
    for i in 0..9 {
        assert_eq!(login_from(&t, &format!("192.0.2.{i}"), "ada@example.com", "wrong password here").await.status, 401);
    }
    let before = t.clock.slept();
    assert_eq!(login_from(&t, "192.0.2.100", "ada@example.com", "member password 1").await.status, 200);
    assert_eq!(t.clock.slept(), before, "nine failures: no delay yet");
    for i in 0..9 {
        login_from(&t, &format!("192.0.2.{i}"), "ada@example.com", "wrong password here").await;
    }
    for i in 10..40 {
        assert_eq!(login_from(&t, &format!("192.0.2.{i}"), "ada@example.com", "wrong password here").await.status, 401);
    }
    let before = t.clock.slept();
    let ok = login_from(&t, "198.18.0.1", "ada@example.com", "member password 1").await;
    assert_eq!(ok.status, 200, "a spread-out attack never locks the owner out: {ok:?}");
    let held = t.clock.slept() - before;
    assert_eq!(held, secboard_domain::throttle::MAX_HOLD, "the answer is held, at most {:?}", secboard_domain::throttle::MAX_HOLD);
    // The success cleared the account's count: the next attempt is not held.
    let before = t.clock.slept();
    assert_eq!(login_from(&t, "198.18.0.2", "ada@example.com", "member password 1").await.status, 200);
    assert_eq!(t.clock.slept(), before);
}

#[tokio::test]
async fn wrong_codes_and_backup_codes_back_off_too() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, mut cookie) = t.member(&c, "ada@example.com", &[]).await;
    let s = t.request("POST", "/api/me/totp/setup", Some(json!({})), Some(&cookie)).await;
    let key = data_encoding::BASE32_NOPAD.decode(s.body["secret"].as_str().unwrap().as_bytes()).unwrap();
    let code = |t: &TestApp| format!("{:06}", code_at(&key, step_of(t.clock_now())));
    let r = t.step("POST", "/api/me/totp/confirm", Some(json!({ "code": code(&t) })), &mut cookie).await;
    assert_eq!(r.status, 200);
    t.clock.advance(jiff::SignedDuration::from_secs(30));

    let mut gated = t.sign_in("ada@example.com", "member password 1").await;
    let right = code(&t);
    let wrong = if right == "111111" { "222222" } else { "111111" };
    for body in [json!({ "code": wrong }), json!({ "backup_code": "AAAA-BBBB-CCCC-DDDD" }), json!({ "code": wrong })] {
        assert_eq!(t.step("POST", "/api/auth/totp", Some(body), &mut gated).await.status, 400);
    }
    let held = t.step("POST", "/api/auth/totp", Some(json!({ "code": right })), &mut gated).await;
    assert_eq!((held.status, held.headers["retry-after"].to_str().unwrap()), (429, "1"));
    t.clock.advance(jiff::SignedDuration::from_secs(1));
    let ok = t.step("POST", "/api/auth/totp", Some(json!({ "code": code(&t) })), &mut gated).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    let audit = t.get(&format!("/api/audit?user={id}")).await.body.to_string();
    assert!(audit.contains("\"factor\":\"second_factor\""), "{audit}");
}
