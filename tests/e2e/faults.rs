//! Faults of the services under the functions: a store that refuses or does not answer is a 503
//! problem+json with Retry-After, never a 500, and nothing is half-written.

use secboard_domain::clock::OsEntropy;
use secboard_domain::keys::MasterKey;
use secboard_dynamodb::DynamoStore;
use secboard_infra::embedded::local_sdk_config;
use secboard_infra::gateway::{Functions, to_gateway_request};
use secboard_tests::*;
use secboard_wiring::App;
use std::sync::Arc;

#[tokio::test]
async fn a_store_that_refuses_every_connection_is_a_503_with_retry_after() {
    let t = TestApp::spawn().await;
    // Nothing listens on port 9 of this machine: every store call fails after the SDK's retries.
    let down = DynamoStore::new(&local_sdk_config("http://127.0.0.1:9"), "nowhere");
    let app = App::new(down, t.clock.clone(), Arc::new(OsEntropy), jiff::tz::TimeZone::UTC, MasterKey::from_bytes([42; 32]));
    let functions = Functions::new(app, t.web.clone(), t.blobs.clone());
    for (method, path, body) in [
        ("POST", "/api/auth/login", r#"{"email":"admin@example.com","password":"correct horse battery staple"}"#),
        ("POST", "/api/auth/password-reset", r#"{"email":"admin@example.com"}"#),
        ("GET", "/api/users", ""),
    ] {
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:3000")
            .header("content-type", "application/json")
            .header("cookie", &t.admin_cookie)
            .body(lambda_http::Body::Text(body.to_owned()))
            .unwrap();
        let r = functions.dispatch(to_gateway_request(req, TEST_IP)).await;
        assert_eq!(r.status(), 503, "{method} {path}: {:?}", r.body());
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
    }
}
