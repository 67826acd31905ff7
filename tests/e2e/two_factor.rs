//! Two-factor authentication: set-up with a QR code, the challenge at sign-in, replay and drift,
//! backup codes (one use each, 50 concurrent uses of one code let one through), turning it off,
//! regenerating codes, recent sign-in, and the administrator's requirement, lift and reset.

use base64::Engine;
use futures::future::join_all;
use secboard_domain::totp::{code_at, step_of};
use secboard_tests::*;
use serde_json::{Value, json};

/// The code an authenticator app shows now (`steps` later or earlier).
fn code(t: &TestApp, secret: &str, steps: i64) -> String {
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).unwrap();
    format!("{:06}", code_at(&key, step_of(t.clock_now()) + steps))
}

/// Sets up and confirms 2FA for the session's user; answers the secret and the backup codes.
/// The clock then moves to the next 30-second step, so the next code is a fresh one.
async fn enrol(t: &TestApp, cookie: &mut String) -> (String, Vec<String>) {
    let s = t.request("POST", "/api/me/totp/setup", Some(json!({})), Some(cookie.as_str())).await;
    assert_eq!(s.status, 201, "{s:?}");
    let secret = s.body["secret"].as_str().unwrap().to_owned();
    let c = t.step("POST", "/api/me/totp/confirm", Some(json!({ "code": code(t, &secret, 0) })), cookie).await;
    assert_eq!(c.status, 200, "{c:?}");
    let codes: Vec<String> = c.body["backup_codes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    t.clock.advance(jiff::SignedDuration::from_secs(30));
    (secret, codes)
}

async fn sign_in_next(t: &TestApp, email: &str, password: &str) -> (String, String) {
    let r = t.request("POST", "/api/auth/login", Some(json!({ "email": email, "password": password })), None).await;
    assert_eq!(r.status, 200, "{r:?}");
    (r.body["next"].as_str().unwrap().to_owned(), r.cookie().unwrap())
}

async fn totp(t: &TestApp, cookie: &mut String, body: Value) -> Reply {
    t.step("POST", "/api/auth/totp", Some(body), cookie).await
}

#[tokio::test]
async fn set_up_shows_a_qr_code_once_and_a_code_turns_2fa_on_with_ten_backup_codes() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, mut cookie) = t.member(&c, "ada@example.com", &[]).await;

    let s = t.request("POST", "/api/me/totp/setup", Some(json!({})), Some(&cookie)).await;
    assert_eq!(s.status, 201, "{s:?}");
    let secret = s.body["secret"].as_str().unwrap().to_owned();
    let raw = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).unwrap();
    assert!(raw.len() * 8 >= 160, "a secret of at least 160 bits");
    let uri = s.body["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/SecBoard:ada@example.com?") && uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(uri.contains("issuer=SecBoard"));
    assert!(s.body["qr_svg"].as_str().unwrap().contains("<svg"));
    let png = base64::engine::general_purpose::STANDARD
        .decode(s.body["qr_png"].as_str().unwrap().strip_prefix("data:image/png;base64,").unwrap())
        .unwrap();
    assert!(image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap().width() >= 240);

    // At rest the secret is sealed: neither its bytes nor its base32 are in the item.
    let pending = t.raw_get(&format!("USER#{id}"), "TOTP#PENDING").await.expect("a pending secret");
    let sealed = pending["sealed"].as_b().unwrap().as_ref().to_vec();
    assert!(!sealed.windows(raw.len()).any(|w| w == raw.as_slice()));
    assert!(!format!("{pending:?}").contains(&secret));

    let wrong = t.step("POST", "/api/me/totp/confirm", Some(json!({ "code": "000000" })), &mut cookie).await;
    let wrong_is_wrong = code(&t, &secret, 0) != "000000";
    if wrong_is_wrong {
        assert_eq!((wrong.status, wrong.field()), (400, Some("code")), "{wrong:?}");
    }
    let bad = t.step("POST", "/api/me/totp/confirm", Some(json!({ "code": "12ab56" })), &mut cookie).await;
    assert_eq!((bad.status, bad.field()), (400, Some("code")));

    let ok = t.step("POST", "/api/me/totp/confirm", Some(json!({ "code": code(&t, &secret, 0) })), &mut cookie).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    let codes = ok.body["backup_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.as_str().unwrap().len() == 19));
    assert_eq!(ok.body["next"], "done");

    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert_eq!((me.body["totp_enrolled"].as_bool(), me.body["backup_codes_left"].as_u64()), (Some(true), Some(10)));
    assert!(!me.body.to_string().contains(&secret), "the secret is never shown again");
    let enrolled = t.raw_get(&format!("USER#{id}"), "TOTP").await.expect("the enrolment");
    assert!(!format!("{enrolled:?}").contains(codes[0].as_str().unwrap()), "backup codes are kept as digests");
    assert!(t.raw_get(&format!("USER#{id}"), "TOTP#PENDING").await.is_none());

    let again = t.request("POST", "/api/me/totp/setup", Some(json!({})), Some(&cookie)).await;
    assert_eq!((again.status, again.field()), (409, Some("totp")));
    let mails = t.mails_to("ada@example.com").await;
    assert!(mails.iter().any(|(s, _)| s == "Two-factor authentication is on for your SecBoard account"), "{mails:?}");
}

