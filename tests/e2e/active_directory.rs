//! Active Directory (issue 13) against a real OpenLDAP slapd with AD-style entries: the connection
//! settings (superusers, recent sign-in, the sealed bind password that moving the connection
//! forgets) and its test.

use secboard_domain::model::AuditTarget;
use secboard_domain::ports::AuditStore;
use secboard_tests::slapd::{AdUser, SERVICE_PASSWORD, SilentDirectory, Slapd};
use secboard_tests::*;
use serde_json::{Value, json};

async fn put_directory(t: &TestApp, body: Value) -> Reply {
    t.request("PUT", "/api/org/directory", Some(body), Some(&t.admin_cookie.clone())).await
}

#[tokio::test]
async fn a_superuser_sets_the_directory_and_its_bind_password_is_sealed_and_never_answered() {
    let t = TestApp::spawn().await;
    assert_eq!(t.get("/api/org/directory").await.status, 404);
    let slapd = Slapd::start();
    let r = put_directory(&t, slapd.settings()).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["bind_password_set"], true);
    assert_eq!(r.body["user_filter"], "(objectClass=user)", "the default filter");
    assert_eq!(r.body["attr_email"], "mail");
    let got = t.get("/api/org/directory").await;
    assert_eq!(got.status, 200);
    for reply in [&r, &got] {
        assert!(!reply.body.to_string().contains(SERVICE_PASSWORD), "the password is never answered: {reply:?}");
        assert!(reply.body.get("bind_password").is_none());
    }
    // At rest it is sealed: no item of the table holds it.
    for item in t.all_items().await {
        assert!(!format!("{item:?}").contains(SERVICE_PASSWORD), "{item:?}");
    }
    let audit = t.store.list_audit(&AuditTarget::Global, 10).await.unwrap();
    let created = audit.iter().find(|e| e.action == "directory.settings_created").expect("audited");
    assert!(!created.detail.to_string().contains(SERVICE_PASSWORD));
    assert_eq!(created.actor.as_ref().map(|a| a.to_string()), Some(t.get("/api/me").await.body["id"].as_str().unwrap().to_owned()));
}

#[tokio::test]
async fn only_a_superuser_with_a_recent_sign_in_changes_the_directory() {
    let t = TestApp::spawn().await;
    let slapd = Slapd::start();
    let c = t.company("Acme").await;
    let g = t.group(None, "User admins", json!({ "view": true, "add": true, "edit": true, "delete": true })).await;
    let (_, cookie) = t.member(&c, "useradmin@example.com", &[&g]).await;
    for (method, path) in [("GET", "/api/org/directory"), ("PUT", "/api/org/directory"), ("POST", "/api/org/directory/test")] {
        let body = (method == "PUT").then(|| slapd.settings());
        let r = t.request(method, path, body, Some(&cookie)).await;
        assert_eq!(r.status, 403, "{method} {path}: {r:?}");
    }
    t.set_now("2026-06-15T09:20:00Z");
    let stale = put_directory(&t, slapd.settings()).await;
    assert_eq!((stale.status, stale.body["code"].as_str()), (403, Some("reauthenticate")), "{stale:?}");
    let mut body = slapd.settings();
    body["password"] = json!(ADMIN_PASSWORD);
    assert_eq!(put_directory(&t, body).await.status, 200);
    let del = t.request("DELETE", "/api/org/directory", None, Some(&t.admin_cookie.clone())).await;
    assert_eq!((del.status, del.body["code"].as_str()), (403, Some("reauthenticate")), "{del:?}");
    let del = t.request("DELETE", "/api/org/directory", Some(json!({ "password": ADMIN_PASSWORD })), Some(&t.admin_cookie.clone())).await;
    assert_eq!(del.status, 204, "{del:?}");
    assert_eq!(t.get("/api/org/directory").await.status, 404);
    let actions: Vec<String> = t.store.list_audit(&AuditTarget::Global, 10).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"directory.settings_deleted".to_owned()), "{actions:?}");
}

#[tokio::test]
async fn changing_where_the_bind_password_goes_forgets_it() {
    let t = TestApp::spawn().await;
    let slapd = Slapd::start();
    let first = put_directory(&t, slapd.settings()).await;
    assert_eq!(first.status, 200, "{first:?}");
    // Another filter keeps the password.
    let mut same_server = slapd.settings();
    same_server.as_object_mut().unwrap().remove("bind_password");
    same_server["user_filter"] = json!("(&(objectClass=user)(mail=*))");
    same_server["version"] = first.body["version"].clone();
    let kept = put_directory(&t, same_server.clone()).await;
    assert_eq!((kept.status, &kept.body["bind_password_set"]), (200, &json!(true)), "{kept:?}");
    // Each of url, ca_pem, insecure and bind_dn needs it again.
    let moves = [
        ("url", json!("ldap://127.0.0.1:1")),
        ("ca_pem", Value::Null),
        ("insecure", json!(true)),
        ("bind_dn", json!("cn=someone else,dc=corp,dc=example")),
    ];
    for (field, value) in moves {
        let mut b = same_server.clone();
        b[field] = value;
        b["version"] = kept.body["version"].clone();
        let r = put_directory(&t, b).await;
        assert_eq!((r.status, r.field()), (400, Some("bind_password")), "{field}: {r:?}");
    }
    // A stale version is refused.
    let mut old = slapd.settings();
    old["version"] = first.body["version"].clone();
    let r = put_directory(&t, old).await;
    assert_eq!((r.status, r.body["code"].as_str()), (409, Some("stale_version")), "{r:?}");
}

