//! Password reset and first access by emailed link.

use secboard_domain::flows::deliver_mail::{Delivered, deliver_pending};
use secboard_tests::*;
use serde_json::json;

async fn request(t: &TestApp, email: &str) -> Reply {
    t.request("POST", "/api/auth/password-reset", Some(json!({ "email": email })), None).await
}

async fn confirm(t: &TestApp, token: &str, password: &str) -> Reply {
    t.request("POST", "/api/auth/password-reset/confirm", Some(json!({ "token": token, "password": password })), None).await
}

#[tokio::test]
async fn a_reset_request_answers_the_same_whoever_asks_and_mails_only_who_may_reset() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "known@example.com", &[]).await;
    let off = t.user(json!({ "email": "off@example.com", "first_name": "O", "last_name": "F", "company_id": c, "active": false })).await;
    assert_eq!(off.status, 201);
    let mut answers: Vec<(u16, serde_json::Value)> = vec![];
    for e in ["known@example.com", "nobody@example.com", "off@example.com"] {
        let r = request(&t, e).await;
        answers.push((r.status, r.body));
    }
    assert!(answers.iter().all(|a| a == &answers[0]) && answers[0].0 == 202, "{answers:?}");
    assert_eq!(t.mails_to("known@example.com").await.len(), 1);
    assert!(t.mails_to("nobody@example.com").await.is_empty());
    assert!(t.mails_to("off@example.com").await.is_empty());
    assert_eq!((request(&t, "not an email").await.status), 400);
}

#[tokio::test]
async fn a_reset_link_sets_the_password_once_ends_every_session_and_mails_a_notice() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, cookie) = t.member(&c, "r@example.com", &[]).await;
    request(&t, "r@example.com").await;
    let token = t.last_link("r@example.com").await;
    let weak = confirm(&t, &token, "password").await;
    assert_eq!((weak.status, weak.field()), (400, Some("password")), "a weak password does not spend the link");
    let ok = confirm(&t, &token, "a brand new passphrase").await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert!(ok.cookie().is_none(), "no automatic sign-in");
    assert_eq!(t.request("GET", "/api/me", None, Some(&cookie)).await.status, 401, "sessions ended");
    t.sign_in("r@example.com", "a brand new passphrase").await;
    let again = confirm(&t, &token, "another new passphrase").await;
    assert_eq!((again.status, again.field()), (400, Some("token")), "one use");
    let mails = t.mails_to("r@example.com").await;
    assert_eq!(mails.last().unwrap().0, "Your SecBoard password was changed");
    let audit = t
        .get(&format!("/api/audit?user={}", t.get("/api/users?search=r@").await.body["users"][0]["id"].as_str().unwrap()))
        .await
        .body
        .to_string();
    assert!(audit.contains("link.reset.spent") && !audit.contains(&token[27..]), "spent, and no token in the audit log");
}

#[tokio::test]
async fn fifty_concurrent_confirms_of_one_link_let_exactly_one_through() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "race@example.com", &[]).await;
    request(&t, "race@example.com").await;
    let token = t.last_link("race@example.com").await;
    // From 50 sources: one source's burst is throttled before any link is looked at.
    let sources: Vec<String> = (0..50).map(|i| format!("198.51.100.{}", 100 + i)).collect();
    let results = futures::future::join_all(sources.iter().enumerate().map(|(i, ip)| {
        let password = if i % 2 == 0 { "first racing passphrase" } else { "second racing passphrase" };
        let body = json!({ "token": token, "password": password });
        t.request_from(ip, "POST", "/api/auth/password-reset/confirm", Some(body), None)
    }))
    .await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(results.iter().all(|r| r.status == 200 || r.status == 400));
}

#[tokio::test]
async fn an_expired_or_replaced_link_gets_the_one_bad_link_answer() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "x@example.com", &[]).await;
    request(&t, "x@example.com").await;
    let first = t.last_link("x@example.com").await;
    // One reset mail a minute per email: the second request waits for it.
    t.clock.advance(jiff::SignedDuration::from_secs(61));
    request(&t, "x@example.com").await;
    let second = t.last_link("x@example.com").await;
    assert_ne!(first, second);
    let replaced = confirm(&t, &first, "a fresh good passphrase").await;
    t.clock.advance(jiff::SignedDuration::from_mins(61));
    let expired = confirm(&t, &second, "a fresh good passphrase").await;
    let garbage = confirm(&t, "garbage", "a fresh good passphrase").await;
    for r in [&replaced, &expired, &garbage] {
        assert_eq!((r.status, r.field()), (400, Some("token")), "{r:?}");
    }
    assert_eq!(replaced.body, expired.body, "one answer that does not say which");
    assert_eq!(expired.body, garbage.body);
}

