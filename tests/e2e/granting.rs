//! The granting rules, tried as a company administrator would try them: a caller grants only
//! groups whose rights stay within its own reach; nobody edits their own groups, rights or flags;
//! only a superuser changes a superuser; the last standing superuser stays.

use secboard_domain::flows::{break_glass, create_user};
use secboard_domain::password::Password;
use secboard_tests::*;
use serde_json::{Value, json};

/// A company administrator of `c`: users view/add/edit/delete within the company, nothing else.
async fn company_admin(t: &TestApp, c: &str) -> (String, String, String) {
    let g = t.group(Some(c), "Company admins", json!({ "view": true, "add": true, "edit": true, "delete": true })).await;
    let (id, cookie) = t.member(c, "boss@acme.test", &[&g]).await;
    (id, cookie, g)
}

fn new_user(c: &str, email: &str, groups: &[&str]) -> Value {
    json!({ "email": email, "first_name": "New", "last_name": "Person", "company_id": c, "groups": groups })
}

async fn version(t: &TestApp, id: &str) -> u64 {
    t.get(&format!("/api/users/{id}")).await.body["profile"]["version"].as_u64().unwrap()
}

#[tokio::test]
async fn a_company_admin_cannot_grant_a_global_group_on_create_or_edit() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, boss, _) = company_admin(&t, &c).await;
    let global = t.group(None, "Everywhere", json!({ "view": true })).await;

    let r = t.request("POST", "/api/users", Some(new_user(&c, "x@acme.test", &[&global])), Some(&boss)).await;
    assert_eq!((r.status, r.field()), (403, Some("groups[0]")), "{r:?}");
    assert!(t.raw_get("EMAIL#x@acme.test", "EMAIL").await.is_none(), "nothing written");

    let ok = t.request("POST", "/api/users", Some(new_user(&c, "y@acme.test", &[])), Some(&boss)).await;
    assert_eq!(ok.status, 201, "{ok:?}");
    let id = ok.id();
    let v = version(&t, &id).await;
    let r = t.request("PATCH", &format!("/api/users/{id}"), Some(json!({ "version": v, "groups": [global] })), Some(&boss)).await;
    assert_eq!((r.status, r.field()), (403, Some("groups[0]")), "{r:?}");

    // A superuser may.
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": v, "groups": [global] })).await;
    assert_eq!(r.status, 200, "{r:?}");
    // And a company admin may not take it away again either.
    let v = version(&t, &id).await;
    let r = t.request("PATCH", &format!("/api/users/{id}"), Some(json!({ "version": v, "groups": [] })), Some(&boss)).await;
    assert_eq!((r.status, r.field()), (403, Some("groups")), "{r:?}");
}

#[tokio::test]
async fn a_company_admin_grants_only_rights_they_hold() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, boss, admins) = company_admin(&t, &c).await;
    let exporters = t.group(Some(&c), "Exporters", json!({ "view": true, "export": true })).await;
    let org =
        t.post(&format!("/api/org/companies/{c}/groups"), json!({ "name": "Org", "permissions": { "org": { "edit": true } } })).await.id();
    let viewers = t.group(Some(&c), "Viewers", json!({ "view": true })).await;

    for (g, what) in [(&exporters, "users.export"), (&org, "org.edit")] {
        let r = t.request("POST", "/api/users", Some(new_user(&c, "x@acme.test", &[g])), Some(&boss)).await;
        assert_eq!((r.status, r.field()), (403, Some("groups[0]")), "{what}: {r:?}");
        assert!(r.body["detail"].as_str().unwrap().contains(what), "{r:?}");
    }
    // Through a role's groups too.
    let role = t.post(&format!("/api/org/companies/{c}/roles"), json!({ "name": "Exporter", "groups": [exporters] })).await.id();
    let mut body = new_user(&c, "x@acme.test", &[]);
    body["roles"] = json!([role]);
    body["apply_role_groups"] = json!(true);
    let r = t.request("POST", "/api/users", Some(body), Some(&boss)).await;
    assert_eq!((r.status, r.field()), (403, Some("roles")), "{r:?}");

    // Within reach: their own group and a narrower one.
    let r = t.request("POST", "/api/users", Some(new_user(&c, "z@acme.test", &[&viewers, &admins])), Some(&boss)).await;
    assert_eq!(r.status, 201, "{r:?}");
}

