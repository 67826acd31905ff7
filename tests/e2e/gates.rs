//! The sign-in gates in order (totp, no_profile, password_change, totp_setup, complete_profile,
//! done), the forced password change, and the user's own password change.

use secboard_domain::totp::{code_at, step_of};
use secboard_tests::*;
use serde_json::{Value, json};

fn code(t: &TestApp, secret: &str) -> String {
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).unwrap();
    format!("{:06}", code_at(&key, step_of(t.clock_now())))
}

async fn edit(t: &TestApp, id: &str, change: Value) {
    let v = t.get(&format!("/api/users/{id}")).await.body["profile"]["version"].as_u64().unwrap();
    let mut body = change;
    body["version"] = v.into();
    let r = t.patch(&format!("/api/users/{id}"), body).await;
    assert_eq!(r.status, 200, "{r:?}");
}

async fn login(t: &TestApp, email: &str, password: &str) -> Reply {
    t.request("POST", "/api/auth/login", Some(json!({ "email": email, "password": password })), None).await
}

async fn change(t: &TestApp, cookie: &mut String, current: Option<&str>, new: &str) -> Reply {
    let body = match current {
        Some(c) => json!({ "current": c, "new": new }),
        None => json!({ "new": new }),
    };
    t.step("POST", "/api/me/password", Some(body), cookie).await
}

#[tokio::test]
async fn a_forced_password_change_holds_the_session_until_a_new_password_is_set() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "ada@example.com", &[]).await;
    edit(&t, &id, json!({ "force_password_change": true })).await;

    let r = login(&t, "ada@example.com", "member password 1").await;
    assert_eq!(r.body["next"], "password_change");
    let mut cookie = r.cookie().unwrap();
    let blocked = t.request("PATCH", "/api/me", Some(json!({ "version": 1 })), Some(&cookie)).await;
    assert_eq!((blocked.status, blocked.body["gate"].as_str()), (403, Some("password_change")));
    assert_eq!(t.request("POST", "/api/me/totp/setup", Some(json!({})), Some(&cookie)).await.status, 403);

    let missing = change(&t, &mut cookie, None, "a brand new passphrase 2026").await;
    assert_eq!((missing.status, missing.field()), (400, Some("current")));
    let wrong = change(&t, &mut cookie, Some("not my password"), "a brand new passphrase 2026").await;
    assert_eq!((wrong.status, wrong.field()), (400, Some("current")));
    let same = change(&t, &mut cookie, Some("member password 1"), "member password 1").await;
    assert_eq!((same.status, same.field()), (400, Some("new")), "{same:?}");
    let weak = change(&t, &mut cookie, Some("member password 1"), "password123").await;
    assert_eq!((weak.status, weak.field()), (400, Some("new")));
    let short = change(&t, &mut cookie, Some("member password 1"), "a1!").await;
    assert_eq!((short.status, short.field()), (400, Some("new")));

    let ok = change(&t, &mut cookie, Some("member password 1"), "a brand new passphrase 2026").await;
    assert_eq!((ok.status, ok.body["next"].as_str()), (200, Some("done")), "{ok:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&cookie)).await.body["gate"], "done", "this session goes on");
    let user = t.get(&format!("/api/users/{id}")).await;
    assert_eq!(user.body["force_password_change"], false);
    assert_eq!(login(&t, "ada@example.com", "member password 1").await.status, 401);
    assert_eq!(login(&t, "ada@example.com", "a brand new passphrase 2026").await.body["next"], "done");
}

#[tokio::test]
async fn changing_ones_own_password_ends_every_other_session_keeps_this_one_and_mails_a_notice() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, mut first) = t.member(&c, "ada@example.com", &[]).await;
    let second = t.sign_in("ada@example.com", "member password 1").await;
    let ok = change(&t, &mut first, Some("member password 1"), "a brand new passphrase 2026").await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&first)).await.status, 200, "this session stays");
    assert_eq!(t.request("GET", "/api/me", None, Some(&second)).await.status, 401, "the other one ended");
    let mails = t.mails_to("ada@example.com").await;
    assert!(mails.iter().any(|(s, _)| s == "Your SecBoard password was changed"), "{mails:?}");
    let audit = t.get(&format!("/api/audit?user={id}")).await;
    assert!(audit.body.to_string().contains("password.changed"), "{}", audit.body);
}

#[tokio::test]
async fn an_account_without_a_password_sets_one_from_a_recent_magic_link_sign_in() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.set_control_word(&c, "acme onboarding 2026").await;
    t.user(json!({ "email": "fresh@example.com", "first_name": "F", "last_name": "L", "company_id": c })).await;
    let m = t.magic_sign_in("fresh@example.com", "acme onboarding 2026").await;
    let mut cookie = m.cookie().unwrap();
    assert_eq!(t.step("POST", "/api/me/complete", Some(json!({})), &mut cookie).await.status, 200);
    t.clock.advance(jiff::SignedDuration::from_mins(20));
    let stale = change(&t, &mut cookie, None, "a brand new passphrase 2026").await;
    assert_eq!((stale.status, stale.body["reauthenticate"].as_bool()), (403, Some(true)), "{stale:?}");
    let mut m2 = t.magic_sign_in("fresh@example.com", "acme onboarding 2026").await.cookie().unwrap();
    assert_eq!(change(&t, &mut m2, None, "a brand new passphrase 2026").await.status, 200);
    assert_eq!(login(&t, "fresh@example.com", "a brand new passphrase 2026").await.status, 200);
}