#[tokio::test]
async fn a_set_up_expires_and_a_confirm_without_one_is_refused() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, mut cookie) = t.member(&c, "ada@example.com", &[]).await;
    let none = t.step("POST", "/api/me/totp/confirm", Some(json!({ "code": "123456" })), &mut cookie).await;
    assert_eq!((none.status, none.field()), (409, Some("code")));
    let s = t.request("POST", "/api/me/totp/setup", Some(json!({})), Some(&cookie)).await;
    let secret = s.body["secret"].as_str().unwrap().to_owned();
    t.clock.advance(jiff::SignedDuration::from_mins(16));
    let late = t.step("POST", "/api/me/totp/confirm", Some(json!({ "code": code(&t, &secret, 0) })), &mut cookie).await;
    assert_eq!((late.status, late.field()), (409, Some("code")), "{late:?}");
}

#[tokio::test]
async fn a_2fa_user_signs_in_through_the_totp_gate_and_a_code_works_once() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, mut cookie) = t.member(&c, "ada@example.com", &[]).await;
    let (secret, _) = enrol(&t, &mut cookie).await;

    let (next, mut gated) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    assert_eq!(next, "totp");
    let blocked = t.request("PATCH", "/api/me", Some(json!({ "version": 1, "first_name": "X" })), Some(&gated)).await;
    assert_eq!((blocked.status, blocked.body["gate"].as_str()), (403, Some("totp")));
    assert_eq!(t.request("POST", "/api/me/totp/setup", Some(json!({})), Some(&gated)).await.status, 403);
    assert_eq!(t.request("GET", "/api/me", None, Some(&gated)).await.body["gate"], "totp");

    let now_code = code(&t, &secret, 0);
    let passed = totp(&t, &mut gated, json!({ "code": now_code })).await;
    assert_eq!((passed.status, passed.body["next"].as_str()), (200, Some("done")), "{passed:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&gated)).await.body["gate"], "done");
    assert_eq!(totp(&t, &mut gated, json!({ "code": now_code })).await.status, 403, "a done session has no totp step");

    // The same code in another sign-in, within its 30 seconds: refused, it was used.
    let (_, mut second) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    let replay = totp(&t, &mut second, json!({ "code": now_code })).await;
    assert_eq!((replay.status, replay.field()), (400, Some("code")), "{replay:?}");
    // The previous step is older than the one used: refused too. The next one (drift) is fine.
    assert_eq!(totp(&t, &mut second, json!({ "code": code(&t, &secret, -1) })).await.status, 400);
    let ahead = totp(&t, &mut second, json!({ "code": code(&t, &secret, 1) })).await;
    assert_eq!(ahead.status, 200, "one step of drift ahead is accepted: {ahead:?}");

    // Two steps away is too far, either way.
    t.clock.advance(jiff::SignedDuration::from_secs(90));
    let (_, mut third) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    assert_eq!(totp(&t, &mut third, json!({ "code": code(&t, &secret, 2) })).await.status, 400);
    assert_eq!(totp(&t, &mut third, json!({ "code": code(&t, &secret, -2) })).await.status, 400);
    assert_eq!(totp(&t, &mut third, json!({ "code": code(&t, &secret, 0) })).await.status, 200);
    let bad = totp(&t, &mut third, json!({ "code": "1", "backup_code": "x" })).await;
    assert_eq!(bad.status, 403, "the session is done");
}