#[tokio::test]
async fn bad_directory_settings_are_refused_naming_the_field() {
    let t = TestApp::spawn().await;
    let slapd = Slapd::start();
    let cases = [
        ("url", json!("http://dc1.corp.example")),
        ("url", json!("ldap://dc1.corp.example/dc=x")),
        ("user_filter", json!("objectClass=user")),
        ("user_filter", json!("(objectClass=user))(")),
        ("attr_email", json!("mail)(cn=*")),
        ("connect_timeout_ms", json!(0)),
        ("operation_timeout_ms", json!(600000)),
        ("company_id", json!("01J00000000000000000000000")),
        ("ca_pem", json!("not a certificate")),
        ("bind_password", json!("")),
        ("bind_dn", json!("")),
    ];
    for (field, value) in cases {
        let mut b = slapd.settings();
        b[field] = value.clone();
        let r = put_directory(&t, b).await;
        assert_eq!((r.status, r.field()), (400, Some(field)), "{field}={value}: {r:?}");
    }
    let mut b = slapd.settings();
    b["url"] = json!("ldaps://dc1.corp.example");
    b["insecure"] = json!(true);
    let r = put_directory(&t, b).await;
    assert_eq!((r.status, r.field()), (400, Some("insecure")), "{r:?}");
    assert_eq!(t.get("/api/org/directory").await.status, 404, "nothing was written");
}

async fn test_connection(t: &TestApp) -> Reply {
    t.request("POST", "/api/org/directory/test", None, Some(&t.admin_cookie.clone())).await
}

#[tokio::test]
async fn the_test_binds_over_starttls_with_the_given_ca_and_counts_the_users() {
    let t = TestApp::spawn().await;
    let slapd = Slapd::start();
    for (uid, email) in [("ada", "ada@corp.example"), ("bob", "bob@corp.example"), ("cy", "cy@corp.example")] {
        slapd.add_user(&AdUser::new(uid, email, "Ada-pass-2026"));
    }
    assert_eq!(put_directory(&t, slapd.settings()).await.status, 200);
    let r = test_connection(&t).await;
    assert_eq!((r.status, &r.body["ok"], &r.body["users_found"]), (200, &json!(true), &json!(3)), "{r:?}");

    // Without the CA the server's certificate is not trusted: StartTLS fails.
    let mut no_ca = slapd.settings();
    no_ca["ca_pem"] = Value::Null;
    no_ca["version"] = t.get("/api/org/directory").await.body["version"].clone();
    assert_eq!(put_directory(&t, no_ca).await.status, 200);
    let r = test_connection(&t).await;
    assert_eq!((r.status, &r.body["ok"], r.body["reason"].as_str()), (200, &json!(false), Some("unavailable")), "{r:?}");

    // A wrong service password is told apart.
    let mut wrong = slapd.settings();
    wrong["bind_password"] = json!("not the password");
    wrong["version"] = t.get("/api/org/directory").await.body["version"].clone();
    assert_eq!(put_directory(&t, wrong).await.status, 200);
    let r = test_connection(&t).await;
    assert_eq!((r.status, r.body["reason"].as_str()), (200, Some("service_refused")), "{r:?}");
    let tested = t.store.list_audit(&AuditTarget::Global, 20).await.unwrap().into_iter().filter(|e| e.action == "directory.tested").count();
    assert_eq!(tested, 3);
}

#[tokio::test]
async fn a_directory_that_never_answers_fails_the_test_within_its_timeout() {
    let t = TestApp::spawn().await;
    let silent = SilentDirectory::start().await;
    let slapd = Slapd::start();
    let mut b = slapd.settings();
    b["url"] = json!(format!("ldap://127.0.0.1:{}", silent.port));
    b["connect_timeout_ms"] = json!(500);
    b["operation_timeout_ms"] = json!(500);
    assert_eq!(put_directory(&t, b).await.status, 200);
    let started = std::time::Instant::now();
    let r = test_connection(&t).await;
    assert_eq!((r.status, r.body["reason"].as_str()), (200, Some("unavailable")), "{r:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());
}
