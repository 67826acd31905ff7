use secboard_tests::*;
use serde_json::{Value, json};

fn base(company: &str, email: &str) -> Value {
    json!({ "email": email, "first_name": "Ada", "last_name": "Lovelace", "company_id": company })
}

fn with(mut v: Value, extra: Value) -> Value {
    v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    v
}

#[tokio::test]
async fn create_new_user_keeps_every_field_and_copies_the_roles_groups() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let d = t.item(&c, "departments", "Security").await;
    let p = t.item(&c, "positions", "Analyst").await;
    let q = t.item(&c, "quizzes", "Phishing 101").await;
    let g1 = t.group(Some(&c), "Risk", json!({ "view": true })).await;
    let g2 = t.group(None, "Everyone", json!({})).await;
    let role = t.post(&format!("/api/org/companies/{c}/roles"), json!({ "name": "CISO", "groups": [g1] })).await.id();
    let r = t
        .user(with(
            base(&c, "  Ada@Example.COM "),
            json!({
                "phone": "+44 20 7946 0958", "colour": "#aabbcc", "department_id": d, "position_id": p,
                "start_date": "2026-01-01", "end_date": "2026-12-31", "roles": [role], "apply_role_groups": true,
                "groups": [g2], "quizzes": [q], "staff": true, "require_2fa": true, "language": "uk"
            }),
        ))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let got = t.get(&format!("/api/users/{}", r.id())).await.body;
    let pr = &got["profile"];
    assert_eq!(got["email"], "Ada@Example.COM");
    assert_eq!((pr["phone"].as_str(), pr["colour"].as_str()), (Some("+442079460958"), Some("#AABBCC")));
    assert_eq!((pr["department"]["name"].as_str(), pr["position"]["name"].as_str()), (Some("Security"), Some("Analyst")));
    assert_eq!(pr["roles"][0]["name"], "CISO");
    let groups: Vec<&str> = pr["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(groups, vec!["Everyone", "Risk"], "extra groups, then the role's");
    assert_eq!(pr["quizzes"][0]["name"], "Phishing 101");
    assert_eq!((got["staff"].as_bool(), got["require_2fa"].as_bool(), pr["completed"].as_bool()), (Some(true), Some(true), Some(false)));
    assert_eq!(pr["language"], "uk");
    // No password until first access.
    let account = t.raw_get(&format!("USER#{}", r.id()), "ACCOUNT").await.unwrap();
    assert_eq!(account["credential"].as_m().unwrap()["kind"].as_s().unwrap(), "none");
}

#[tokio::test]
async fn references_outside_the_company_are_refused_naming_the_field_and_nothing_is_written() {
    let t = TestApp::spawn().await;
    let a = t.company("A").await;
    let b = t.company("B").await;
    let db = t.item(&b, "departments", "B dept").await;
    let pb = t.item(&b, "positions", "B pos").await;
    let rb = t.item(&b, "roles", "B role").await;
    let qb = t.item(&b, "quizzes", "B quiz").await;
    let gb = t.group(Some(&b), "B group", json!({})).await;
    let before = t.all_items().await.len();
    for (extra, field) in [
        (json!({ "department_id": db }), "department_id"),
        (json!({ "position_id": pb }), "position_id"),
        (json!({ "roles": [rb] }), "roles[0]"),
        (json!({ "quizzes": [qb] }), "quizzes[0]"),
        (json!({ "groups": [gb] }), "groups[0]"),
        (json!({ "company_id": "01J00000000000000000000000" }), "company_id"),
        (json!({ "department_id": "not-an-id" }), "department_id"),
    ] {
        let r = t.user(with(base(&a, "x@example.com"), extra)).await;
        assert_eq!((r.status, r.field()), (400, Some(field)), "{r:?}");
    }
    assert_eq!(t.all_items().await.len(), before, "nothing half-written");
}

