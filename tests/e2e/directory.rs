//! Editing and deleting users.

use secboard_tests::*;
use serde_json::{Value, json};

async fn fresh_user(t: &TestApp, company: &str, email: &str) -> Value {
    let r = t.user(json!({ "email": email, "first_name": "Ed", "last_name": "Itable", "company_id": company })).await;
    assert_eq!(r.status, 201, "{r:?}");
    r.body
}

#[tokio::test]
async fn an_edit_based_on_a_stale_read_gets_409_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let u = fresh_user(&t, &c, "e@example.com").await;
    let id = u["id"].as_str().unwrap();
    let ok = t.patch(&format!("/api/users/{id}"), json!({ "version": 1, "first_name": "Edna" })).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    let stale = t.patch(&format!("/api/users/{id}"), json!({ "version": 1, "first_name": "Edwina" })).await;
    assert_eq!((stale.status, stale.field()), (409, Some("version")));
    assert_eq!(t.get(&format!("/api/users/{id}")).await.body["profile"]["first_name"], "Edna");
}

#[tokio::test]
async fn every_field_can_be_edited_and_the_audit_log_keeps_before_and_after() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let d = t.item(&c, "departments", "Security").await;
    let p = t.item(&c, "positions", "Lead").await;
    let q = t.item(&c, "quizzes", "Phishing").await;
    let g = t.group(Some(&c), "Risk", json!({ "view": true })).await;
    let role = t.post(&format!("/api/org/companies/{c}/roles"), json!({ "name": "CISO", "groups": [g] })).await.id();
    let u = fresh_user(&t, &c, "e@example.com").await;
    let id = u["id"].as_str().unwrap();
    let r = t
        .patch(
            &format!("/api/users/{id}"),
            json!({
                "version": 1, "first_name": "Edith", "last_name": "Clarke", "phone": "+380 44 123 4567", "colour": "#00ff00",
                "department_id": d, "position_id": p, "roles": [role], "apply_role_groups": true, "quizzes": [q],
                "start_date": "2026-01-01", "end_date": "2026-12-31", "language": "ru", "staff": true, "require_2fa": true,
                "force_password_change": true
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let got = t.get(&format!("/api/users/{id}")).await.body;
    let pr = &got["profile"];
    assert_eq!(
        (pr["first_name"].as_str(), pr["last_name"].as_str(), pr["phone"].as_str()),
        (Some("Edith"), Some("Clarke"), Some("+380441234567"))
    );
    assert_eq!((pr["department"]["name"].as_str(), pr["position"]["name"].as_str()), (Some("Security"), Some("Lead")));
    assert_eq!((pr["groups"][0]["name"].as_str(), pr["quizzes"][0]["name"].as_str()), (Some("Risk"), Some("Phishing")));
    assert_eq!(
        (got["staff"].as_bool(), got["require_2fa"].as_bool(), got["force_password_change"].as_bool()),
        (Some(true), Some(true), Some(true))
    );
    assert_eq!((pr["language"].as_str(), pr["version"].as_u64()), (Some("ru"), Some(2)));
    // Clearing with null, keeping what is absent.
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": 2, "phone": null, "department_id": null })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body["profile"]["phone"].is_null() && r.body["profile"]["department"].is_null());
    assert_eq!(r.body["profile"]["position"]["name"], "Lead");
    // The department is free to go now, the position is not.
    assert_eq!(t.delete(&format!("/api/org/companies/{c}/departments/{d}")).await.status, 204);
    assert_eq!(t.delete(&format!("/api/org/companies/{c}/positions/{p}")).await.status, 409);

    let audit = t.get(&format!("/api/audit?user={id}")).await.body;
    let edit = audit["events"].as_array().unwrap().iter().find(|e| e["action"] == "user.updated").unwrap().clone();
    assert_eq!(edit["detail"]["before"]["profile"]["phone"], json!("+380441234567"));
    assert!(edit["detail"]["after"]["profile"]["phone"].is_null());
    let first = audit["events"].as_array().unwrap().iter().rfind(|e| e["action"] == "user.updated").unwrap().clone();
    assert_eq!(
        (first["detail"]["before"]["profile"]["first_name"].as_str(), first["detail"]["after"]["profile"]["first_name"].as_str()),
        (Some("Ed"), Some("Edith"))
    );
}

#[tokio::test]
async fn bad_edits_are_refused_naming_the_field_and_change_nothing() {
    let t = TestApp::spawn().await;
    let a = t.company("A").await;
    let b = t.company("B").await;
    let db = t.item(&b, "departments", "B dept").await;
    let u = fresh_user(&t, &a, "e@example.com").await;
    let id = u["id"].as_str().unwrap();
    for (body, field) in [
        (json!({ "version": 1, "department_id": db }), "department_id"),
        (json!({ "version": 1, "colour": "green" }), "colour"),
        (json!({ "version": 1, "email": "nope" }), "email"),
        (json!({ "version": 1, "end_date": "2020-01-01", "start_date": "2021-01-01" }), "end_date"),
        (json!({ "version": 1, "nickname": "x" }), "nickname"),
        (json!({ "first_name": "x" }), "version"),
    ] {
        let r = t.patch(&format!("/api/users/{id}"), body.clone()).await;
        assert_eq!((r.status, r.field()), (400, Some(field)), "{body}: {r:?}");
    }
    assert_eq!(t.get(&format!("/api/users/{id}")).await.body["profile"]["version"], 1);
    assert_eq!(t.patch("/api/users/01J00000000000000000000000", json!({ "version": 1 })).await.status, 404);
}

#[tokio::test]
async fn changing_the_email_moves_its_uniqueness_with_it() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "old@example.com", &[]).await;
    fresh_user(&t, &c, "taken@example.com").await;
    let v = t.get(&format!("/api/users/{id}")).await.body["profile"]["version"].as_u64().unwrap();
    let taken = t.patch(&format!("/api/users/{id}"), json!({ "version": v, "email": "TAKEN@example.com" })).await;
    assert_eq!((taken.status, taken.field()), (409, Some("email")));
    let moved = t.patch(&format!("/api/users/{id}"), json!({ "version": v, "email": "New@Example.com" })).await;
    assert_eq!(moved.status, 200, "{moved:?}");
    t.sign_in("new@example.com", "member password 1").await;
    assert_eq!(
        t.request("POST", "/api/auth/login", Some(json!({ "email": "old@example.com", "password": "member password 1" })), None)
            .await
            .status,
        401
    );
    // The old email is free again.
    fresh_user(&t, &c, "old@example.com").await;
    assert!(t.raw_get("EMAIL#taken@example.com", "EMAIL").await.is_some());
}