#[tokio::test]
async fn a_magic_link_sign_in_of_a_2fa_user_also_stops_at_the_totp_gate() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.set_control_word(&c, "acme onboarding 2026").await;
    let (_, mut cookie) = t.member(&c, "ada@example.com", &[]).await;
    let (secret, _) = enrol(&t, &mut cookie).await;
    let m = t.magic_sign_in("ada@example.com", "acme onboarding 2026").await;
    assert_eq!((m.status, m.body["next"].as_str()), (200, Some("totp")), "{m:?}");
    let mut cookie = m.cookie().unwrap();
    assert_eq!(totp(&t, &mut cookie, json!({ "code": code(&t, &secret, 0) })).await.body["next"], "done");
}

#[tokio::test]
async fn fifty_concurrent_uses_of_one_backup_code_let_exactly_one_through() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, mut cookie) = t.member(&c, "ada@example.com", &[]).await;
    let (secret, codes) = enrol(&t, &mut cookie).await;
    let mut sessions = vec![];
    for _ in 0..50 {
        sessions.push(sign_in_next(&t, "ada@example.com", "member password 1").await.1);
    }
    // From 50 places, so the throttle lets every one reach the store.
    let uses =
        sessions.iter().enumerate().map(|(i, s)| {
            let t = &t;
            let code = codes[0].clone();
            async move {
                t.request_from(&format!("203.0.113.{i}"), "POST", "/api/auth/totp", Some(json!({ "backup_code": code })), Some(s)).await
            }
        });
    let replies = join_all(uses).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let refused = replies.iter().filter(|r| r.status == 400 && r.field() == Some("backup_code")).count();
    assert_eq!((ok, refused), (1, 49), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert_eq!(me.body["backup_codes_left"], 9);

    // The same for one TOTP step: of ten concurrent uses of one code, one gets in.
    let mut sessions = vec![];
    for _ in 0..10 {
        sessions.push(sign_in_next(&t, "ada@example.com", "member password 1").await.1);
    }
    let now_code = code(&t, &secret, 0);
    let uses = sessions.iter().enumerate().map(|(i, s)| {
        let (t, code) = (&t, now_code.clone());
        async move { t.request_from(&format!("192.0.2.{i}"), "POST", "/api/auth/totp", Some(json!({ "code": code })), Some(s)).await }
    });
    let replies = join_all(uses).await;
    assert_eq!(replies.iter().filter(|r| r.status == 200).count(), 1, "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_backup_code_works_once_in_any_form_and_regenerating_voids_every_earlier_code() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, mut cookie) = t.member(&c, "ada@example.com", &[]).await;
    let (_, codes) = enrol(&t, &mut cookie).await;

    let (_, mut s1) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    let typed = codes[1].to_lowercase().replace('-', " ");
    assert_eq!(totp(&t, &mut s1, json!({ "backup_code": typed })).await.status, 200, "case and separators do not matter");
    let (_, mut s2) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    let again = totp(&t, &mut s2, json!({ "backup_code": codes[1] })).await;
    assert_eq!((again.status, again.field()), (400, Some("backup_code")));
    let short = totp(&t, &mut s2, json!({ "backup_code": "ABCD" })).await;
    assert_eq!((short.status, short.field()), (400, Some("backup_code")));

    let fresh = t.request("POST", "/api/me/backup-codes", Some(json!({})), Some(&cookie)).await;
    assert_eq!(fresh.status, 200, "{fresh:?}");
    let new_codes: Vec<String> = fresh.body["backup_codes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    assert_eq!(new_codes.len(), 10);
    assert!(new_codes.iter().all(|c| !codes.contains(c)));
    let (_, mut s3) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    assert_eq!(totp(&t, &mut s3, json!({ "backup_code": codes[2] })).await.status, 400, "an earlier code is void");
    assert_eq!(totp(&t, &mut s3, json!({ "backup_code": new_codes[0] })).await.status, 200);
    let mails = t.mails_to("ada@example.com").await;
    assert!(mails.iter().any(|(s, _)| s == "New SecBoard backup codes"), "{mails:?}");
}

#[tokio::test]
async fn changing_2fa_needs_a_recent_sign_in_or_the_password_again() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, mut cookie) = t.member(&c, "ada@example.com", &[]).await;
    let (secret, _) = enrol(&t, &mut cookie).await;
    t.clock.advance(jiff::SignedDuration::from_mins(16));
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert_eq!(me.body["recent_sign_in"], false);
    let stale = t.request("POST", "/api/me/backup-codes", Some(json!({})), Some(&cookie)).await;
    assert_eq!((stale.status, stale.field(), stale.body["reauthenticate"].as_bool()), (403, Some("password"), Some(true)), "{stale:?}");
    let wrong = t.request("POST", "/api/me/backup-codes", Some(json!({ "password": "not it at all" })), Some(&cookie)).await;
    assert_eq!((wrong.status, wrong.field()), (400, Some("password")));
    let with_pw = t.request("POST", "/api/me/backup-codes", Some(json!({ "password": "member password 1" })), Some(&cookie)).await;
    assert_eq!(with_pw.status, 200, "{with_pw:?}");
    let with_code = t.request("POST", "/api/me/backup-codes", Some(json!({ "code": code(&t, &secret, 0) })), Some(&cookie)).await;
    assert_eq!(with_code.status, 200, "{with_code:?}");
    let replayed = t.request("POST", "/api/me/backup-codes", Some(json!({ "code": code(&t, &secret, 0) })), Some(&cookie)).await;
    assert_eq!((replayed.status, replayed.field()), (400, Some("code")), "a code proves once");

    // Starting a set-up is guarded the same way.
    let (_, other) = t.member(&c, "bob@example.com", &[]).await;
    t.clock.advance(jiff::SignedDuration::from_mins(16));
    assert_eq!(t.request("POST", "/api/me/totp/setup", Some(json!({})), Some(&other)).await.status, 403);
    let ok = t.request("POST", "/api/me/totp/setup", Some(json!({ "password": "member password 1" })), Some(&other)).await;
    assert_eq!(ok.status, 201);
}

