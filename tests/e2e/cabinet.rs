//! The personal cabinet: what users change themselves.

use secboard_tests::*;
use serde_json::json;

#[tokio::test]
async fn a_user_edits_own_name_phone_and_language_but_not_the_organisation_fields() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, cookie) = t.member(&c, "me@example.com", &[]).await;
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await.body;
    let v = me["profile"]["version"].as_u64().unwrap();
    assert!(me["id"].is_string());
    for field in ["company_id", "department_id", "position_id", "email"] {
        let r = t.request("PATCH", "/api/me", Some(json!({ "version": v, field: "x" })), Some(&cookie)).await;
        assert_eq!((r.status, r.field()), (400, Some(field)), "{r:?}");
        assert!(r.body["detail"].as_str().unwrap().contains("read-only"));
    }
    let r = t
        .request(
            "PATCH",
            "/api/me",
            Some(json!({ "version": v, "first_name": "Mia", "phone": "+44 20 7946 0000", "language": "uk" })),
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!((r.body["profile"]["first_name"].as_str(), r.body["profile"]["language"].as_str()), (Some("Mia"), Some("uk")));
    let stale = t.request("PATCH", "/api/me", Some(json!({ "version": v, "last_name": "Old" })), Some(&cookie)).await;
    assert_eq!((stale.status, stale.field()), (409, Some("version")));
    let found = t.get(&format!("/api/users?company={c}&search=mia")).await;
    assert_eq!(found.body["users"].as_array().unwrap().len(), 1, "the directory follows the edit");
    let bad = t.request("PATCH", "/api/me", Some(json!({ "version": v + 1, "phone": "12" })), Some(&cookie)).await;
    assert_eq!((bad.status, bad.field()), (400, Some("phone")));
}

#[tokio::test]
async fn the_task_list_shows_the_quizzes_assigned_at_creation() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let q1 = t.item(&c, "quizzes", "Phishing 101").await;
    let q2 = t.item(&c, "quizzes", "Passwords").await;
    let r = t.user(json!({ "email": "q@example.com", "first_name": "Q", "last_name": "Z", "company_id": c, "quizzes": [q1, q2] })).await;
    let id = r.id();
    t.set_password(&id, "quiz taker password").await;
    let cookie = t.sign_in("q@example.com", "quiz taker password").await;
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await.body;
    let tasks: Vec<(&str, &str)> =
        me["profile"]["tasks"].as_array().unwrap().iter().map(|t| (t["kind"].as_str().unwrap(), t["name"].as_str().unwrap())).collect();
    assert_eq!(tasks, vec![("quiz", "Phishing 101"), ("quiz", "Passwords")]);
}

#[tokio::test]
async fn me_tells_the_console_each_right_held_with_its_scope_so_the_menu_offers_only_what_the_api_allows() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let company_admins = t.group(Some(&c), "Acme admins", json!({ "view": true, "add": true, "show_link": true })).await;
    let exporters = t.group(None, "Exporters", json!({ "export": true })).await;
    let (_, cookie) = t.member(&c, "admin@acme.example", &[&company_admins, &exporters]).await;
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert_eq!(me.status, 200, "{me:?}");
    assert_eq!(me.body["rights"]["users"], json!({ "view": "company", "add": "company", "show_link": "company", "export": "all" }));
    assert_eq!(me.body["rights"]["org"], json!({}), "no organisation right: no organisation menu");
    // What it says is what the API does: the organisation module refuses, the directory answers.
    let add = t.request("POST", &format!("/api/org/companies/{c}/departments"), Some(json!({ "name": "Ops" })), Some(&cookie)).await;
    assert_eq!(add.status, 403, "{add:?}");
    assert_eq!(t.request("GET", &format!("/api/users?company={c}"), None, Some(&cookie)).await.status, 200);
    let (_, plain) = t.member(&c, "plain@acme.example", &[]).await;
    let me = t.request("GET", "/api/me", None, Some(&plain)).await;
    assert_eq!(me.body["rights"], json!({ "users": {}, "org": {} }));
    let admin = t.get("/api/me").await;
    for module in ["users", "org"] {
        let all: Vec<&str> = admin.body["rights"][module].as_object().unwrap().values().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(all, ["all"; 6], "a superuser holds every right of {module} everywhere");
    }
}