#[tokio::test]
async fn setting_a_password_applies_the_policy_and_ends_every_session() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, cookie) = t.member(&c, "pw@example.com", &[]).await;
    let v = t.get(&format!("/api/users/{id}")).await.body["profile"]["version"].as_u64().unwrap();
    for (pw, why) in [("short", "at least 8"), ("password1", "stronger"), ("member password 1", "differ")] {
        let r = t.patch(&format!("/api/users/{id}"), json!({ "version": v, "password": pw })).await;
        assert_eq!((r.status, r.field()), (400, Some("password")), "{pw}: {r:?}");
        assert!(r.body["detail"].as_str().unwrap().contains(why), "{pw}: {r:?}");
    }
    assert_eq!(t.request("GET", "/api/me", None, Some(&cookie)).await.status, 200, "refusals end nothing");
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": v, "password": "an entirely new passphrase" })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&cookie)).await.status, 401, "the old session ended");
    t.sign_in("pw@example.com", "an entirely new passphrase").await;
    let audit = t.get(&format!("/api/audit?user={id}")).await.body.to_string();
    assert!(!audit.contains("entirely new passphrase") && !audit.contains("$argon2"), "no secret in the audit log");
}

#[tokio::test]
async fn deactivating_or_an_end_date_in_the_past_ends_the_users_sessions() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (a, ca) = t.member(&c, "a@example.com", &[]).await;
    let (b, cb) = t.member(&c, "b@example.com", &[]).await;
    let va = t.get(&format!("/api/users/{a}")).await.body["profile"]["version"].as_u64().unwrap();
    let vb = t.get(&format!("/api/users/{b}")).await.body["profile"]["version"].as_u64().unwrap();
    assert_eq!(t.patch(&format!("/api/users/{a}"), json!({ "version": va, "active": false })).await.status, 200);
    assert_eq!(t.patch(&format!("/api/users/{b}"), json!({ "version": vb, "end_date": "2026-06-14" })).await.status, 200);
    assert_eq!(t.request("GET", "/api/me", None, Some(&ca)).await.status, 401);
    assert_eq!(t.request("GET", "/api/me", None, Some(&cb)).await.status, 401);
    // Reactivating does not bring old sessions back.
    assert_eq!(t.patch(&format!("/api/users/{a}"), json!({ "version": va + 1, "active": true })).await.status, 200);
    assert_eq!(t.request("GET", "/api/me", None, Some(&ca)).await.status, 401);
}

