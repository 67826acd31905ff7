//! Issue 14: a Django SecBoard's `dumpdata auth.user auth.group` imported with every password
//! working, checked and upgraded at the first sign-in. Every hash and the dump itself are made by
//! real Django in the test run (tests/django/make_vectors.py), never copied by hand.

use secboard_tests::django::{DjangoVectors, vectors};
use secboard_tests::*;
use serde_json::{Value, json};

async fn import(t: &TestApp, v: &DjangoVectors, query: &str, cookie: Option<&str>) -> Reply {
    t.upload(&format!("/api/users/import{query}"), v.dump(), "application/json", cookie.unwrap_or(&t.admin_cookie)).await
}

async fn login(t: &TestApp, email: &str, password: &str) -> Reply {
    t.request("POST", "/api/auth/login", Some(json!({ "email": email, "password": password })), None).await
}

fn row(report: &Value, pk: u64) -> &Value {
    report["rows"].as_array().unwrap().iter().find(|r| r["pk"] == pk).unwrap_or_else(|| panic!("no row for pk {pk}: {report}"))
}

fn credential(account: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>) -> (String, String) {
    let c = account["credential"].as_m().unwrap();
    let hash = c.get("hash").and_then(|h| h.as_s().ok()).cloned().unwrap_or_default();
    (c["kind"].as_s().unwrap().clone(), hash)
}

#[tokio::test]
async fn every_django_hasher_signs_in_refuses_a_wrong_password_and_is_upgraded_to_argon2id_at_the_first_sign_in() {
    let v = vectors();
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let r = import(&t, &v, &format!("?company_id={c}"), None).await;
    assert_eq!(r.status, 200, "{r:?}");
    for vector in &v.vectors {
        let email = format!("{}@example.com", vector.hasher);
        let id = row(&r.body, v.expect.users.iter().find(|u| u.email == email).unwrap().pk)["user_id"].as_str().unwrap().to_owned();
        let (kind, kept) = credential(&t.raw_get(&format!("USER#{id}"), "ACCOUNT").await.unwrap());
        assert_eq!((kind.as_str(), kept.as_str()), ("django", vector.encoded.as_str()), "kept as Django wrote it");

        let wrong = login(&t, &email, &format!("{} but wrong", vector.password)).await;
        assert_eq!(wrong.status, 401, "{}: {wrong:?}", vector.hasher);
        let ok = login(&t, &email, &vector.password).await;
        assert_eq!((ok.status, ok.body["next"].as_str()), (200, Some("no_profile")), "{}: {ok:?}", vector.hasher);

        let (kind, hash) = credential(&t.raw_get(&format!("USER#{id}"), "ACCOUNT").await.unwrap());
        assert_eq!(kind, "password", "{}", vector.hasher);
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}: {hash}", vector.hasher);
        assert!(!t.all_items().await.iter().any(|i| format!("{i:?}").contains(&vector.encoded)), "the Django hash is gone");
        let again = login(&t, &email, &vector.password).await;
        assert_eq!(again.status, 200, "{}: the upgraded hash works", vector.hasher);
    }
}