#[tokio::test]
async fn mail_speaks_the_users_language_else_the_companys() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let r = t
        .request(
            "PUT",
            &format!("/api/org/companies/{c}/settings"),
            Some(json!({ "default_language": "uk", "senders": { "reset": "it@acme.example" } })),
            Some(&t.admin_cookie),
        )
        .await;
    assert_eq!(r.status, 200);
    let (ru, _) = t.member(&c, "ru@example.com", &[]).await;
    t.member(&c, "uk@example.com", &[]).await;
    let v = t.get(&format!("/api/users/{ru}")).await.body["profile"]["version"].as_u64().unwrap();
    t.patch(&format!("/api/users/{ru}"), json!({ "version": v, "language": "ru" })).await;
    request(&t, "ru@example.com").await;
    request(&t, "uk@example.com").await;
    let (ru_subject, ru_text) = t.mails_to("ru@example.com").await.remove(0);
    let (uk_subject, uk_text) = t.mails_to("uk@example.com").await.remove(0);
    assert_eq!(ru_subject, "Сброс пароля SecBoard");
    assert!(ru_text.contains("1 час"), "{ru_text}");
    assert_eq!(uk_subject, "Скидання пароля SecBoard");
    assert!(uk_text.contains("1 година"), "{uk_text}");
    let raw = std::fs::read(t.outbox.messages().unwrap().remove(0)).unwrap();
    assert!(String::from_utf8_lossy(&raw).contains("From: it@acme.example"), "the company's reset sender");
}

#[tokio::test]
async fn an_administrator_sends_a_first_access_link_that_sets_a_first_password() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let id = t.user(json!({ "email": "new@example.com", "first_name": "N", "last_name": "U", "company_id": c })).await.id();
    let r = t.post(&format!("/api/users/{id}/first-access-link"), json!({})).await;
    assert_eq!(r.status, 202, "{r:?}");
    let first = t.last_link("new@example.com").await;
    assert_eq!(t.mails_to("new@example.com").await[0].0, "Your SecBoard account is ready");
    t.post(&format!("/api/users/{id}/first-access-link"), json!({})).await;
    let second = t.last_link("new@example.com").await;
    assert_eq!(confirm(&t, &first, "my very first passphrase").await.status, 400, "sending again replaced it");
    let audit = t.get(&format!("/api/audit?user={id}")).await.body;
    let sent = audit["events"].as_array().unwrap().iter().find(|e| e["action"] == "link.first_access.sent").unwrap().clone();
    assert!(sent["actor"].is_string(), "the audit log shows who sent it");
    t.clock.advance(jiff::SignedDuration::from_hours(23));
    assert_eq!(confirm(&t, &second, "my very first passphrase").await.status, 200, "valid for 24 hours");
    let login = t
        .request("POST", "/api/auth/login", Some(json!({ "email": "new@example.com", "password": "my very first passphrase" })), None)
        .await;
    assert_eq!(login.body["next"], "complete_profile");
}

#[tokio::test]
async fn a_failing_mail_service_loses_nothing_and_dead_letters_after_five_tries() {
    struct Down;
    #[async_trait::async_trait]
    impl secboard_domain::ports::MailSender for Down {
        async fn send(&self, _: &secboard_domain::mail::Mail, _: &str, _: jiff::Timestamp) -> anyhow::Result<()> {
            anyhow::bail!("SES is down")
        }
    }
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "w@example.com", &[]).await;
    assert_eq!(request(&t, "w@example.com").await.status, 202, "the request that queued it succeeded");
    let deps = &t.app.deps;
    for round in 1..=4 {
        let d = deliver_pending(deps, &Down).await.unwrap();
        assert_eq!((d.failed, d.dead), (1, 0), "round {round}");
    }
    // Back up before the last try: it goes out.
    assert_eq!(t.deliver().await.sent, 1);
    assert_eq!(t.mails_to("w@example.com").await.len(), 1);
    t.clock.advance(jiff::SignedDuration::from_secs(61));
    request(&t, "w@example.com").await;
    for _ in 1..=4 {
        deliver_pending(deps, &Down).await.unwrap();
    }
    let d = deliver_pending(deps, &Down).await.unwrap();
    assert_eq!(d.dead, 1, "dead-lettered on the fifth failure");
    assert_eq!(t.deliver().await, Delivered::default(), "out of the queue");
}