#[tokio::test]
async fn turning_2fa_off_needs_a_code_or_the_password_and_mails_a_notice() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, mut cookie) = t.member(&c, "ada@example.com", &[]).await;
    let (secret, _) = enrol(&t, &mut cookie).await;
    let bare = t.request("DELETE", "/api/me/totp", Some(json!({})), Some(&cookie)).await;
    assert_eq!((bare.status, bare.field()), (400, Some("password")));
    let wrong = t.request("DELETE", "/api/me/totp", Some(json!({ "code": "000000" })), Some(&cookie)).await;
    if code(&t, &secret, 0) != "000000" {
        assert_eq!((wrong.status, wrong.field()), (400, Some("code")));
    }
    let off = t.request("DELETE", "/api/me/totp", Some(json!({ "code": code(&t, &secret, 0) })), Some(&cookie)).await;
    assert_eq!(off.status, 204, "{off:?}");
    assert!(t.raw_get(&format!("USER#{id}"), "TOTP").await.is_none());
    let (next, _) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    assert_eq!(next, "done");
    let off_again = t.request("DELETE", "/api/me/totp", Some(json!({ "password": "member password 1" })), Some(&cookie)).await;
    assert_eq!(off_again.status, 409);
    let mails = t.mails_to("ada@example.com").await;
    assert!(mails.iter().any(|(s, _)| s == "Two-factor authentication is off for your SecBoard account"), "{mails:?}");
}

