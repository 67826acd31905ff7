//! Rows of the security checklist (docs/security.md) that no flow's own tests prove: each test
//! is named by its row and fails if the rule breaks.

use secboard_infra::gateway::{Functions, to_gateway_request};
use secboard_tests::*;
use serde_json::json;
use std::time::{Duration, Instant};

async fn login(t: &TestApp, ip: &str, email: &str, password: &str) -> Reply {
    t.request_from(ip, "POST", "/api/auth/login", Some(json!({ "email": email, "password": password })), None).await
}

#[tokio::test]
async fn s03_no_composition_rules_no_hints_no_rotation() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, mut cookie) = t.member(&c, "plain@acme.test", &[]).await;
    // Lower-case letters and spaces only: no digit, capital or symbol is asked for.
    let body = json!({ "current": "member password 1", "new": "quiet river under old stone bridges" });
    let r = t.step("POST", "/api/me/password", Some(body), &mut cookie).await;
    assert_eq!(r.status, 200, "{r:?}");
    // No hint can be stored.
    let r = t.step("POST", "/api/me/password", Some(json!({ "current": "x", "new": "y", "hint": "river" })), &mut cookie).await;
    assert_eq!(r.status, 400, "{r:?}");
    // No rotation: two years on, the same password signs in straight to `done`.
    t.clock.advance(jiff::SignedDuration::from_hours(2 * 366 * 24));
    let r = login(&t, TEST_IP, "plain@acme.test", "quiet river under old stone bridges").await;
    assert_eq!((r.status, r.body["next"].as_str()), (200, Some("done")), "{r:?}");
    let _ = id;
}

#[tokio::test]
async fn s04_a_password_is_verified_exactly_as_received() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "exact@acme.test", &[]).await;
    // NFC "é" (U+00E9), a trailing space, mixed case, and 80 characters in all (past bcrypt's 72).
    let exact = format!("Caf\u{e9} Exact Phrase {} ", "x".repeat(80 - 19));
    assert_eq!(exact.chars().count(), 80);
    t.set_password(&id, &exact).await;
    let variants = [
        ("trailing space dropped", exact.trim_end().to_owned()),
        ("case folded", exact.to_lowercase()),
        ("NFD instead of NFC", exact.replace('\u{e9}', "e\u{301}")),
        ("cut at 72 characters", exact.chars().take(72).collect()),
    ];
    for (i, (what, pw)) in variants.iter().enumerate() {
        let r = login(&t, &format!("203.0.113.{}", 10 + i), "exact@acme.test", pw).await;
        assert_eq!(r.status, 401, "{what}: {r:?}");
        t.clock.advance(jiff::SignedDuration::from_mins(10));
    }
    assert_eq!(login(&t, "203.0.113.99", "exact@acme.test", &exact).await.status, 200, "exactly as set");
}

#[tokio::test]
async fn s08_an_unknown_emails_sign_in_costs_what_a_known_ones_does_side_by_side() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "known@acme.test", &[]).await;
    // Warm both paths once, then interleave, each from its own source and minutes apart so no
    // throttle delay enters the comparison.
    login(&t, "198.51.100.200", "known@acme.test", "wrong password here").await;
    login(&t, "198.51.100.201", "nobody@acme.test", "wrong password here").await;
    let (mut known, mut unknown) = (vec![], vec![]);
    for i in 0..7 {
        t.clock.advance(jiff::SignedDuration::from_mins(30));
        let before = t.store.operations().len();
        let started = Instant::now();
        assert_eq!(login(&t, &format!("198.51.100.{i}"), "known@acme.test", "wrong password here").await.status, 401);
        known.push(started.elapsed());
        let known_ops = t.store.operations()[before..].to_vec();
        let before = t.store.operations().len();
        let started = Instant::now();
        assert_eq!(login(&t, &format!("198.51.100.{}", 100 + i), "nobody@acme.test", "wrong password here").await.status, 401);
        unknown.push(started.elapsed());
        assert_eq!(t.store.operations()[before..].to_vec(), known_ops, "the same store work for a known and an unknown email");
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[3].as_secs_f64(), unknown[3].as_secs_f64());
    assert!(u / k > 0.5 && u / k < 2.0, "medians side by side: known {k:.4} s, unknown {u:.4} s");
}

