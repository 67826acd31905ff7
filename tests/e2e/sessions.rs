use secboard_tests::*;
use serde_json::json;

#[tokio::test]
async fn authorizing_a_request_is_one_store_round_trip() {
    let t = TestApp::spawn().await;
    let before = t.store.operations().len();
    let r = t.get("/api/me").await;
    assert_eq!(r.status, 200);
    let ops = t.store.operations()[before..].to_vec();
    assert_eq!(ops, vec!["BatchGetItem"], "GET /api/me made {ops:?}");
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookie() {
    let t = TestApp::spawn().await;
    let r = t.request("POST", "/api/auth/logout", None, Some(&t.admin_cookie)).await;
    assert_eq!(r.status, 204);
    assert!(r.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(t.get("/api/me").await.status, 401);
    // Signing out again, or without a session, is fine.
    assert_eq!(t.request("POST", "/api/auth/logout", None, None).await.status, 204);
}

#[tokio::test]
async fn a_session_ends_after_an_hour_idle_and_twelve_hours_in_all() {
    let t = TestApp::spawn().await;
    t.set_now("2026-06-15T09:59:00Z");
    assert_eq!(t.get("/api/me").await.status, 200, "59 minutes idle is fine");
    t.set_now("2026-06-15T10:58:00Z");
    assert_eq!(t.get("/api/me").await.status, 200, "last seen at 09:59 was written");
    t.set_now("2026-06-15T11:58:30Z");
    assert_eq!(t.get("/api/me").await.status, 401, "an hour idle");

    let cookie = t.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let signed_in: jiff::Timestamp = "2026-06-15T11:58:30Z".parse().unwrap();
    // A request every 50 minutes keeps it from idling out, until twelve hours have passed.
    for k in 1..=15i64 {
        let now = signed_in.checked_add(jiff::SignedDuration::from_mins(50 * k)).unwrap();
        t.clock.set(now);
        let r = t.request("GET", "/api/me", None, Some(&cookie)).await;
        assert_eq!(r.status, if 50 * k < 720 { 200 } else { 401 }, "after {} minutes", 50 * k);
    }
}

#[tokio::test]
async fn a_deactivated_or_expired_or_deleted_account_stops_at_its_next_request() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (a, ca) = t.member(&c, "a@example.com", &[]).await;
    let (b, cb) = t.member(&c, "b@example.com", &[]).await;
    let (d, cd) = t.member(&c, "d@example.com", &[]).await;
    for cookie in [&ca, &cb, &cd] {
        assert_eq!(t.request("GET", "/api/me", None, Some(cookie)).await.status, 200);
    }
    t.raw_update(&format!("USER#{a}"), "ACCOUNT", "SET active = :v", aws_sdk_dynamodb::types::AttributeValue::Bool(false)).await;
    t.raw_update(&format!("USER#{b}"), "PROFILE", "SET end_date = :v", aws_sdk_dynamodb::types::AttributeValue::S("2026-06-14".into()))
        .await;
    t.store
        .client()
        .delete_item()
        .table_name(&t.table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{d}")))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("ACCOUNT".into()))
        .send()
        .await
        .unwrap();
    for cookie in [&ca, &cb, &cd] {
        assert_eq!(t.request("GET", "/api/me", None, Some(cookie)).await.status, 401);
    }
}

#[tokio::test]
async fn a_new_user_is_gated_until_the_profile_is_completed() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let g = t.group(Some(&c), "Viewers", json!({ "view": true })).await;
    let r = t.user(json!({ "email": "gated@example.com", "first_name": "G", "last_name": "U", "company_id": c, "groups": [g] })).await;
    t.set_password(&r.id(), "gated password 1").await;
    let login =
        t.request("POST", "/api/auth/login", Some(json!({ "email": "gated@example.com", "password": "gated password 1" })), None).await;
    assert_eq!(login.body["next"], "complete_profile");
    let cookie = login.cookie().unwrap();

    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert_eq!((me.status, me.body["gate"].as_str()), (200, Some("complete_profile")));
    let blocked = t.request("GET", "/api/users", None, Some(&cookie)).await;
    assert_eq!((blocked.status, blocked.body["gate"].as_str()), (403, Some("complete_profile")));

    let bad = t.request("POST", "/api/me/complete", Some(json!({ "phone": "12" })), Some(&cookie)).await;
    assert_eq!((bad.status, bad.field()), (400, Some("phone")));
    let done = t.request("POST", "/api/me/complete", Some(json!({ "first_name": "Grace" })), Some(&cookie)).await;
    assert_eq!((done.status, done.body["next"].as_str()), (200, Some("done")));
    let list = t.request("GET", "/api/users", None, Some(&cookie)).await;
    assert_eq!(list.status, 200, "{list:?}");
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert_eq!(me.body["profile"]["first_name"], "Grace");
    assert_eq!(me.body["profile"]["completed"], true);
}

#[tokio::test]
async fn a_cross_site_state_change_is_refused() {
    let t = TestApp::spawn().await;
    let req = |origin: Option<&str>, site: Option<&str>, ct: &str| {
        let mut b = http::Request::builder()
            .method("POST")
            .uri("/api/org/companies")
            .header("host", "127.0.0.1:3000")
            .header("content-type", ct)
            .header("cookie", &t.admin_cookie);
        if let Some(o) = origin {
            b = b.header("origin", o);
        }
        if let Some(s) = site {
            b = b.header("sec-fetch-site", s);
        }
        b.body(lambda_http::Body::Text(r#"{"name":"X"}"#.into())).unwrap()
    };
    assert_eq!(t.send(req(Some("https://evil.example"), Some("cross-site"), "application/json")).await.status, 403);
    assert_eq!(t.send(req(Some("https://evil.example"), None, "application/json")).await.status, 403);
    assert_eq!(t.send(req(None, Some("same-site"), "application/json")).await.status, 403);
    assert_eq!(t.send(req(None, None, "text/plain")).await.status, 415, "a form-like body is not JSON");
    assert_eq!(t.send(req(Some("http://127.0.0.1:3000"), Some("same-origin"), "application/json")).await.status, 201);
    assert_eq!(t.send(req(None, None, "application/json; charset=utf-8")).await.status, 201, "curl sends neither header");
    assert_eq!(t.get("/api/org/companies").await.body.as_array().unwrap().len(), 3, "Administration and the two allowed");
}