#[tokio::test]
async fn the_report_has_a_line_per_row_with_the_reason_of_every_skip_and_keeps_what_django_knew() {
    let v = vectors();
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let r = import(&t, &v, &format!("?company_id={c}"), None).await;
    assert_eq!(r.status, 200, "{r:?}");
    let users = &v.expect.users;
    assert_eq!(r.body["rows"].as_array().unwrap().len(), users.len(), "{}", r.body);
    for u in users {
        let line = row(&r.body, u.pk);
        assert_eq!(line["outcome"], u.outcome.as_str(), "{u:?}: {line}");
        if let Some(reason) = &u.reason {
            assert_eq!(line["reason"], reason.as_str(), "{u:?}: {line}");
            assert!(!line.to_string().contains("pbkdf2_sha256$notanumber"), "a report never shows a hash: {line}");
        }
    }
    let created = users.iter().filter(|u| u.outcome == "created").count();
    assert_eq!((r.body["created"].as_u64(), r.body["skipped"].as_u64()), (Some(created as u64), Some((users.len() - created) as u64)));

    // Groups became access groups of the company, without rights.
    let groups = t.get(&format!("/api/org/companies/{c}/groups")).await;
    let names: Vec<&str> = groups.body.as_array().map(|a| a.iter().filter_map(|g| g["name"].as_str()).collect()).unwrap_or_default();
    for g in &v.expect.groups {
        assert!(names.contains(&g.as_str()), "{g}: {groups:?}");
    }

    // Flags, dates and the pk kept; a Django superuser is not one here unless asked.
    let root = users.iter().find(|u| u.superuser).unwrap();
    let id = row(&r.body, root.pk)["user_id"].as_str().unwrap().to_owned();
    let account = t.raw_get(&format!("USER#{id}"), "ACCOUNT").await.unwrap();
    assert_eq!(account["superuser"].as_bool().ok(), Some(&false));
    assert_eq!(account["source"].as_s().unwrap(), "imported");
    let django = account["django"].as_m().unwrap();
    assert_eq!(django["pk"].as_n().unwrap(), &root.pk.to_string());
    assert!(django["date_joined"].as_s().unwrap().starts_with("2019-05-17T09:30:00"), "{django:?}");
    let inactive = users.iter().find(|u| !u.active).unwrap();
    let id = row(&r.body, inactive.pk)["user_id"].as_str().unwrap().to_owned();
    assert_eq!(t.raw_get(&format!("USER#{id}"), "ACCOUNT").await.unwrap()["active"].as_bool().ok(), Some(&false));
    assert_eq!(login(&t, &inactive.email, inactive.password.as_deref().unwrap()).await.status, 401, "inactive stays out");

    // The unusable password is no password: no sign-in, first access by link.
    let unusable = users.iter().find(|u| u.outcome == "created" && u.password.is_none()).unwrap();
    let id = row(&r.body, unusable.pk)["user_id"].as_str().unwrap().to_owned();
    assert_eq!(credential(&t.raw_get(&format!("USER#{id}"), "ACCOUNT").await.unwrap()).0, "none");
}

#[tokio::test]
async fn a_re_run_changes_nothing_and_says_so_and_a_dry_run_writes_nothing() {
    let v = vectors();
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let before = t.all_items().await.len();
    let dry = import(&t, &v, &format!("?company_id={c}&dry_run=true"), None).await;
    assert_eq!(dry.status, 200, "{dry:?}");
    assert_eq!(dry.body["dry_run"], true);
    assert!(dry.body["rows"].as_array().unwrap().iter().any(|r| r["outcome"] == "would_create"), "{}", dry.body);
    assert_eq!(t.all_items().await.len(), before + 1, "a dry run writes only its audit event");

    let first = import(&t, &v, &format!("?company_id={c}"), None).await;
    assert_eq!(dry.body["created"], first.body["created"], "the dry run said what the run did");
    let items = t.all_items().await.len();
    let again = import(&t, &v, &format!("?company_id={c}"), None).await;
    assert_eq!(again.status, 200);
    assert_eq!((again.body["created"].as_u64(), again.body["transactions"].as_u64()), (Some(0), Some(0)), "{}", again.body);
    assert_eq!(again.body["unchanged"], first.body["created"], "{}", again.body);
    assert!(again.body["groups"].as_array().unwrap().iter().all(|g| g["outcome"] == "unchanged"), "{}", again.body);
    assert_eq!(t.all_items().await.len(), items + 1, "only the run's audit event");
}

#[tokio::test]
async fn superusers_are_kept_only_when_asked_and_then_change_their_password_and_set_up_2fa() {
    let v = vectors();
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let r = import(&t, &v, &format!("?company_id={c}&keep_superusers=true"), None).await;
    assert_eq!(r.status, 200, "{r:?}");
    let root = v.expect.users.iter().find(|u| u.superuser).unwrap();
    let id = row(&r.body, root.pk)["user_id"].as_str().unwrap().to_owned();
    let account = t.raw_get(&format!("USER#{id}"), "ACCOUNT").await.unwrap();
    for flag in ["superuser", "force_password_change", "require_2fa"] {
        assert_eq!(account[flag].as_bool().ok(), Some(&true), "{flag}");
    }
    // Wrapped, the first sign-in goes through the password change first.
    let w = t.user(json!({ "mode": "existing", "user_id": id, "first_name": "Root", "last_name": "Django", "company_id": c })).await;
    assert_eq!(w.status, 201, "{w:?}");
    let s = login(&t, &root.email, root.password.as_deref().unwrap()).await;
    assert_eq!(s.body["next"], "password_change", "{s:?}");
}

