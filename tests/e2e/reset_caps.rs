//! Caps on reset mail (defect 5): nobody can flood an inbox through the anonymous reset request.
//! At most one mail a minute and five an hour per email as typed (known and unknown alike), and
//! twenty an hour per source; whatever happens the answer is the same 202. Links sent by an
//! administrator are not counted. The numbers are the documented ones (README, Throttling), written
//! out here so that changing them means changing the documentation too.

use futures::future::join_all;
use jiff::SignedDuration;
use secboard_tests::*;
use serde_json::json;
use std::collections::BTreeSet;

const PER_EMAIL_PER_HOUR: usize = 5;
const PER_SOURCE_PER_HOUR: usize = 20;

async fn request_from(t: &TestApp, ip: &str, email: &str) -> Reply {
    t.request_from(ip, "POST", "/api/auth/password-reset", Some(json!({ "email": email })), None).await
}

/// The one answer every reset request gets, capped or not.
fn assert_the_one_answer(r: &Reply, first: &Reply) {
    assert_eq!((r.status, &r.body), (202, &first.body), "{r:?}");
    assert!(r.headers.get("retry-after").is_none(), "a cap is never revealed: {r:?}");
}

fn resets(mails: &[(String, String)]) -> usize {
    mails.iter().filter(|(subject, _)| subject == "Reset your SecBoard password").count()
}

/// The keys of the throttle items in the table now.
async fn throttle_items(t: &TestApp) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    t.all_items().await.into_iter().filter(|i| i["pk"].as_s().is_ok_and(|pk| pk.starts_with("THROTTLE#"))).collect()
}

#[tokio::test]
async fn a_second_reset_request_within_a_minute_answers_202_and_sends_no_second_mail() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "ada@example.com", &[]).await;
    let first = request_from(&t, TEST_IP, "ada@example.com").await;
    assert_eq!(first.status, 202);
    // The email as typed, normalised: another case is the same email.
    t.clock.advance(SignedDuration::from_secs(30));
    let again = request_from(&t, TEST_IP, "Ada@Example.com").await;
    assert_the_one_answer(&again, &first);
    let elsewhere = request_from(&t, "203.0.113.77", "ada@example.com").await;
    assert_the_one_answer(&elsewhere, &first);
    assert_eq!(resets(&t.mails_to("ada@example.com").await), 1, "one mail a minute, from any source");
    t.clock.advance(SignedDuration::from_secs(30));
    assert_the_one_answer(&request_from(&t, TEST_IP, "ada@example.com").await, &first);
    assert_eq!(resets(&t.mails_to("ada@example.com").await), 2, "a minute after the last mail, the next one goes");
    let audit = t.get(&format!("/api/audit?user={id}")).await.body.to_string();
    assert!(audit.contains("link.reset.capped"), "the cap is in the audit log: {audit}");
}

#[tokio::test]
async fn the_hourly_cap_per_typed_email_counts_known_and_unknown_emails_alike() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "known@example.com", &[]).await;
    let before: BTreeSet<String> = throttle_items(&t).await.iter().map(|i| i["pk"].as_s().unwrap().clone()).collect();
    let first = request_from(&t, TEST_IP, "known@example.com").await;
    assert_eq!(first.status, 202);
    assert_the_one_answer(&request_from(&t, TEST_IP, "nobody@example.com").await, &first);
    for _ in 1..PER_EMAIL_PER_HOUR + 2 {
        t.clock.advance(SignedDuration::from_secs(61));
        for email in ["known@example.com", "nobody@example.com"] {
            assert_the_one_answer(&request_from(&t, TEST_IP, email).await, &first);
        }
    }
    assert_eq!(resets(&t.mails_to("known@example.com").await), PER_EMAIL_PER_HOUR, "five an hour, then none");
    assert!(t.mails_to("nobody@example.com").await.is_empty());

    // The store counts both the same way, under a digest of the email, never the email itself.
    let items: Vec<_> = throttle_items(&t)
        .await
        .into_iter()
        .filter(|i| {
            let pk = i["pk"].as_s().unwrap();
            !before.contains(pk) && !pk.contains(TEST_IP)
        })
        .collect();
    assert_eq!(items.len(), 2, "one counter per typed email: {items:?}");
    let shape = |i: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>| {
        (i.keys().cloned().collect::<BTreeSet<_>>(), i["pk"].as_s().unwrap().len(), i["sk"].clone(), i["n"].clone())
    };
    assert_eq!(shape(&items[0]), shape(&items[1]), "known and unknown are counted alike");
    for i in &items {
        let pk = i["pk"].as_s().unwrap();
        assert!(!pk.contains("known") && !pk.contains("nobody") && !pk.contains('@'), "no email in the key: {pk}");
    }

    // The window ends an hour after it began: then the next request is mailed again.
    t.set_now("2026-06-15T10:01:00Z");
    request_from(&t, TEST_IP, "known@example.com").await;
    assert_eq!(resets(&t.mails_to("known@example.com").await), PER_EMAIL_PER_HOUR + 1);
}

#[tokio::test]
async fn a_source_gets_twenty_reset_requests_an_hour_and_other_sources_are_not_held() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "ada@example.com", &[]).await;
    let cannon = "203.0.113.66";
    let first = request_from(&t, cannon, "victim0@example.com").await;
    assert_eq!(first.status, 202);
    for i in 1..PER_SOURCE_PER_HOUR {
        assert_the_one_answer(&request_from(&t, cannon, &format!("victim{i}@example.com")).await, &first);
    }
    // Twenty counted (unknown emails count like known ones): the next is not mailed.
    assert_the_one_answer(&request_from(&t, cannon, "ada@example.com").await, &first);
    assert_eq!(resets(&t.mails_to("ada@example.com").await), 0, "the source has spent its hour");
    // The refused request did not spend the email's minute: another source gets the mail.
    assert_the_one_answer(&request_from(&t, "198.51.100.200", "ada@example.com").await, &first);
    assert_eq!(resets(&t.mails_to("ada@example.com").await), 1, "other sources are not held");
    t.clock.advance(SignedDuration::from_mins(61));
    request_from(&t, cannon, "ada@example.com").await;
    assert_eq!(resets(&t.mails_to("ada@example.com").await), 2, "an hour later the source may ask again");
}