#[tokio::test]
async fn required_2fa_sends_the_next_sign_in_to_set_up_and_only_an_admin_can_lift_or_reset_it() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, cookie) = t.member(&c, "ada@example.com", &[]).await;
    let version = |r: &Reply| r.body["profile"]["version"].as_u64().unwrap();
    let user = t.get(&format!("/api/users/{id}")).await;
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": version(&user), "require_2fa": true })).await;
    assert_eq!(r.status, 200, "{r:?}");

    let (next, mut gated) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    assert_eq!(next, "totp_setup");
    assert_eq!(t.request("GET", "/api/me", None, Some(&gated)).await.body["require_2fa"], true);
    let blocked = t.request("PATCH", "/api/me", Some(json!({ "version": 1 })), Some(&gated)).await;
    assert_eq!((blocked.status, blocked.body["gate"].as_str()), (403, Some("totp_setup")));
    assert_eq!(t.request("DELETE", "/api/me/avatar", None, Some(&gated)).await.status, 403);
    let (secret, codes) = enrol(&t, &mut gated).await;
    assert_eq!(t.request("GET", "/api/me", None, Some(&gated)).await.body["gate"], "done", "set-up passed the gate");

    // The user cannot turn it off while it is required.
    let off = t.request("DELETE", "/api/me/totp", Some(json!({ "code": code(&t, &secret, 0) })), Some(&gated)).await;
    assert_eq!((off.status, off.field()), (409, Some("require_2fa")));
    drop(cookie);

    // The FAQ's recovery: the admin lifts the requirement and resets the lost device.
    let user = t.get(&format!("/api/users/{id}")).await;
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": version(&user), "require_2fa": false, "reset_2fa": true })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&gated)).await.status, 401, "resetting 2FA ends the user's sessions");
    assert!(t.raw_get(&format!("USER#{id}"), "TOTP").await.is_none());
    let (next, mut fresh) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    assert_eq!(next, "done", "no code asked once reset and not required");
    assert_eq!(totp(&t, &mut fresh, json!({ "backup_code": codes[0] })).await.status, 403);
    let mails = t.mails_to("ada@example.com").await;
    assert!(mails.iter().any(|(s, _)| s == "Your SecBoard two-factor authentication was reset"), "{mails:?}");
    let user = t.get(&format!("/api/users/{id}")).await;
    let nothing = t.patch(&format!("/api/users/{id}"), json!({ "version": version(&user), "reset_2fa": true })).await;
    assert_eq!((nothing.status, nothing.field()), (409, Some("reset_2fa")));

    // Required again with a device enrolled: the requirement alone does not ask for a new set-up.
    let (_, _) = enrol(&t, &mut fresh).await;
    let user = t.get(&format!("/api/users/{id}")).await;
    assert_eq!(t.patch(&format!("/api/users/{id}"), json!({ "version": version(&user), "require_2fa": true })).await.status, 200);
    let (next, _) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    assert_eq!(next, "totp");
}

#[tokio::test]
async fn before_the_second_factor_me_shows_only_the_gate_and_the_email() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, mut cookie) = t.member(&c, "ada@example.com", &[]).await;
    enrol(&t, &mut cookie).await;
    let (_, gated) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    let me = t.request("GET", "/api/me", None, Some(&gated)).await;
    assert_eq!(me.status, 200, "{me:?}");
    let keys: Vec<&str> = me.body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["email", "gate"], "{me:?}");
    assert_eq!((me.body["gate"].as_str(), me.body["email"].as_str()), (Some("totp"), Some("ada@example.com")));
}

#[tokio::test]
async fn turning_2fa_on_at_the_set_up_gate_is_one_write_with_the_gate_move() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "ada@example.com", &[]).await;
    let user = t.get(&format!("/api/users/{id}")).await;
    let version = user.body["profile"]["version"].as_u64().unwrap();
    assert_eq!(t.patch(&format!("/api/users/{id}"), json!({ "version": version, "require_2fa": true })).await.status, 200);
    let (next, mut gated) = sign_in_next(&t, "ada@example.com", "member password 1").await;
    assert_eq!(next, "totp_setup");
    let s = t.request("POST", "/api/me/totp/setup", Some(json!({})), Some(&gated)).await;
    let secret = s.body["secret"].as_str().unwrap().to_owned();
    let before = t.store.operations().len();
    let ok = t.step("POST", "/api/me/totp/confirm", Some(json!({ "code": code(&t, &secret, 0) })), &mut gated).await;
    assert_eq!((ok.status, ok.body["next"].as_str()), (200, Some("done")), "{ok:?}");
    // The throttle's own writes come first; the enabling transaction is the last write, with
    // the session's move to its next gate in it.
    let ops = t.store.operations()[before..].to_vec();
    let last_write = ops.iter().rposition(|o| matches!(o.as_str(), "TransactWriteItems" | "UpdateItem" | "PutItem" | "DeleteItem"));
    assert_eq!(last_write.map(|i| ops[i].as_str()), Some("TransactWriteItems"), "{ops:?}");
    assert_eq!(ops.iter().filter(|o| *o == "TransactWriteItems").count(), 1, "{ops:?}");
}