#[tokio::test]
async fn nobody_edits_their_own_groups_flags_or_password_through_the_admin_api() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (me, boss, admins) = company_admin(&t, &c).await;
    let viewers = t.group(Some(&c), "Viewers", json!({ "view": true })).await;
    let path = format!("/api/users/{me}");
    for (change, field) in [
        (json!({ "groups": [admins, viewers] }), "groups"),
        (json!({ "groups": [] }), "groups"),
        (json!({ "staff": true }), "staff"),
        (json!({ "active": false }), "active"),
        (json!({ "require_2fa": true }), "require_2fa"),
        (json!({ "force_password_change": true }), "force_password_change"),
        (json!({ "password": "a brand new long password" }), "password"),
        (json!({ "email": "boss2@acme.test" }), "email"),
    ] {
        let v = version(&t, &me).await;
        let mut body = change.clone();
        body["version"] = json!(v);
        let r = t.request("PATCH", &path, Some(body), Some(&boss)).await;
        assert_eq!((r.status, r.field()), (403, Some(field)), "{change}: {r:?}");
    }
    // Sending the values unchanged (a whole form) is no change, and is accepted.
    let v = version(&t, &me).await;
    let r = t.request("PATCH", &path, Some(json!({ "version": v, "groups": [admins], "staff": false, "active": true })), Some(&boss)).await;
    assert_eq!(r.status, 200, "{r:?}");
    // A superuser edits their own flags neither.
    let su = t.get("/api/me").await.body["id"].as_str().unwrap().to_owned();
    let v = version(&t, &su).await;
    let r = t.patch(&format!("/api/users/{su}"), json!({ "version": v, "require_2fa": true })).await;
    assert_eq!((r.status, r.field()), (403, Some("require_2fa")), "{r:?}");
}

#[tokio::test]
async fn only_a_superuser_changes_a_superuser() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, boss, _) = company_admin(&t, &c).await;
    let id = second_superuser(&t, &c).await;
    let path = format!("/api/users/{id}");
    assert_eq!(t.request("GET", &path, None, Some(&boss)).await.status, 200, "a superuser is visible to a company admin");
    for change in [
        json!({ "password": "a brand new long password" }),
        json!({ "reset_2fa": true }),
        json!({ "email": "evil@acme.test" }),
        json!({ "active": false }),
        json!({ "first_name": "Renamed" }),
    ] {
        let mut body = change.clone();
        body["version"] = json!(version(&t, &id).await);
        let r = t.request("PATCH", &path, Some(body), Some(&boss)).await;
        assert_eq!((r.status, r.field()), (403, Some("id")), "{change}: {r:?}");
    }
    let r = t.request("DELETE", &path, Some(json!({ "confirm": true })), Some(&boss)).await;
    assert_eq!((r.status, r.field()), (403, Some("id")), "{r:?}");
    let r = t.request("POST", &format!("{path}/first-access-link"), Some(json!({})), Some(&boss)).await;
    assert_eq!((r.status, r.field()), (403, Some("id")), "{r:?}");
    // A superuser may.
    let r = t.patch(&path, json!({ "version": version(&t, &id).await, "first_name": "Renamed" })).await;
    assert_eq!(r.status, 200, "{r:?}");
}

/// A second superuser (made by the admin tool, wrapped in `c`): its id.
async fn second_superuser(t: &TestApp, c: &str) -> String {
    let id = create_user::create_account(&t.app.deps, "root2@acme.test", Some(&Password::new("root two long password")), true, "test")
        .await
        .unwrap()
        .to_string();
    let r = t.user(json!({ "mode": "existing", "user_id": id, "first_name": "Root", "last_name": "Two", "company_id": c })).await;
    assert_eq!(r.status, 201, "{r:?}");
    id
}

/// Two superusers, each signed in, as a (id, cookie) pair each.
async fn two_superusers(t: &TestApp) -> [(String, String); 2] {
    let c = t.company("Root").await;
    let id = second_superuser(t, &c).await;
    let mut second = t.sign_in("root2@acme.test", "root two long password").await;
    let done = t.step("POST", "/api/me/complete", Some(json!({})), &mut second).await;
    assert_eq!(done.status, 200, "{done:?}");
    let first = t.get("/api/me").await.body["id"].as_str().unwrap().to_owned();
    [(first, t.admin_cookie.clone()), (id, second)]
}