#[tokio::test]
async fn only_superusers_import_and_a_body_that_is_not_a_dump_is_refused_whole() {
    let v = vectors();
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let admins = t.group(Some(&c), "Admins", json!({ "view": true, "add": true, "edit": true })).await;
    let (_, admin) = t.member(&c, "admin@acme.test", &[&admins]).await;
    let r = import(&t, &v, "", Some(&admin)).await;
    assert_eq!(r.status, 403, "{r:?}");
    let before = t.all_items().await.len();
    let mut broken = v.dump();
    broken.truncate(broken.len() / 2);
    let r = t.upload(&format!("/api/users/import?company_id={c}"), broken, "application/json", &t.admin_cookie).await;
    assert_eq!((r.status, r.field()), (400, Some("body")), "{r:?}");
    assert_eq!(t.all_items().await.len(), before, "nothing written");
    let r = import(&t, &v, "?dry_run=maybe", None).await;
    assert_eq!((r.status, r.field()), (400, Some("dry_run")), "{r:?}");
}

#[tokio::test]
async fn a_malformed_stored_hash_is_a_refusal_never_a_panic() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let t = TestApp::spawn().await;
    let id = secboard_domain::flows::create_user::create_account(&t.app.deps, "odd@example.com", None, false, "test").await.unwrap();
    // Shapes that make djangohashers panic if they reach it unchecked.
    for hash in ["argon2$argon2id$v=19$m=1$x$y", "scrypt$x$salt$8$1$abc", "argon2$$$$$", "bcrypt$"] {
        let cred = AttributeValue::M(
            [("kind".to_owned(), AttributeValue::S("django".into())), ("hash".to_owned(), AttributeValue::S(hash.into()))].into(),
        );
        t.raw_update(&format!("USER#{id}"), "ACCOUNT", "SET credential = :v", cred).await;
        assert_eq!(login(&t, "odd@example.com", "anything at all").await.status, 401, "{hash}");
        // Past the back-off the refusals earn.
        t.clock.advance(jiff::SignedDuration::from_hours(1));
    }
}

#[tokio::test]
async fn kept_memberships_count_on_their_groups_become_the_profiles_groups_and_are_let_go_of_on_delete() {
    let v = vectors();
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let r = import(&t, &v, &format!("?company_id={c}"), None).await;
    assert_eq!(r.status, 200, "{r:?}");
    let group =
        |name: &str| r.body["groups"].as_array().unwrap().iter().find(|g| g["name"] == name).unwrap()["id"].as_str().unwrap().to_owned();
    let (risk, auditors) = (group("Risk Managers"), group("Auditors"));
    let members = async |g: &str| {
        let item = t.raw_get(&format!("COMPANY#{c}"), &format!("GROUP#{g}")).await.unwrap();
        item.get("users").map(|u| u.as_n().unwrap().parse::<i64>().unwrap()).unwrap_or(0)
    };
    // Django: user0 in both groups, user1 in Risk Managers (make_vectors.py).
    assert_eq!((members(&risk).await, members(&auditors).await), (2, 1));
    let id_of = |email: &str| {
        let pk = v.expect.users.iter().find(|u| u.email == email).unwrap().pk;
        row(&r.body, pk)["user_id"].as_str().unwrap().to_owned()
    };
    let (first, second) = (id_of("pbkdf2_sha256@example.com"), id_of("pbkdf2_sha1@example.com"));

    let w = t.user(json!({ "mode": "existing", "user_id": first, "first_name": "Ada", "last_name": "L", "company_id": c })).await;
    assert_eq!(w.status, 201, "{w:?}");
    let mut names: Vec<String> =
        w.body["profile"]["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    assert_eq!(names, ["Auditors", "Risk Managers"], "{w:?}");
    assert_eq!((members(&risk).await, members(&auditors).await), (2, 1), "taken over, not counted twice");

    let d = t.request("DELETE", &format!("/api/users/{second}"), Some(json!({ "confirm": true })), Some(&t.admin_cookie)).await;
    assert!(d.status < 300, "{d:?}");
    assert_eq!(members(&risk).await, 1, "the deleted account let go of its membership");
    let still = t.request("DELETE", &format!("/api/org/companies/{c}/groups/{auditors}"), None, Some(&t.admin_cookie)).await;
    assert_eq!(still.status, 409, "{still:?}");
}
