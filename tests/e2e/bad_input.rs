use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use secboard_http::routes::ROUTES;
use secboard_tests::*;
use serde_json::{Value, json};

#[tokio::test]
async fn malformed_json_and_wrong_types_get_a_400_naming_the_field() {
    let t = TestApp::spawn().await;
    let raw = |body: &str| {
        http::Request::builder()
            .method("POST")
            .uri("/api/org/companies")
            .header("content-type", "application/json")
            .header("cookie", &t.admin_cookie)
            .body(lambda_http::Body::Text(body.into()))
            .unwrap()
    };
    let r = t.send(raw("{not json")).await;
    assert_eq!((r.status, r.field()), (400, Some("body")));
    let r = t.send(raw(r#"{"name": 5}"#)).await;
    assert_eq!((r.status, r.field()), (400, Some("name")));
    let r = t.send(raw(r#"{"name": "x", "owner": "me"}"#)).await;
    assert_eq!((r.status, r.field()), (400, Some("owner")));
    let r = t.send(raw(r#"[]"#)).await;
    assert_eq!(r.status, 400);
    // A field given twice is not read as the last of the two (as a map would): refused, named.
    let r = t.send(raw(r#"{"name": "First Ltd", "name": "Second Ltd"}"#)).await;
    assert_eq!((r.status, r.field()), (400, Some("name")), "{}", r.body);
    // serde alone reads a struct from an array by position (schemathesis found it): refused.
    let r = t.send(raw(r#"["Array Ltd"]"#)).await;
    assert_eq!((r.status, r.field()), (400, Some("body")), "{}", r.body);
    let company = t.post("/api/org/companies", json!({ "name": "Settings Ltd" })).await.body["id"].as_str().unwrap().to_owned();
    let r = t
        .request("PUT", &format!("/api/org/companies/{company}/settings"), Some(json!({ "senders": [null, null] })), Some(&t.admin_cookie))
        .await;
    assert_eq!((r.status, r.field()), (400, Some("senders")), "{}", r.body);
    let r = t.send(raw(&format!(r#"{{"name": "{}"}}"#, "x".repeat(70_000)))).await;
    assert_eq!(r.status, 413);
    let r = t.post("/api/org/companies", json!({ "name": "x".repeat(151) })).await;
    assert_eq!((r.status, r.field()), (400, Some("name")));
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem_and_a_wrong_method_a_405() {
    let t = TestApp::spawn().await;
    let r = t.get("/api/nothing/here").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(r.body["status"], 404);
    let r = t.request("PUT", "/api/me", Some(json!({})), Some(&t.admin_cookie)).await;
    assert_eq!(r.status, 405);
    // RFC 9110: a 405 says what the path does answer (schemathesis found it missing).
    assert_eq!(r.headers["allow"], "GET, PATCH");
    // A literal resource shadows the parameter route beside it (schemathesis found it): POST on a
    // company's settings is not an item of kind "settings".
    let c = t.company("Shadow Ltd").await;
    let r = t.request("POST", &format!("/api/org/companies/{c}/settings"), Some(json!({})), Some(&t.admin_cookie)).await;
    assert_eq!((r.status, r.headers.get("allow").and_then(|v| v.to_str().ok())), (405, Some("GET, PUT")), "{}", r.body);
    let r = t.request("TRACE", "/api/audit", None, Some(&t.admin_cookie)).await;
    assert_eq!((r.status, r.headers.get("allow").and_then(|v| v.to_str().ok())), (405, Some("GET")));
    assert_eq!(t.get("/api/org/companies/not-an-id").await.status, 404);
    assert_eq!(t.get("/api/org/companies/01J00000000000000000000000/planets").await.status, 404);
    assert_eq!(t.get("/api/users/garbage").await.status, 404);
    assert_eq!(t.get("/api/health").await.body["status"], "ok");
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::String),
        Just(json!("01J00000000000000000000000")),
        Just(json!("#FFFFFF")),
        Just(json!("2026-02-30")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("name".to_owned()),
                    Just("email".to_owned()),
                    Just("password".to_owned()),
                    Just("company_id".to_owned()),
                    Just("groups".to_owned()),
                    Just("permissions".to_owned()),
                    Just("version".to_owned()),
                    Just("first_name".to_owned()),
                    Just("last_name".to_owned()),
                    Just("start_date".to_owned()),
                    Just("roles".to_owned()),
                    "[a-z_]{1,10}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[tokio::test]
async fn no_input_to_any_route_makes_a_5xx() {
    // The harness fails on any 5xx; a few hundred generated bodies go to every route.
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let mut runner = TestRunner::deterministic();
    let strategy = json_value();
    for route in ROUTES {
        let path = route.path().replace("{company_id}", &c).replace("{kind}", "departments").replace("{id}", "01J00000000000000000000000");
        for _ in 0..12 {
            let body = strategy.new_tree(&mut runner).unwrap().current();
            let r = t.request(route.method(), &path, Some(body.clone()), Some(&t.admin_cookie)).await;
            assert!(r.status < 500, "{} with {body}: {r:?}", route.key);
        }
        let r =
            t.request(route.method(), &format!("{path}?per_page=x&status=%FF&cursor=..&company=%00"), None, Some(&t.admin_cookie)).await;
        assert!(r.status < 500, "{}: {r:?}", route.key);
    }
}

#[tokio::test]
async fn every_post_put_and_patch_needs_a_media_type_a_cross_site_form_cannot_send() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    for route in ROUTES.iter().filter(|r| matches!(r.method(), "POST" | "PUT" | "PATCH")) {
        let path = route.path().replace("{company_id}", &c).replace("{kind}", "departments").replace("{id}", "01J00000000000000000000000");
        for media in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data; boundary=x")] {
            let mut b = http::Request::builder().method(route.method()).uri(&path).header("host", "127.0.0.1:3000");
            b = b.header("cookie", &t.admin_cookie);
            if let Some(m) = media {
                b = b.header("content-type", m);
            }
            // An empty body, as a form or a simple cross-site request can send it.
            let r = t.send(b.body(lambda_http::Body::Empty).unwrap()).await;
            assert_eq!(r.status, 415, "{} with {media:?} and no body: {r:?}", route.key);
        }
    }
}

#[tokio::test]
async fn every_problem_carries_a_stable_code_a_client_can_act_on() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, member) = t.member(&c, "coded@acme.test", &[]).await;
    let code = |r: &Reply| r.body["code"].as_str().unwrap_or_else(|| panic!("no code in {r:?}")).to_owned();
    let bad = t.user(json!({ "email": "not an email", "first_name": "A", "last_name": "B", "company_id": c })).await;
    assert_eq!(code(&bad), "invalid_input");
    let taken = t.user(json!({ "email": "CODED@acme.test", "first_name": "A", "last_name": "B", "company_id": c })).await;
    assert_eq!(code(&taken), "email_taken");
    let stale = t.patch(&format!("/api/users/{id}"), json!({ "version": 999, "first_name": "X" })).await;
    assert_eq!(code(&stale), "stale_version");
    let right = t.request("GET", "/api/users", None, Some(&member)).await;
    assert_eq!((right.status, code(&right)), (403, "missing_right".to_owned()));
    let anonymous = t.request("GET", "/api/users", None, None).await;
    assert_eq!(code(&anonymous), "unauthenticated");
    let refused =
        t.request("POST", "/api/auth/login", Some(json!({ "email": "coded@acme.test", "password": "wrong wrong wrong" })), None).await;
    assert_eq!(code(&refused), "sign_in_refused");
    let req = http::Request::builder()
        .method("POST")
        .uri("/api/org/companies")
        .header("host", "127.0.0.1:3000")
        .header("content-type", "application/json")
        .header("cookie", &t.admin_cookie)
        .header("sec-fetch-site", "cross-site")
        .body(lambda_http::Body::Text(json!({ "name": "Evil" }).to_string()))
        .unwrap();
    assert_eq!(code(&t.send(req).await), "cross_site");
    let me = t.get("/api/me").await.body["id"].as_str().unwrap().to_owned();
    let own = t.request("DELETE", &format!("/api/users/{me}"), Some(json!({ "confirm": true })), Some(&t.admin_cookie.clone())).await;
    assert_eq!(code(&own), "conflict");
    assert_eq!(code(&t.get("/api/nowhere").await), "not_found");
}