#[tokio::test]
async fn bad_fields_get_a_400_naming_the_field() {
    let t = TestApp::spawn().await;
    let c = t.company("A").await;
    for (extra, field) in [
        (json!({ "email": "not-an-email" }), "email"),
        (json!({ "phone": "0123" }), "phone"),
        (json!({ "colour": "blue" }), "colour"),
        (json!({ "first_name": "x".repeat(151) }), "first_name"),
        (json!({ "last_name": "   " }), "last_name"),
        (json!({ "start_date": "2026-02-01", "end_date": "2026-01-31" }), "end_date"),
        (json!({ "start_date": "31/12/2026" }), "start_date"),
        (json!({ "surname": "x" }), "surname"),
        (json!({ "staff": "yes" }), "staff"),
        (json!({ "roles": "x" }), "roles"),
        (json!({ "language": "de" }), "language"),
        (json!({ "mode": "clone" }), "mode"),
    ] {
        let r = t.user(with(base(&c, "ok@example.com"), extra.clone())).await;
        assert_eq!((r.status, r.field()), (400, Some(field)), "{extra}: {r:?}");
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    let r = t.user(json!({ "first_name": "A", "last_name": "B" })).await;
    assert_eq!((r.status, r.field()), (400, Some("company_id")));
}

#[tokio::test]
async fn fifty_concurrent_creates_of_one_email_in_mixed_case_give_exactly_one_account() {
    let t = TestApp::spawn().await;
    let c = t.company("A").await;
    let tasks = (0..50).map(|i| {
        let email =
            if i % 2 == 0 { "Race@Example.com".to_owned() } else { format!("race@EXAMPLE.{}", if i % 3 == 0 { "COM" } else { "com" }) };
        t.user(base(&c, &email))
    });
    let results = futures::future::join_all(tasks).await;
    let created = results.iter().filter(|r| r.status == 201).count();
    let conflicts = results.iter().filter(|r| r.status == 409 && r.field() == Some("email")).count();
    assert_eq!((created, conflicts), (1, 49), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    let winner = results.iter().find(|r| r.status == 201).unwrap().id();
    let marker = t.raw_get("EMAIL#race@example.com", "EMAIL").await.expect("the email marker");
    assert_eq!(marker["user_id"].as_s().unwrap(), &winner, "the marker names the one account created");
    let list = t.get(&format!("/api/users?company={c}&search=race")).await;
    assert_eq!(list.body["users"].as_array().unwrap().len(), 1, "{list:?}");
}

#[tokio::test]
async fn use_existing_user_wraps_an_account_without_a_profile_once() {
    let t = TestApp::spawn().await;
    let c = t.company("A").await;
    // An account without a profile, as the admin tool (or a migration) makes it.
    let out = secboard_infra_admin_account(&t, "legacy@example.com").await;
    let r = t.user(with(base(&c, "legacy@example.com"), json!({ "mode": "existing", "first_name": "Leg", "last_name": "Acy" }))).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.id(), out);
    let again = t.user(with(base(&c, "legacy@example.com"), json!({ "mode": "existing" }))).await;
    assert_eq!((again.status, again.field()), (409, Some("user_id")));
    let nobody = t.user(with(base(&c, "nobody@example.com"), json!({ "mode": "existing" }))).await;
    assert_eq!((nobody.status, nobody.field()), (400, Some("email")));
}

async fn secboard_infra_admin_account(t: &TestApp, email: &str) -> String {
    let id = secboard_domain::flows::create_user::create_account(&t.app.deps, email, None, false, "admin_tool").await.expect("account");
    id.to_string()
}

#[tokio::test]
async fn creating_users_needs_the_add_right_within_the_company() {
    let t = TestApp::spawn().await;
    let a = t.company("A").await;
    let b = t.company("B").await;
    let viewers = t.group(Some(&a), "Viewers", json!({ "view": true })).await;
    let adders = t.group(Some(&a), "Adders", json!({ "view": true, "add": true })).await;
    let (_, viewer) = t.member(&a, "viewer@example.com", &[&viewers]).await;
    let (_, adder) = t.member(&a, "adder@example.com", &[&adders]).await;
    let r = t.request("POST", "/api/users", Some(base(&a, "n1@example.com")), Some(&viewer)).await;
    assert_eq!((r.status, r.body["right"].as_str()), (403, Some("users.add")));
    assert_eq!(t.request("POST", "/api/users", Some(base(&a, "n2@example.com")), Some(&adder)).await.status, 201);
    assert_eq!(t.request("POST", "/api/users", Some(base(&b, "n3@example.com")), Some(&adder)).await.status, 404);
    assert_eq!(t.request("POST", "/api/users", Some(base(&a, "n4@example.com")), None).await.status, 401);
}

#[tokio::test]
async fn dates_outside_the_supported_range_are_refused_naming_the_field() {
    let t = TestApp::spawn().await;
    let c = t.company("A").await;
    for (field, value) in [("start_date", "1899-12-31"), ("end_date", "0001-01-01"), ("start_date", "-000001-01-01")] {
        let r = t.user(with(base(&c, "old@example.com"), json!({ field: value }))).await;
        assert_eq!((r.status, r.field()), (400, Some(field)), "{value}: {r:?}");
    }
    let r = t.user(with(base(&c, "new@example.com"), json!({ "start_date": "1900-01-01", "end_date": "9999-12-31" }))).await;
    assert_eq!(r.status, 201, "the range's own ends are fine: {r:?}");
    let list = t.get(&format!("/api/users?company={c}&date_from=1850-01-01")).await;
    assert_eq!((list.status, list.field()), (400, Some("date_from")), "{list:?}");
    let export = t.post("/api/users/export", json!({ "company": c, "date_to": "1850-01-01" })).await;
    assert_eq!((export.status, export.field()), (400, Some("date_to")), "{export:?}");
}