#[tokio::test]
async fn s18_opening_a_link_spends_nothing_only_the_post_does() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "link@acme.test", &[]).await;
    let sent = t.request("POST", &format!("/api/users/{id}/first-access-link"), Some(json!({})), Some(&t.admin_cookie.clone())).await;
    assert_eq!(sent.status, 202, "{sent:?}");
    t.deliver().await;
    let (_, body) = t.mails_to("link@acme.test").await.pop().expect("a mail");
    let link = body.split_whitespace().find(|w| w.starts_with(CONSOLE_URL)).expect("a link in the mail").to_owned();
    // The secret is in the fragment, which a browser (or a mail scanner) never sends.
    let (page, token) = link.split_once('#').expect("the token in the URL fragment");
    assert!(!page.contains('?'), "nothing secret in the part a GET sends: {page}");
    // What a prefetcher could GET, with the token as a query: nothing answers, nothing is spent.
    for path in ["/api/auth/password-reset/confirm", "/api/auth/magic-link", "/api/auth/password-reset"] {
        let r = t.request("GET", &format!("{path}?token={token}"), None, None).await;
        assert!(r.status == 404 || r.status == 405, "GET {path}: {r:?}");
    }
    let r = t.confirm_link(token, "violet canyon drift pebble 2026").await;
    assert_eq!(r.status, 200, "the link still works after every GET: {r:?}");
}

#[tokio::test]
async fn s20_links_are_built_from_the_configured_url_whatever_the_host_header() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.member(&c, "host@acme.test", &[]).await;
    let req = http::Request::builder()
        .method("POST")
        .uri("/api/auth/password-reset")
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("forwarded", "host=evil.example")
        .header("content-type", "application/json")
        .body(lambda_http::Body::Text(json!({ "email": "host@acme.test" }).to_string()))
        .unwrap();
    assert_eq!(t.send(req).await.status, 202);
    t.deliver().await;
    let (_, body) = t.mails_to("host@acme.test").await.pop().expect("a mail");
    assert!(!body.contains("evil.example"), "{body}");
    assert!(body.contains(&format!("{CONSOLE_URL}/password.html#")), "{body}");
}

#[tokio::test]
async fn s20_every_page_a_token_reaches_sends_no_referrer() {
    let console = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../console");
    for page in ["password.html", "magic.html", "setup.html", "forgot.html", "index.html", "first-login.html"] {
        let html = std::fs::read_to_string(console.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(html.contains(r#"<meta name="referrer" content="no-referrer">"#), "{page} has no no-referrer policy");
    }
    let template = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml")).unwrap();
    assert!(template.contains("ReferrerPolicy: no-referrer"), "CloudFront sends Referrer-Policy: no-referrer");
}

#[tokio::test]
async fn s27_a_new_session_secret_at_every_sign_in_and_at_every_gate_passed() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let r = t.user(json!({ "email": "gates@acme.test", "first_name": "Ga", "last_name": "Tes", "company_id": c })).await;
    let id = r.id();
    t.set_password(&id, "member password 1").await;
    // Two sign-ins, two secrets, both live.
    let a = t.sign_in("gates@acme.test", "member password 1").await;
    let b = t.sign_in("gates@acme.test", "member password 1").await;
    assert_ne!(a, b);
    let secret = |c: &str| c.split_once('.').unwrap().1.to_owned();
    assert_eq!(secret(&a).len(), 43, "256 bits, base64url");
    // A gate passed: the session moves on under a new secret and the old one stops.
    let mut moved = a.clone();
    let r = t.step("POST", "/api/me/complete", Some(json!({})), &mut moved).await;
    assert_eq!((r.status, r.body["next"].as_str()), (200, Some("done")), "{r:?}");
    assert_ne!(moved, a);
    assert_eq!(t.request("GET", "/api/me", None, Some(&a)).await.status, 401, "the secret sent at the gate is over");
    assert_eq!(t.request("GET", "/api/users", None, Some(&a)).await.status, 401);
    assert_eq!(t.request("GET", "/api/me", None, Some(&moved)).await.status, 200);
    // One's own password change: this session stays, under a new secret.
    let mut kept = moved.clone();
    let r = t
        .step("POST", "/api/me/password", Some(json!({ "current": "member password 1", "new": "a brand new passphrase 2026" })), &mut kept)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_ne!(kept, moved);
    assert_eq!(t.request("GET", "/api/me", None, Some(&moved)).await.status, 401);
    assert_eq!(t.request("GET", "/api/me", None, Some(&kept)).await.status, 200);
    // The second factor (tests/e2e/two_factor.rs holds the codes): the totp gate too.
    let _ = b;
}

#[tokio::test]
async fn s27_passing_the_second_factor_gives_a_new_secret() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, mut cookie) = t.member(&c, "tf@acme.test", &[]).await;
    let key = t.enrol_totp(&mut cookie).await;
    let code = |t: &TestApp| t.totp_code(&key);
    t.clock.advance(jiff::SignedDuration::from_secs(30));
    let gated = t.sign_in("tf@acme.test", "member password 1").await;
    let mut passed = gated.clone();
    let r = t.step("POST", "/api/auth/totp", Some(json!({ "code": code(&t) })), &mut passed).await;
    assert_eq!((r.status, r.body["next"].as_str()), (200, Some("done")), "{r:?}");
    assert_ne!(passed, gated);
    assert_eq!(t.request("GET", "/api/me", None, Some(&gated)).await.status, 401, "the secret seen before the second factor is over");
    assert_eq!(t.request("GET", "/api/users", None, Some(&passed)).await.status, 403, "signed in (a member has no right to the list)");
}