#[tokio::test]
async fn the_gates_come_in_order_totp_password_change_totp_setup_complete_profile_done() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;

    // Required 2FA, forced change and an incomplete profile: password_change, totp_setup, complete_profile.
    let r = t.user(json!({ "email": "new@example.com", "first_name": "N", "last_name": "U", "company_id": c })).await;
    let id = r.id();
    t.set_password(&id, "member password 1").await;
    edit(&t, &id, json!({ "require_2fa": true, "force_password_change": true })).await;
    let r = login(&t, "new@example.com", "member password 1").await;
    assert_eq!(r.body["next"], "password_change");
    let mut cookie = r.cookie().unwrap();
    assert_eq!(t.step("POST", "/api/me/complete", Some(json!({})), &mut cookie).await.status, 403);
    let r = change(&t, &mut cookie, Some("member password 1"), "a brand new passphrase 2026").await;
    assert_eq!(r.body["next"], "totp_setup", "{r:?}");
    assert_eq!(t.step("POST", "/api/me/complete", Some(json!({})), &mut cookie).await.status, 403);
    let s = t.request("POST", "/api/me/totp/setup", Some(json!({})), Some(&cookie)).await;
    let secret = s.body["secret"].as_str().unwrap().to_owned();
    let r = t.step("POST", "/api/me/totp/confirm", Some(json!({ "code": code(&t, &secret) })), &mut cookie).await;
    assert_eq!(r.body["next"], "complete_profile", "{r:?}");
    let r = t.step("POST", "/api/me/complete", Some(json!({})), &mut cookie).await;
    assert_eq!(r.body["next"], "done");

    // Enrolled 2FA and a forced change: the code comes first, then the password.
    edit(&t, &id, json!({ "force_password_change": true })).await;
    t.clock.advance(jiff::SignedDuration::from_secs(30));
    let r = login(&t, "new@example.com", "a brand new passphrase 2026").await;
    assert_eq!(r.body["next"], "totp");
    let mut cookie = r.cookie().unwrap();
    assert_eq!(change(&t, &mut cookie, Some("a brand new passphrase 2026"), "another passphrase for 2027").await.status, 403);
    let r = t.step("POST", "/api/auth/totp", Some(json!({ "code": code(&t, &secret) })), &mut cookie).await;
    assert_eq!(r.body["next"], "password_change", "{r:?}");
    let r = change(&t, &mut cookie, Some("a brand new passphrase 2026"), "another passphrase for 2027").await;
    assert_eq!(r.body["next"], "done", "{r:?}");
}

#[tokio::test]
async fn an_account_without_a_profile_stops_at_no_profile_until_an_administrator_wraps_it() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    // An account without a cabinet profile, as the admin tool or an import makes it.
    let password = secboard_domain::password::Password::new("legacy password 2019");
    let id = secboard_domain::flows::create_user::create_account(&t.app.deps, "legacy@example.com", Some(&password), false, "test")
        .await
        .expect("account")
        .to_string();

    assert_eq!(login(&t, "legacy@example.com", "not the password").await.status, 401, "the password is still checked");
    let r = login(&t, "legacy@example.com", "legacy password 2019").await;
    assert_eq!((r.status, r.body["next"].as_str()), (200, Some("no_profile")), "{r:?}");
    let cookie = r.cookie().unwrap();
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert_eq!((me.status, me.body["gate"].as_str(), me.body["email"].as_str()), (200, Some("no_profile"), Some("legacy@example.com")));
    for (method, path, body) in [
        ("PATCH", "/api/me", Some(json!({ "version": 1 }))),
        ("POST", "/api/me/complete", Some(json!({}))),
        ("POST", "/api/me/password", Some(json!({ "current": "legacy password 2019", "new": "a brand new passphrase 2026" }))),
        ("POST", "/api/me/totp/setup", Some(json!({}))),
        ("GET", "/api/me/sessions", None),
        ("GET", "/api/users", None),
        ("GET", &format!("/api/users/{id}"), None),
    ] {
        let blocked = t.request(method, path, body, Some(&cookie)).await;
        assert_eq!((blocked.status, blocked.body["gate"].as_str()), (403, Some("no_profile")), "{method} {path}: {blocked:?}");
    }
    let out = t.request("POST", "/api/auth/logout", Some(json!({})), Some(&cookie)).await;
    assert!(out.status < 300, "sign-out works at this gate: {out:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&cookie)).await.status, 401);

    // "Use Existing User" gives it a profile; the next sign-in goes on through the gates.
    let r = t.user(json!({ "mode": "existing", "user_id": id, "first_name": "Leg", "last_name": "Acy", "company_id": c })).await;
    assert_eq!(r.status, 201, "{r:?}");
    let r = login(&t, "legacy@example.com", "legacy password 2019").await;
    assert_eq!((r.status, r.body["next"].as_str()), (200, Some("complete_profile")), "{r:?}");
    let mut cookie = r.cookie().unwrap();
    assert_eq!(t.step("POST", "/api/me/complete", Some(json!({})), &mut cookie).await.body["next"], "done");
}