#[tokio::test]
async fn deleting_needs_confirmation_and_leaves_nothing_of_the_user_but_the_audit() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let d = t.item(&c, "departments", "Security").await;
    let (id, cookie) = t.member(&c, "gone@example.com", &[]).await;
    let v = t.get(&format!("/api/users/{id}")).await.body["profile"]["version"].as_u64().unwrap();
    assert_eq!(t.patch(&format!("/api/users/{id}"), json!({ "version": v, "department_id": d })).await.status, 200);
    let up = t.upload(&format!("/api/users/{id}/avatar"), png(256, 256), "image/png", &t.admin_cookie.clone()).await;
    assert_eq!(up.status, 201, "{up:?}");
    assert_eq!(t.blobs.keys(&format!("avatars/{id}/")).await.unwrap().len(), 1);

    let unconfirmed = t.request("DELETE", &format!("/api/users/{id}"), Some(json!({})), Some(&t.admin_cookie)).await;
    assert_eq!((unconfirmed.status, unconfirmed.field()), (400, Some("confirm")));
    let r = t.request("DELETE", &format!("/api/users/{id}"), Some(json!({ "confirm": true })), Some(&t.admin_cookie)).await;
    assert_eq!(r.status, 204, "{r:?}");

    let left: Vec<_> = t.all_items().await.into_iter().filter(|i| i["pk"].as_s().unwrap() == &format!("USER#{id}")).collect();
    assert!(left.is_empty(), "the partition is gone: {left:?}");
    assert!(t.raw_get("EMAIL#gone@example.com", "EMAIL").await.is_none());
    assert!(t.blobs.keys(&format!("avatars/{id}/")).await.unwrap().is_empty(), "the photo is gone");
    assert_eq!(t.request("GET", "/api/me", None, Some(&cookie)).await.status, 401);
    assert_eq!(t.get(&format!("/api/users/{id}")).await.status, 404);
    let audit = t.get(&format!("/api/audit?user={id}")).await.body;
    let deleted = audit["events"].as_array().unwrap().iter().find(|e| e["action"] == "user.deleted").expect("who deleted whom").clone();
    assert_eq!(deleted["detail"]["email"], "gone@example.com");
    assert!(deleted["actor"].is_string());
    // The email can be used again, and the department let go of its reference.
    fresh_user(&t, &c, "gone@example.com").await;
    assert_eq!(t.delete(&format!("/api/org/companies/{c}/departments/{d}")).await.status, 204);
}

#[tokio::test]
async fn deleting_oneself_or_the_last_superuser_is_refused() {
    let t = TestApp::spawn().await;
    let me = t.get("/api/me").await.body["id"].as_str().unwrap().to_owned();
    let own = t.request("DELETE", &format!("/api/users/{me}"), Some(json!({ "confirm": true })), Some(&t.admin_cookie)).await;
    assert_eq!(own.status, 409);
    // A global user admin (not a superuser) tries to delete the only superuser: only a superuser
    // changes a superuser (the last one is kept by the store: tests/e2e/granting.rs).
    let c = t.company("Acme").await;
    let g = t.group(None, "User admins", json!({ "view": true, "delete": true })).await;
    let (_, cookie) = t.member(&c, "deleter@example.com", &[&g]).await;
    let r = t.request("DELETE", &format!("/api/users/{me}"), Some(json!({ "confirm": true })), Some(&cookie)).await;
    assert_eq!((r.status, r.field()), (403, Some("id")), "{r:?}");
    assert!(r.body["detail"].as_str().unwrap().contains("only a superuser"));
    assert_eq!(t.get("/api/me").await.status, 200);
}

#[tokio::test]
async fn editing_and_deleting_need_their_right_within_the_company() {
    let t = TestApp::spawn().await;
    let a = t.company("A").await;
    let b = t.company("B").await;
    let viewers = t.group(Some(&a), "Viewers", json!({ "view": true })).await;
    let editors = t.group(Some(&a), "Editors", json!({ "view": true, "edit": true })).await;
    let (_, viewer) = t.member(&a, "viewer@example.com", &[&viewers]).await;
    let (_, editor) = t.member(&a, "editor@example.com", &[&editors]).await;
    let in_a = fresh_user(&t, &a, "x@example.com").await["id"].as_str().unwrap().to_owned();
    let in_b = fresh_user(&t, &b, "y@example.com").await["id"].as_str().unwrap().to_owned();
    let r = t.request("PATCH", &format!("/api/users/{in_a}"), Some(json!({ "version": 1, "first_name": "Z" })), Some(&viewer)).await;
    assert_eq!((r.status, r.body["right"].as_str()), (403, Some("users.edit")));
    assert_eq!(
        t.request("PATCH", &format!("/api/users/{in_a}"), Some(json!({ "version": 1, "first_name": "Z" })), Some(&editor)).await.status,
        200
    );
    assert_eq!(
        t.request("PATCH", &format!("/api/users/{in_b}"), Some(json!({ "version": 1, "first_name": "Z" })), Some(&editor)).await.status,
        404
    );
    let r = t.request("DELETE", &format!("/api/users/{in_a}"), Some(json!({ "confirm": true })), Some(&editor)).await;
    assert_eq!((r.status, r.body["right"].as_str()), (403, Some("users.delete")));
    // Moving a user to a company outside the editor's scope is refused too.
    let r = t.request("PATCH", &format!("/api/users/{in_a}"), Some(json!({ "version": 2, "company_id": b })), Some(&editor)).await;
    assert_eq!(r.status, 404);
}