#[tokio::test]
async fn s33_the_exports_own_link_expires_within_fifteen_minutes() {
    // moto never checks a presigned link's expiry; the embedded engine does.
    assert!(s3_endpoint().is_none(), "run against the embedded S3 engine: moto does not check expiry");
    let t = TestApp::spawn().await;
    let export = |lag_mins: u64| {
        let functions =
            Functions::new(t.app.clone(), t.web.clone(), t.blobs.clone().signing_earlier_by(Duration::from_secs(lag_mins * 60)));
        let req = http::Request::builder()
            .method("POST")
            .uri("/api/users/export")
            .header("host", "127.0.0.1:3000")
            .header("content-type", "application/json")
            .header("cookie", &t.admin_cookie)
            .body(lambda_http::Body::Text("{}".into()))
            .unwrap();
        async move {
            let r = functions.dispatch(to_gateway_request(req, TEST_IP)).await;
            assert_eq!(r.status(), 200);
            let body: serde_json::Value = match r.body() {
                lambda_http::Body::Text(s) => serde_json::from_str(s).unwrap(),
                other => panic!("{other:?}"),
            };
            body["url"].as_str().unwrap().to_owned()
        }
    };
    let fresh = export(0).await;
    assert!(fresh.contains("X-Amz-Expires=900"), "valid 15 minutes: {fresh}");
    assert!(!fresh.contains("X-Amz-Credential=") || fresh.contains("X-Amz-Signature="), "signed");
    assert_eq!(fetch(&fresh).await.0, 200);
    assert_eq!(fetch(&export(14).await).await.0, 200, "still valid after 14 minutes");
    assert_eq!(fetch(&export(16).await).await.0, 403, "expired after 16 minutes");
}