#[tokio::test]
async fn an_administrators_first_access_link_goes_out_while_the_users_own_reset_cap_is_spent() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "ada@example.com", &[]).await;
    for _ in 0..PER_EMAIL_PER_HOUR + 1 {
        request_from(&t, TEST_IP, "ada@example.com").await;
        t.clock.advance(SignedDuration::from_secs(61));
    }
    assert_eq!(resets(&t.mails_to("ada@example.com").await), PER_EMAIL_PER_HOUR, "the user's cap is spent");
    for _ in 0..2 {
        let r = t.post(&format!("/api/users/{id}/first-access-link"), json!({})).await;
        assert_eq!(r.status, 202, "{r:?}");
    }
    let ready = t.mails_to("ada@example.com").await.iter().filter(|(s, _)| s == "Your SecBoard account is ready").count();
    assert_eq!(ready, 2, "an administrator's links are not counted, nor spaced");
    let token = t.last_link("ada@example.com").await;
    let set = t
        .request(
            "POST",
            "/api/auth/password-reset/confirm",
            Some(json!({ "token": token, "password": "a fresh admin-sent passphrase" })),
            None,
        )
        .await;
    assert_eq!(set.status, 200, "{set:?}");
    request_from(&t, TEST_IP, "ada@example.com").await;
    assert_eq!(resets(&t.mails_to("ada@example.com").await), PER_EMAIL_PER_HOUR, "nor do they lift the user's own cap");
}

#[tokio::test]
async fn a_concurrent_burst_of_reset_requests_for_one_email_sends_exactly_one_mail() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "ada@example.com", &[]).await;
    // From twenty sources, so only the email's own cap can hold the burst.
    let sources: Vec<String> = (0..20).map(|i| format!("192.0.2.{}", 100 + i)).collect();
    let replies = join_all(sources.iter().map(|ip| request_from(&t, ip, "ada@example.com"))).await;
    for r in &replies {
        assert_the_one_answer(r, &replies[0]);
    }
    assert_eq!(resets(&t.mails_to("ada@example.com").await), 1);
}

#[tokio::test]
async fn a_concurrent_burst_from_one_source_cannot_outrun_its_cap() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let mut emails = vec![];
    for i in 0..PER_SOURCE_PER_HOUR + 5 {
        let email = format!("u{i}@example.com");
        let r = t.user(json!({ "email": email, "first_name": "U", "last_name": "N", "company_id": c })).await;
        assert_eq!(r.status, 201, "{r:?}");
        emails.push(email);
    }
    let replies = join_all(emails.iter().map(|e| request_from(&t, "203.0.113.99", e))).await;
    for r in &replies {
        assert_the_one_answer(r, &replies[0]);
    }
    let mut mailed = 0;
    for e in &emails {
        mailed += resets(&t.mails_to(e).await);
    }
    // Exactly: the losers of a race read again and count while there is room (DynamoDB may still
    // hold back one that loses every round; it is never mailed past the cap).
    assert_eq!(mailed, PER_SOURCE_PER_HOUR, "twenty from one source, no more");
}

#[tokio::test]
async fn caps_count_all_or_none_and_keep_their_spacing_across_windows() {
    use secboard_domain::ports::ThrottleStore;
    use secboard_domain::throttle::{Cap, CapCount};
    let t = TestApp::spawn().await;
    let secs = SignedDuration::from_secs;
    let spaced = Cap { scope: "test-spaced".into(), limit: 2, window: secs(10), spacing: secs(3) };
    let plain = Cap { scope: "test-plain".into(), limit: 3, window: secs(20), spacing: SignedDuration::ZERO };
    let both = [spaced.clone(), plain.clone()];
    let at = |s: i64| t.clock_now().checked_add(secs(s)).unwrap();
    let count = |caps: &[Cap], s: i64| {
        let caps = caps.to_vec();
        let store = t.store.clone();
        let now = at(s);
        async move { store.count_capped(&caps, now).await.unwrap() }
    };
    assert_eq!(count(&both, 0).await, CapCount::Counted);
    assert_eq!(count(&both, 1).await, CapCount::TooSoon(0), "spaced");
    assert_eq!(count(&both, 3).await, CapCount::Counted);
    assert_eq!(count(&both, 6).await, CapCount::Spent(0), "two in the window");
    // Neither refusal counted against the other cap: it has one left.
    assert_eq!(count(std::slice::from_ref(&plain), 7).await, CapCount::Counted);
    assert_eq!(count(std::slice::from_ref(&plain), 7).await, CapCount::Spent(0));
    // The spaced window began at 0 and ends at 10, the plain one at 20; spacing runs across windows.
    assert_eq!(count(&both, 10).await, CapCount::Spent(1), "the plain cap's window still runs: nothing counted");
    assert_eq!(count(std::slice::from_ref(&spaced), 10).await, CapCount::Counted, "a new window");
    assert_eq!(count(std::slice::from_ref(&spaced), 12).await, CapCount::TooSoon(0));
    assert_eq!(count(&both, 20).await, CapCount::Counted, "both in new windows");
}
