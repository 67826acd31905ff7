use secboard_tests::*;
use serde_json::json;

#[tokio::test]
async fn companies_and_their_items_are_created_listed_renamed_and_deleted() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme Ltd").await;
    for kind in ["departments", "positions", "roles", "quizzes"] {
        let id = t.item(&c, kind, &format!("First {kind}")).await;
        let list = t.get(&format!("/api/org/companies/{c}/{kind}")).await;
        assert_eq!(list.body.as_array().unwrap().len(), 1, "{kind}: {list:?}");
        let stale = t.patch(&format!("/api/org/companies/{c}/{kind}/{id}"), json!({ "name": "Renamed", "version": 7 })).await;
        assert_eq!((stale.status, stale.field()), (409, Some("version")), "a stale write is refused");
        let ok = t.patch(&format!("/api/org/companies/{c}/{kind}/{id}"), json!({ "name": "Renamed", "version": 1 })).await;
        assert_eq!((ok.status, ok.body["name"].as_str(), ok.body["version"].as_u64()), (200, Some("Renamed"), Some(2)));
        assert_eq!(t.delete(&format!("/api/org/companies/{c}/{kind}/{id}")).await.status, 204);
        assert_eq!(t.get(&format!("/api/org/companies/{c}/{kind}")).await.body.as_array().unwrap().len(), 0);
    }
    let renamed = t.patch(&format!("/api/org/companies/{c}"), json!({ "name": "Acme Group", "version": 1 })).await;
    assert_eq!(renamed.status, 200);
    assert_eq!(t.patch(&format!("/api/org/companies/{c}"), json!({ "name": "Acme Again", "version": 1 })).await.status, 409);
    assert_eq!(t.delete(&format!("/api/org/companies/{c}")).await.status, 204);
    assert_eq!(t.get(&format!("/api/org/companies/{c}")).await.status, 404);
}

#[tokio::test]
async fn deleting_something_still_referenced_is_refused_naming_what_refers_to_it() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let d = t.item(&c, "departments", "Security").await;
    let g = t.group(Some(&c), "Analysts", json!({ "view": true })).await;
    let role = t.post(&format!("/api/org/companies/{c}/roles"), json!({ "name": "Analyst", "groups": [g] })).await;
    assert_eq!(role.status, 201, "{role:?}");
    let u = t.user(json!({ "email": "u@example.com", "first_name": "U", "last_name": "S", "company_id": c, "department_id": d })).await;
    assert_eq!(u.status, 201);

    let dep = t.delete(&format!("/api/org/companies/{c}/departments/{d}")).await;
    assert_eq!(dep.status, 409);
    assert!(dep.body["detail"].as_str().unwrap().contains("1 user"), "{dep:?}");
    // The numbers, apart from the words, for the console to say in the reader's language.
    assert_eq!(
        (dep.body["code"].as_str(), &dep.body["users"], &dep.body["roles"]),
        (Some("still_referred"), &json!(1), &json!(0)),
        "{dep:?}"
    );
    let grp = t.delete(&format!("/api/org/companies/{c}/groups/{g}")).await;
    assert_eq!(grp.status, 409);
    assert!(grp.body["detail"].as_str().unwrap().contains("platform role"), "{grp:?}");
    assert_eq!((&grp.body["users"], &grp.body["roles"]), (&json!(0), &json!(1)), "{grp:?}");
    let co = t.delete(&format!("/api/org/companies/{c}")).await;
    assert_eq!(co.status, 409);
    assert!(co.body["detail"].as_str().unwrap().contains("user"), "{co:?}");
    assert_eq!((co.body["code"].as_str(), &co.body["users"]), (Some("company_not_empty"), &json!(1)), "{co:?}");
    assert!(co.body["children"].as_i64().is_some_and(|n| n >= 3), "{co:?}");
    // The role let go of its group when it went.
    assert_eq!(t.delete(&format!("/api/org/companies/{c}/roles/{}", role.id())).await.status, 204);
    assert_eq!(t.delete(&format!("/api/org/companies/{c}/groups/{g}")).await.status, 204);
}

#[tokio::test]
async fn a_role_may_carry_only_groups_of_its_company_or_global_ones() {
    let t = TestApp::spawn().await;
    let a = t.company("A").await;
    let b = t.company("B").await;
    let gb = t.group(Some(&b), "B group", json!({ "view": true })).await;
    let global = t.group(None, "Everyone", json!({ "view": true })).await;
    let r = t.post(&format!("/api/org/companies/{a}/roles"), json!({ "name": "R", "groups": [global, gb] })).await;
    assert_eq!((r.status, r.field()), (400, Some("groups[1]")), "{r:?}");
    let r = t.post(&format!("/api/org/companies/{a}/departments"), json!({ "name": "D", "groups": [global] })).await;
    assert_eq!((r.status, r.field()), (400, Some("groups")));
    assert_eq!(t.post(&format!("/api/org/companies/{a}/roles"), json!({ "name": "R", "groups": [global] })).await.status, 201);
}

