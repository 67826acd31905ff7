use secboard_tests::*;
use serde_json::json;

async fn refused(t: &TestApp, email: &str, password: &str) -> serde_json::Value {
    let r = t.request("POST", "/api/auth/login", Some(json!({ "email": email, "password": password })), None).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert!(r.cookie().is_none());
    r.body
}

async fn last_reason(t: &TestApp, user_id: &str) -> String {
    let r = t.get(&format!("/api/audit?user={user_id}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    let ev = r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "sign_in.refused")
        .cloned()
        .expect("a refusal in the audit log");
    ev["detail"]["reason"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_admin_signs_in_and_gets_a_strict_http_only_cookie() {
    let t = TestApp::spawn().await;
    let r = t.request("POST", "/api/auth/login", Some(json!({ "email": "ADMIN@example.com", "password": ADMIN_PASSWORD })), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["next"], "done");
    let set = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(set.starts_with("secboard_session="), "{set}");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"), "{set}");
    assert!(!set.contains("Secure"), "plain-http local runs omit Secure: {set}");
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_with_the_host_prefix() {
    let t = TestApp::spawn_with(secboard_http::WebConfig::direct(true)).await;
    let r = t.request("POST", "/api/auth/login", Some(json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD })), None).await;
    let set = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(set.starts_with("__Host-secboard_session=") && set.contains("; Secure"), "{set}");
    let me = t.request("GET", "/api/me", None, Some(&t.admin_cookie)).await;
    assert_eq!(me.status, 200);
}

#[tokio::test]
async fn every_refused_sign_in_gets_the_same_answer_and_the_audit_log_keeps_the_reason() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let wrong = refused(&t, ADMIN_EMAIL, "not the password").await;
    let unknown = refused(&t, "nobody@example.com", "whatever password").await;
    assert_eq!(wrong, unknown, "no account enumeration");

    // No password yet (first access comes by link).
    let r = t.user(json!({ "email": "new@example.com", "first_name": "N", "last_name": "U", "company_id": c })).await;
    let fresh = r.id();
    assert_eq!(refused(&t, "new@example.com", "anything at all").await, wrong);
    assert_eq!(last_reason(&t, &fresh).await, "no_password_yet");

    // Inactive, not yet active, expired.
    for (email, extra, reason) in [
        ("off@example.com", json!({ "active": false }), "inactive"),
        ("later@example.com", json!({ "start_date": "2026-06-16" }), "not_yet_active"),
        ("gone@example.com", json!({ "end_date": "2026-06-14" }), "expired"),
    ] {
        let mut body = json!({ "email": email, "first_name": "A", "last_name": "B", "company_id": c });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let r = t.user(body).await;
        assert_eq!(r.status, 201, "{r:?}");
        t.set_password(&r.id(), "their password 1").await;
        assert_eq!(refused(&t, email, "their password 1").await, wrong);
        assert_eq!(last_reason(&t, &r.id()).await, reason);
    }
}

#[tokio::test]
async fn the_end_date_is_inclusive_in_the_configured_time_zone() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let r = t
        .user(json!({ "email": "edge@example.com", "first_name": "E", "last_name": "D", "company_id": c, "end_date": "2026-06-15" }))
        .await;
    t.set_password(&r.id(), "edge password 1").await;
    t.set_now("2026-06-15T23:59:59Z");
    t.sign_in("edge@example.com", "edge password 1").await;
    t.set_now("2026-06-16T00:00:00Z");
    refused(&t, "edge@example.com", "edge password 1").await;
}