/// A token of the right shape for `user_id` that no link was ever sent with.
fn forged(user_id: &str) -> String {
    format!("{user_id}.{}", "A".repeat(43))
}

#[tokio::test]
async fn a_made_up_token_learns_nothing_about_the_account_or_its_password() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "victim@example.com", &[]).await;
    let bad_link = |r: &Reply| r.status == 400 && r.field() == Some("token");
    // A weak password, the current password, a strong one: each the one bad-link answer, as for an id that does not exist.
    // Each from its own source, so the per-source back-off does not answer first.
    for (i, password) in ["password", "member password 1", "a strong and unrelated passphrase"].into_iter().enumerate() {
        for (j, user) in [id.as_str(), "01J00000000000000000000000"].into_iter().enumerate() {
            let body = json!({ "token": forged(user), "password": password });
            let r = t.request_from(&format!("192.0.2.{}", 10 * i + j), "POST", "/api/auth/password-reset/confirm", Some(body), None).await;
            assert!(bad_link(&r), "{user} {password:?}: {r:?}");
        }
    }
}

#[tokio::test]
async fn a_refused_password_does_not_spend_a_valid_link() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "r@example.com", &[]).await;
    request(&t, "r@example.com").await;
    let token = t.last_link("r@example.com").await;
    let weak = confirm(&t, &token, "password").await;
    assert_eq!((weak.status, weak.field()), (400, Some("password")), "{weak:?}");
    let same = confirm(&t, &token, "member password 1").await;
    assert_eq!((same.status, same.field()), (400, Some("password")), "{same:?}");
    assert_eq!(confirm(&t, &token, "a strong and unrelated passphrase").await.status, 200, "the link still works");
}

#[tokio::test]
async fn confirm_attempts_with_bad_links_back_off_per_source() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "v@example.com", &[]).await;
    let mut statuses = vec![];
    for _ in 0..5 {
        let r = t
            .request_from(
                "203.0.113.50",
                "POST",
                "/api/auth/password-reset/confirm",
                Some(json!({ "token": forged(&id), "password": "x" })),
                None,
            )
            .await;
        statuses.push(r.status);
    }
    assert!(statuses.contains(&429), "a source guessing links is slowed down: {statuses:?}");
    let other = t
        .request_from(
            "203.0.113.51",
            "POST",
            "/api/auth/password-reset/confirm",
            Some(json!({ "token": forged(&id), "password": "x" })),
            None,
        )
        .await;
    assert_eq!(other.status, 400, "another source is not held: {other:?}");
}

#[tokio::test]
async fn an_email_changed_by_an_admin_ends_the_old_addresss_links_and_the_sessions_and_tells_the_old_address() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, cookie) = t.member(&c, "old@example.com", &[]).await;
    request(&t, "old@example.com").await;
    let token = t.last_link("old@example.com").await;
    let user = t.get(&format!("/api/users/{id}")).await;
    let version = user.body["profile"]["version"].as_u64().unwrap();
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": version, "email": "new@example.com" })).await;
    assert_eq!(r.status, 200, "{r:?}");
    let spent = confirm(&t, &token, "a strong and unrelated passphrase").await;
    assert_eq!((spent.status, spent.field()), (400, Some("token")), "the link sent to the old address is gone: {spent:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&cookie)).await.status, 401, "the session ended");
    let mails = t.mails_to("old@example.com").await;
    assert!(mails.iter().any(|(subject, _)| subject.contains("email of your SecBoard account was changed")), "{mails:?}");
}

#[tokio::test]
async fn a_password_set_by_an_admin_is_told_to_the_user() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "p@example.com", &[]).await;
    let user = t.get(&format!("/api/users/{id}")).await;
    let version = user.body["profile"]["version"].as_u64().unwrap();
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": version, "password": "an admin chose this passphrase" })).await;
    assert_eq!(r.status, 200, "{r:?}");
    let mails = t.mails_to("p@example.com").await;
    assert!(mails.iter().any(|(subject, _)| subject.contains("An administrator set your SecBoard password")), "{mails:?}");
}