#[tokio::test]
async fn the_control_word_is_stored_hashed_and_never_returned() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let r = t
        .request(
            "PUT",
            &format!("/api/org/companies/{c}/settings"),
            Some(json!({ "control_word": "open sesame 42", "senders": { "reset": "it@acme.example" }, "default_language": "uk" })),
            Some(&t.admin_cookie),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["control_word_set"], true);
    assert!(!r.body.to_string().contains("open sesame"));
    let got = t.get(&format!("/api/org/companies/{c}/settings")).await;
    assert_eq!((got.body["default_language"].as_str(), got.body["senders"]["reset"].as_str()), (Some("uk"), Some("it@acme.example")));
    let item = t.raw_get(&format!("COMPANY#{c}"), "SETTINGS").await.unwrap();
    let stored = item["control_word"].as_s().unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains("sesame"));
    let stale = t
        .request("PUT", &format!("/api/org/companies/{c}/settings"), Some(json!({ "default_language": "ru" })), Some(&t.admin_cookie))
        .await;
    assert_eq!((stale.status, stale.field()), (409, Some("version")));
    let bad = t
        .request(
            "PUT",
            &format!("/api/org/companies/{c}/settings"),
            Some(json!({ "senders": { "reset": "nope" }, "version": 1 })),
            Some(&t.admin_cookie),
        )
        .await;
    assert_eq!(bad.status, 400, "{bad:?}");
}

#[tokio::test]
async fn renaming_an_item_or_changing_a_group_refreshes_the_profiles_that_refer_to_it() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let d = t.item(&c, "departments", "Security").await;
    let g = t.group(Some(&c), "Readers", json!({})).await;
    let (_, cookie) = t.member(&c, "m@example.com", &[&g]).await;
    assert_eq!(t.request("GET", "/api/users", None, Some(&cookie)).await.status, 403);
    let u = t.user(json!({ "email": "x@example.com", "first_name": "X", "last_name": "Y", "company_id": c, "department_id": d })).await;
    assert_eq!(t.patch(&format!("/api/org/companies/{c}/departments/{d}"), json!({ "name": "InfoSec", "version": 1 })).await.status, 200);
    assert_eq!(t.get(&format!("/api/users/{}", u.id())).await.body["profile"]["department"]["name"], "InfoSec");
    // Granting the group users.view takes effect on its members' next request.
    let up =
        t.patch(&format!("/api/org/companies/{c}/groups/{g}"), json!({ "permissions": { "users": { "view": true } }, "version": 1 })).await;
    assert_eq!(up.status, 200, "{up:?}");
    assert_eq!(t.request("GET", "/api/users", None, Some(&cookie)).await.status, 200);
}

#[tokio::test]
async fn org_rights_are_checked_and_scoped_to_the_company() {
    let t = TestApp::spawn().await;
    let a = t.company("A").await;
    let b = t.company("B").await;
    let g = t
        .post(
            &format!("/api/org/companies/{a}/groups"),
            json!({ "name": "Org admins", "permissions": { "org": { "view": true, "add": true } } }),
        )
        .await
        .id();
    let (_, cookie) = t.member(&a, "orgadmin@example.com", &[&g]).await;
    let ok = t.request("POST", &format!("/api/org/companies/{a}/departments"), Some(json!({ "name": "D" })), Some(&cookie)).await;
    assert_eq!(ok.status, 201);
    let other = t.request("POST", &format!("/api/org/companies/{b}/departments"), Some(json!({ "name": "D" })), Some(&cookie)).await;
    assert_eq!(other.status, 404, "company B is outside the scope");
    let co = t.request("POST", "/api/org/companies", Some(json!({ "name": "C" })), Some(&cookie)).await;
    assert_eq!((co.status, co.body["right"].as_str()), (403, Some("org.add")));
    let del = t.request("DELETE", &format!("/api/org/companies/{a}/departments/{}", ok.id()), None, Some(&cookie)).await;
    assert_eq!((del.status, del.body["right"].as_str()), (403, Some("org.delete")));
    let list = t.request("GET", "/api/org/companies", None, Some(&cookie)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1, "only its own company: {list:?}");
}

#[tokio::test]
async fn a_rename_reads_the_organisation_once_however_many_profiles_refer_to_it() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let d = t.item(&c, "departments", "Security").await;
    for i in 0..6 {
        let r = t.user(json!({ "email": format!("u{i}@example.com"), "first_name": "U", "last_name": format!("N{i}"), "company_id": c, "department_id": d })).await;
        assert_eq!(r.status, 201);
    }
    let before = t.store.operations().len();
    assert_eq!(t.patch(&format!("/api/org/companies/{c}/departments/{d}"), json!({ "name": "InfoSec", "version": 1 })).await.status, 200);
    let ops = t.store.operations()[before..].to_vec();
    let count = |op: &str| ops.iter().filter(|o| o.as_str() == op).count();
    // Per profile: one consistent re-read and one save; the organisation itself once.
    assert_eq!(count("BatchGetItem"), 1 + 6, "authorisation, then one re-read per profile: {ops:?}");
    assert_eq!(count("TransactWriteItems"), 1 + 6, "the rename, then one save per profile: {ops:?}");
    assert!(count("GetItem") <= 3, "the item, the company and the rights epoch, once each: {ops:?}");
    assert!(count("Query") <= 1 + 4 + 2, "one index page, the items and the groups once: {ops:?}");
    let listed = t.get(&format!("/api/users?company={c}&department={d}")).await;
    assert!(listed.body["users"].as_array().unwrap().iter().all(|u| u["profile"]["department"]["name"] == "InfoSec"));
}
