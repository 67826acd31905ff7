use secboard_domain::flows::bootstrap::{self, Bootstrap, FirstAdmin};
use secboard_domain::password::Password;
use secboard_tests::*;
use serde_json::json;

#[tokio::test]
async fn the_first_admin_is_created_once_with_a_completed_profile() {
    let t = TestApp::spawn().await;
    let again = FirstAdmin {
        email: "other@example.com".into(),
        password: Password::new("another password"),
        first_name: None,
        last_name: None,
        company: None,
    };
    assert_eq!(bootstrap::ensure_first_admin(&t.app.deps, again, "test").await.unwrap(), Bootstrap::AlreadyThere);
    let me = t.get("/api/me").await;
    assert_eq!(
        (me.body["superuser"].as_bool(), me.body["profile"]["completed"].as_bool(), me.body["gate"].as_str()),
        (Some(true), Some(true), Some("done"))
    );
    assert!(bootstrap::issue_setup_token(&t.app.deps).await.unwrap().is_none(), "no setup link once an admin exists");
}

#[tokio::test]
async fn a_setup_link_creates_the_first_admin_once_and_expires_in_a_day() {
    // A table of its own with no admin yet.
    let t = TestApp::spawn().await;
    let fresh = secboard_tests::fresh_app(&t).await;
    let token = bootstrap::issue_setup_token(&fresh.deps).await.unwrap().expect("a token while no admin exists");
    let functions = secboard_infra::gateway::Functions::new(fresh.clone(), t.web.clone(), t.blobs.clone());
    let post = |body: serde_json::Value| {
        let req = http::Request::builder()
            .method("POST")
            .uri("/api/auth/setup")
            .header("content-type", "application/json")
            .body(lambda_http::Body::Text(body.to_string()))
            .unwrap();
        functions.dispatch(secboard_infra::gateway::to_gateway_request(req, "127.0.0.1"))
    };
    let bad = post(json!({ "token": token, "email": "boss@example.com", "password": "short" })).await;
    assert_eq!(bad.status(), 400, "a bad password does not burn the link");
    let ok = post(json!({ "token": token, "email": "boss@example.com", "password": "long enough password" })).await;
    assert_eq!(ok.status(), 201);
    let reuse = post(json!({ "token": token, "email": "boss2@example.com", "password": "long enough password" })).await;
    assert_eq!(reuse.status(), 400);

    let other = secboard_tests::fresh_app(&t).await;
    let token = bootstrap::issue_setup_token(&other.deps).await.unwrap().unwrap();
    t.clock.advance(jiff::SignedDuration::from_hours(24));
    let late = bootstrap::redeem_setup(
        &other.deps,
        serde_json::from_value(json!({ "token": token, "email": "late@example.com", "password": "long enough password" })).unwrap(),
    )
    .await;
    assert!(matches!(late, Err(secboard_domain::Error::Invalid { ref field, .. }) if field == "token"), "{late:?}");
}