#[tokio::test]
async fn s07_a_hash_below_the_policy_is_replaced_at_the_next_sign_in() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use aws_sdk_dynamodb::types::AttributeValue;
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "old@acme.test", &[]).await;
    // A hash an older policy wrote: argon2id at a quarter of the memory and one pass.
    let weak = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon2::Params::new(4096, 1, 1, None).unwrap())
        .hash_password(b"member password 1", &SaltString::encode_b64(&[9u8; 16]).unwrap())
        .unwrap()
        .to_string();
    let cred = AttributeValue::M(
        [("kind".to_owned(), AttributeValue::S("password".into())), ("hash".to_owned(), AttributeValue::S(weak.clone()))].into(),
    );
    t.raw_update(&format!("USER#{id}"), "ACCOUNT", "SET credential = :v", cred).await;
    t.sign_in("old@acme.test", "member password 1").await;
    let account = t.raw_get(&format!("USER#{id}"), "ACCOUNT").await.unwrap();
    let stored = account["credential"].as_m().unwrap()["hash"].as_s().unwrap().clone();
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "upgraded: {stored}");
    assert_ne!(stored, weak);
    t.sign_in("old@acme.test", "member password 1").await;
    let audit = t.get(&format!("/api/audit?user={id}")).await.body.to_string();
    assert!(audit.contains("password.rehashed"), "{audit}");
}

/// Everything the code logs while `f` runs on this thread, at every level, as JSON lines.
async fn logged<F: std::future::Future<Output = ()>>(f: F) -> String {
    #[derive(Clone, Default)]
    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let out = sink.clone();
    let subscriber = tracing_subscriber::fmt().json().with_max_level(tracing::Level::TRACE).with_writer(move || sink.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    f.await;
    String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
}

#[tokio::test]
async fn s12_s34_no_password_token_or_link_is_logged_or_stored_in_the_clear() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.set_control_word(&c, "acme onboarding 2026").await;
    let (id, _) = t.member(&c, "quiet@acme.test", &[]).await;
    let mut secrets: Vec<String> = vec!["member password 1".into(), "acme onboarding 2026".into()];
    let logs = logged(async {
        // A refused and a granted sign-in, a reset asked for, mailed and spent, a magic link.
        login(&t, "198.51.100.9", "quiet@acme.test", "not the password at all").await;
        let cookie = t.sign_in("quiet@acme.test", "member password 1").await;
        secrets.push(cookie.split_once('.').unwrap().1.to_owned());
        assert_eq!(t.request("POST", "/api/auth/password-reset", Some(json!({ "email": "quiet@acme.test" })), None).await.status, 202);
        let token = t.last_link("quiet@acme.test").await;
        secrets.push(token.split_once('.').unwrap().1.to_owned());
        let r = t.confirm_link(&token, "violet canyon drift pebble 2026").await;
        assert_eq!(r.status, 200, "{r:?}");
        secrets.push("violet canyon drift pebble 2026".into());
        let r = t.magic_sign_in("quiet@acme.test", "acme onboarding 2026").await;
        assert_eq!(r.status, 200, "{r:?}");
        secrets.push(r.cookie().unwrap().split_once('.').unwrap().1.to_owned());
    })
    .await;
    assert!(logs.contains("BatchGetItem"), "the capture sees every log line, the SDK's traces too");
    let stored = format!("{:?}", t.all_items().await);
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "a secret in the logs: {s}");
        assert!(!stored.contains(s.as_str()), "a secret stored in the clear: {s}");
    }
    assert!(!logs.contains(&format!("{CONSOLE_URL}/password.html#")), "a full link in the logs");
    // The audit log keeps each authentication event, with its reason and without the secret.
    let audit = t.get(&format!("/api/audit?user={id}")).await.body.to_string();
    for action in ["sign_in.refused", "sign_in.succeeded", "link.reset.spent", "link.magic.spent"] {
        assert!(audit.contains(action), "{action} missing from {audit}");
    }
}

#[tokio::test]
async fn s16_a_reset_neither_signs_in_nor_passes_the_second_factor() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, mut cookie) = t.member(&c, "twofa@acme.test", &[]).await;
    t.enrol_totp(&mut cookie).await;
    assert_eq!(t.request("POST", "/api/auth/password-reset", Some(json!({ "email": "twofa@acme.test" })), None).await.status, 202);
    let token = t.last_link("twofa@acme.test").await;
    let r = t.confirm_link(&token, "violet canyon drift pebble 2026").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.cookie().is_none(), "no sign-in by a reset");
    let r = login(&t, TEST_IP, "twofa@acme.test", "violet canyon drift pebble 2026").await;
    assert_eq!((r.status, r.body["next"].as_str()), (200, Some("totp")), "the second factor is still asked: {r:?}");
}