#[tokio::test]
async fn two_superusers_deactivating_each_other_at_once_leave_one_standing_concurrent() {
    for change in [json!({ "active": false }), json!({ "end_date": "2027-01-01" })] {
        let t = TestApp::spawn().await;
        let [(a, ca), (b, cb)] = two_superusers(&t).await;
        let (va, vb) = (version(&t, &a).await, version(&t, &b).await);
        let mut to_a = change.clone();
        to_a["version"] = json!(va);
        let mut to_b = change.clone();
        to_b["version"] = json!(vb);
        let (pa, pb) = (format!("/api/users/{a}"), format!("/api/users/{b}"));
        let (r1, r2) = tokio::join!(t.request("PATCH", &pb, Some(to_b), Some(&ca)), t.request("PATCH", &pa, Some(to_a), Some(&cb)));
        let mut statuses = [r1.status, r2.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{change}: {r1:?} {r2:?}");
        let refused = if r1.status == 409 { &r1 } else { &r2 };
        assert!(refused.body["detail"].as_str().unwrap().contains("last superuser"), "{refused:?}");
    }
}

#[tokio::test]
async fn a_deactivated_superuser_no_longer_stands_and_deletes_of_each_other_leave_one_concurrent() {
    let t = TestApp::spawn().await;
    let [(a, ca), (b, _)] = two_superusers(&t).await;
    let count = || async { t.raw_get("SUPERUSERS", "COUNT").await.unwrap()["n"].as_n().unwrap().to_owned() };
    assert_eq!(count().await, "2");
    let patch_b = |active: bool| {
        let (ca, b) = (ca.clone(), b.clone());
        let t = &t;
        async move {
            let v = version(t, &b).await;
            t.request("PATCH", &format!("/api/users/{b}"), Some(json!({ "version": v, "active": active })), Some(&ca)).await
        }
    };
    assert_eq!(patch_b(false).await.status, 200);
    assert_eq!(count().await, "1", "a deactivated superuser does not stand");
    assert_eq!(patch_b(true).await.status, 200);
    assert_eq!(count().await, "2", "reactivated, they stand again");

    let cb = t.sign_in("root2@acme.test", "root two long password").await;
    let (pa, pb) = (format!("/api/users/{a}"), format!("/api/users/{b}"));
    let (r1, r2) = tokio::join!(
        t.request("DELETE", &pb, Some(json!({ "confirm": true })), Some(&ca)),
        t.request("DELETE", &pa, Some(json!({ "confirm": true })), Some(&cb)),
    );
    let ok = [&r1, &r2].iter().filter(|r| r.status == 204).count();
    assert_eq!(ok, 1, "exactly one delete goes through: {r1:?} {r2:?}");
    assert_eq!(count().await, "1");
}

#[tokio::test]
async fn break_glass_resets_two_factor_and_sets_a_superusers_password() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, mut cookie) = t.member(&c, "m@acme.test", &[]).await;
    t.enrol_totp(&mut cookie).await;
    break_glass::reset_two_factor(&t.app.deps, &t.app.mail, "M@acme.test").await.unwrap();
    let got = t.get(&format!("/api/users/{id}")).await.body;
    assert_eq!(got["totp_enrolled"], false, "{got}");
    let audit = t.get(&format!("/api/audit?user={id}")).await.body;
    assert!(audit.to_string().contains("break_glass"), "{audit}");

    // A superuser's password, under the password policy; not a member's.
    let strength = secboard_passwords::Zxcvbn;
    let e =
        break_glass::set_superuser_password(&t.app.deps, &t.app.mail, &strength, ADMIN_EMAIL, &Password::new("short")).await.unwrap_err();
    assert!(matches!(e, secboard_domain::Error::Invalid { ref field, .. } if field == "password"), "{e:?}");
    break_glass::set_superuser_password(&t.app.deps, &t.app.mail, &strength, ADMIN_EMAIL, &Password::new("a fresh break glass password"))
        .await
        .unwrap();
    t.sign_in(ADMIN_EMAIL, "a fresh break glass password").await;
    let e = break_glass::set_superuser_password(
        &t.app.deps,
        &t.app.mail,
        &strength,
        "m@acme.test",
        &Password::new("a fresh break glass password"),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, secboard_domain::Error::Invalid { ref field, .. } if field == "email"), "{e:?}");
}
