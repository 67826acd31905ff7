//! First Login: email and control word, a magic link, the gates.

use secboard_tests::*;
use serde_json::json;

async fn first_login(t: &TestApp, email: &str, word: &str) -> Reply {
    t.request("POST", "/api/auth/first-login", Some(json!({ "email": email, "control_word": word })), None).await
}

async fn setup(t: &TestApp) -> String {
    let c = t.company("Acme").await;
    t.set_control_word(&c, "acme onboarding 2026").await;
    t.user(json!({ "email": "fresh@example.com", "first_name": "F", "last_name": "L", "company_id": c })).await;
    c
}

#[tokio::test]
async fn the_right_control_word_mails_a_magic_link_that_signs_in_once_at_the_profile_gate() {
    let t = TestApp::spawn().await;
    setup(&t).await;
    let r = first_login(&t, "fresh@example.com", "acme onboarding 2026").await;
    assert_eq!(r.status, 202);
    let token = t.last_link("fresh@example.com").await;
    assert_eq!(t.mails_to("fresh@example.com").await[0].0, "Your SecBoard sign-in link");
    let m = t.request("POST", "/api/auth/magic-link", Some(json!({ "token": token })), None).await;
    assert_eq!((m.status, m.body["next"].as_str()), (200, Some("complete_profile")), "{m:?}");
    let cookie = m.cookie().expect("a session");
    assert_eq!(t.request("GET", "/api/me", None, Some(&cookie)).await.body["gate"], "complete_profile");
    let again = t.request("POST", "/api/auth/magic-link", Some(json!({ "token": token })), None).await;
    assert_eq!((again.status, again.field()), (400, Some("token")));
}

#[tokio::test]
async fn every_first_login_answers_the_same_and_only_the_right_word_sends_mail() {
    let t = TestApp::spawn().await;
    setup(&t).await;
    let a = first_login(&t, "fresh@example.com", "wrong word here").await;
    let b = first_login(&t, "nobody@example.com", "acme onboarding 2026").await;
    assert_eq!((a.status, &a.body), (b.status, &b.body));
    assert!(t.mails_to("fresh@example.com").await.is_empty());
    assert!(t.mails_to("nobody@example.com").await.is_empty());
}

#[tokio::test]
async fn a_magic_link_lives_fifteen_minutes() {
    let t = TestApp::spawn().await;
    setup(&t).await;
    first_login(&t, "fresh@example.com", "acme onboarding 2026").await;
    let token = t.last_link("fresh@example.com").await;
    t.clock.advance(jiff::SignedDuration::from_mins(15));
    let m = t.request("POST", "/api/auth/magic-link", Some(json!({ "token": token })), None).await;
    assert_eq!(m.status, 400);
}

#[tokio::test]
async fn wrong_control_words_back_off_per_source_without_locking_anyone_out() {
    let t = TestApp::spawn().await;
    setup(&t).await;
    for _ in 0..3 {
        assert_eq!(first_login(&t, "fresh@example.com", "guess guess guess").await.status, 202);
    }
    let throttled = first_login(&t, "fresh@example.com", "acme onboarding 2026").await;
    assert_eq!(throttled.status, 429, "{throttled:?}");
    assert_eq!(throttled.headers["retry-after"], "1");
    t.clock.advance(jiff::SignedDuration::from_secs(2));
    assert_eq!(first_login(&t, "fresh@example.com", "guess guess guess").await.status, 202);
    assert_eq!(first_login(&t, "fresh@example.com", "x").await.status, 429, "the delay doubled");
    // Another source is not held back: no company is shut out by one noisy address.
    let other = http::Request::builder()
        .method("POST")
        .uri("/api/auth/first-login")
        .header("content-type", "application/json")
        .body(lambda_http::Body::Text(json!({ "email": "fresh@example.com", "control_word": "acme onboarding 2026" }).to_string()))
        .unwrap();
    let r = t.functions.dispatch(secboard_infra::gateway::to_gateway_request(other, "192.0.2.44")).await;
    assert_eq!(r.status(), 202);
    assert_eq!(t.mails_to("fresh@example.com").await.len(), 1);
    // Waiting out the delay, the right word works from the noisy source too.
    t.clock.advance(jiff::SignedDuration::from_mins(15));
    assert_eq!(first_login(&t, "fresh@example.com", "acme onboarding 2026").await.status, 202);
}

#[tokio::test]
async fn known_and_unknown_emails_take_the_same_reads_and_the_same_path_through_the_throttle() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.set_control_word(&c, "open sesame").await;
    t.member(&c, "known@example.com", &[]).await;
    let ops = |from: usize| -> Vec<String> { t.store.operations()[from..].to_vec() };
    let mut seen = vec![];
    for (source, email) in [("203.0.113.60", "known@example.com"), ("203.0.113.61", "nobody@example.com")] {
        let mut statuses = vec![];
        let mut reads = vec![];
        for _ in 0..4 {
            let before = t.store.operations().len();
            let body = json!({ "email": email, "control_word": "open sesame" });
            statuses.push(t.request_from(source, "POST", "/api/auth/first-login", Some(body), None).await.status);
            reads.push(ops(before).into_iter().filter(|o| o.starts_with("Get") || o.starts_with("BatchGet") || o == "Query").count());
        }
        seen.push((statuses, reads));
    }
    assert_eq!(seen[0], seen[1], "known (left) and unknown (right) emails with the right control word");
    // Sign-in: the same reads for a known email with a wrong password as for an unknown one.
    let mut reads = vec![];
    for (source, email) in [("203.0.113.62", "known@example.com"), ("203.0.113.63", "nobody@example.com")] {
        let before = t.store.operations().len();
        let body = json!({ "email": email, "password": "a wrong password here" });
        assert_eq!(t.request_from(source, "POST", "/api/auth/login", Some(body), None).await.status, 401);
        reads.push(
            ops(before).into_iter().filter(|o| o.starts_with("Get") || o.starts_with("BatchGet") || o == "Query").collect::<Vec<_>>(),
        );
    }
    assert_eq!(reads[0], reads[1]);
}

#[tokio::test]
async fn guessed_magic_links_back_off_per_source_and_a_real_one_still_works_elsewhere() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "guess@example.com", &[]).await;
    let forged = format!("{id}.{}", "A".repeat(43));
    let mut statuses = vec![];
    for _ in 0..5 {
        let r = t.request_from("203.0.113.60", "POST", "/api/auth/magic-link", Some(json!({ "token": forged })), None).await;
        statuses.push(r.status);
    }
    assert!(statuses.contains(&429), "a source guessing links is slowed down: {statuses:?}");
    assert_eq!(statuses[0], 400, "{statuses:?}");
    t.set_control_word(&c, "acme onboarding 2026").await;
    let r = t.magic_sign_in("guess@example.com", "acme onboarding 2026").await;
    assert_eq!(r.status, 200, "another source is not held: {r:?}");
}
