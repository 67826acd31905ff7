//! Active Directory (issue 13) against a real OpenLDAP slapd with AD-style entries: the connection
//! settings (superusers, recent sign-in, the sealed bind password that moving the connection
//! forgets) and its test.

use secboard_domain::active_directory::{AdClient, AdConnection, AdEntry, AdError, AdSession, GUID_BATCH};
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
    on::the_test_binds_over_starttls_with_the_given_ca_and_counts_the_users(&Slapd::start()).await;
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

// ---- sign-in against the directory ----

async fn login(t: &TestApp, email: &str, password: &str) -> Reply {
    t.request("POST", "/api/auth/login", Some(json!({ "email": email, "password": password })), None).await
}

async fn id_of(t: &TestApp, email: &str) -> Option<String> {
    use secboard_domain::ports::AccountStore;
    let email = secboard_domain::email::Email::parse("email", email).unwrap();
    t.store.user_id_by_email(&email).await.unwrap().map(|id| id.to_string())
}

async fn disabled_flag(t: &TestApp, id: &str) -> Option<bool> {
    t.raw_get(&format!("USER#{id}"), "ACCOUNT").await.unwrap()["directory_disabled"].as_bool().ok().copied()
}

async fn reasons(t: &TestApp, target: AuditTarget) -> Vec<String> {
    let events = t.store.list_audit(&target, 50).await.unwrap();
    events.into_iter().filter(|e| e.action == "sign_in.refused").filter_map(|e| e.detail["reason"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn a_directory_user_signs_in_to_one_account_linked_by_guid_that_waits_at_no_profile() {
    on::a_directory_user_signs_in_to_one_account_linked_by_guid_that_waits_at_no_profile(&Slapd::start()).await;
}

#[tokio::test]
async fn a_disabled_directory_user_is_refused_and_let_in_after_enabling() {
    on::a_disabled_directory_user_is_refused_and_let_in_after_enabling(&Slapd::start()).await;
}

#[tokio::test]
async fn a_filter_injection_in_the_email_finds_nothing() {
    on::a_filter_injection_in_the_email_finds_nothing(&Slapd::start()).await;
}

#[tokio::test]
async fn a_sign_in_that_would_lock_the_directory_account_is_not_tried() {
    on::a_sign_in_that_would_lock_the_directory_account_is_not_tried(&Slapd::start()).await;
}

#[tokio::test]
async fn a_local_account_without_a_password_is_claimed_by_its_directory_entry() {
    on::a_local_account_without_a_password_is_claimed_by_its_directory_entry(&Slapd::start()).await;
}

/// A sign-in whose answer may be a 5xx (the harness fails a test on any other 5xx): status and body.
async fn login_in_outage(t: &TestApp, email: &str, password: &str) -> (u16, Value) {
    t.clock.advance(jiff::SignedDuration::from_millis(1));
    let body = json!({ "email": email, "password": password }).to_string();
    let req = http::Request::builder()
        .method("POST")
        .uri("/api/auth/login")
        .header("host", "127.0.0.1:3000")
        .header("content-type", "application/json")
        .body(lambda_http::Body::Text(body))
        .unwrap();
    let resp = t.functions.dispatch(secboard_infra::gateway::to_gateway_request(req, TEST_IP)).await;
    let status = resp.status().as_u16();
    let body = match resp.into_body() {
        lambda_http::Body::Text(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, body)
}

#[tokio::test]
async fn while_the_directory_does_not_answer_local_passwords_sign_in_and_every_refusal_is_503() {
    let t = TestApp::spawn().await;
    let silent = SilentDirectory::start().await;
    let slapd = Slapd::start();
    let mut b = slapd.settings();
    b["url"] = json!(format!("ldap://127.0.0.1:{}", silent.port));
    b["connect_timeout_ms"] = json!(300);
    b["operation_timeout_ms"] = json!(300);
    assert_eq!(put_directory(&t, b).await.status, 200);

    let ok = login(&t, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(ok.status, 200, "a correct local password still signs in: {ok:?}");
    let local = login_in_outage(&t, ADMIN_EMAIL, "not the admin password").await;
    let unknown = login_in_outage(&t, "nobody@corp.example", "whatever-2026").await;
    for (status, body) in [&local, &unknown] {
        assert_eq!((*status, body["code"].as_str()), (503, Some("unavailable")), "{body}");
    }
    assert_eq!(local.1, unknown.1, "the same answer whoever the email belongs to");

    // Without a directory the same refusals are the ordinary 401.
    let off = t.request("DELETE", "/api/org/directory", None, Some(&t.admin_cookie.clone())).await;
    assert_eq!(off.status, 204);
    t.clock.advance(jiff::SignedDuration::from_mins(2));
    assert_eq!(login(&t, "nobody@corp.example", "whatever-2026").await.status, 401);
}

// ---- attributes follow the directory ----

async fn user_view(t: &TestApp, id: &str) -> Value {
    let r = t.get(&format!("/api/users/{id}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body
}

async fn delete_department(t: &TestApp, company: &str, id: &str) -> u16 {
    let path = format!("/api/org/companies/{company}/departments/{id}");
    t.request("DELETE", &path, None, Some(&t.admin_cookie.clone())).await.status
}

#[tokio::test]
async fn a_new_directory_user_gets_a_cabinet_profile_in_the_settings_company_filled_from_the_directory() {
    on::a_new_directory_user_gets_a_cabinet_profile_in_the_settings_company_filled_from_the_directory(&Slapd::start()).await;
}

#[tokio::test]
async fn attributes_changed_in_the_directory_change_in_secboard_at_the_next_sign_in() {
    on::attributes_changed_in_the_directory_change_in_secboard_at_the_next_sign_in(&Slapd::start()).await;
}

#[tokio::test]
async fn a_directory_email_another_account_has_is_not_taken_and_the_user_still_signs_in() {
    on::a_directory_email_another_account_has_is_not_taken_and_the_user_still_signs_in(&Slapd::start()).await;
}

// ---- group sync ----

/// An access group (global with `None`) marked as synced from the directory, by the superuser.
async fn synced_group(t: &TestApp, company: Option<&str>, name: &str, users: Value) -> String {
    let path = match company {
        Some(c) => format!("/api/org/companies/{c}/groups"),
        None => "/api/org/groups".to_owned(),
    };
    let r = t.post(&path, json!({ "name": name, "permissions": { "users": users }, "directory_sync": true })).await;
    assert_eq!((r.status, &r.body["directory_sync"]), (201, &json!(true)), "{r:?}");
    r.id()
}

fn group_names(user: &Value) -> Vec<String> {
    let mut names: Vec<String> =
        user["profile"]["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    names
}

async fn group_users(t: &TestApp, company: Option<&str>, id: &str) -> i64 {
    let pk = company.map_or("GLOBAL".to_owned(), |c| format!("COMPANY#{c}"));
    let item = t.raw_get(&pk, &format!("GROUP#{id}")).await.expect("the group");
    item.get("users").map_or(0, |n| n.as_n().unwrap().parse().unwrap())
}

#[tokio::test]
async fn group_sync_adds_exactly_the_marked_groups_the_directory_names_and_removes_nothing() {
    on::group_sync_adds_exactly_the_marked_groups_the_directory_names_and_removes_nothing(&Slapd::start()).await;
}

#[tokio::test]
async fn only_a_superuser_marks_an_access_group_as_synced_from_the_directory() {
    let t = TestApp::spawn().await;
    let c = t.company("Corp").await;
    let org = t
        .post("/api/org/groups", json!({ "name": "Org admins", "permissions": { "org": { "view": true, "add": true, "edit": true } } }))
        .await;
    assert_eq!(org.status, 201, "{org:?}");
    let (_, cookie) = t.member(&c, "orgadmin@corp.example", &[&org.id()]).await;
    let path = format!("/api/org/companies/{c}/groups");

    let r = t.request("POST", &path, Some(json!({ "name": "Admins", "directory_sync": true })), Some(&cookie)).await;
    assert_eq!((r.status, r.field()), (403, Some("directory_sync")), "{r:?}");
    let made = t.request("POST", &path, Some(json!({ "name": "Plain" })), Some(&cookie)).await;
    assert_eq!((made.status, &made.body["directory_sync"]), (201, &json!(false)), "{made:?}");
    let plain = format!("{path}/{}", made.id());
    let r = t.request("PATCH", &plain, Some(json!({ "version": 1, "directory_sync": true })), Some(&cookie)).await;
    assert_eq!((r.status, r.field()), (403, Some("directory_sync")), "{r:?}");

    // The superuser marks it; then the administrator may change its rights, but not its name
    // (what the directory's groups are matched against) nor the mark.
    let r = t.patch(&plain, json!({ "version": 1, "directory_sync": true })).await;
    assert_eq!((r.status, &r.body["directory_sync"]), (200, &json!(true)), "{r:?}");
    let r = t.request("PATCH", &plain, Some(json!({ "version": 2, "name": "Domain Users" })), Some(&cookie)).await;
    assert_eq!((r.status, r.field()), (403, Some("name")), "{r:?}");
    let r = t.request("PATCH", &plain, Some(json!({ "version": 2, "directory_sync": false })), Some(&cookie)).await;
    assert_eq!((r.status, r.field()), (403, Some("directory_sync")), "{r:?}");
    let r = t.request("PATCH", &plain, Some(json!({ "version": 2, "permissions": { "users": { "view": true } } })), Some(&cookie)).await;
    assert_eq!((r.status, &r.body["directory_sync"]), (200, &json!(true)), "{r:?}");
    let listed = t.get(&path).await;
    assert!(listed.body.as_array().unwrap().iter().any(|g| g["name"] == "Plain" && g["directory_sync"] == true), "{listed:?}");
}

// ---- Refresh from AD ----

async fn refresh(t: &TestApp, id: &str, cookie: &str) -> Reply {
    t.request("POST", &format!("/api/users/{id}/directory-refresh"), None, Some(cookie)).await
}

#[tokio::test]
async fn refresh_from_ad_rereads_the_attributes_and_the_disabled_state_through_the_service_account() {
    on::refresh_from_ad_rereads_the_attributes_and_the_disabled_state_through_the_service_account(&Slapd::start()).await;
}

#[tokio::test]
async fn refresh_from_ad_is_a_409_for_other_accounts_and_needs_the_right_to_edit_the_user() {
    let t = TestApp::spawn().await;
    let slapd = Slapd::start();
    let c = t.company("Corp").await;
    let other = t.company("Other").await;
    slapd.add_user(&AdUser::new("jay", "jay@corp.example", "Jay-pass-2026"));
    let mut settings = slapd.settings();
    settings["company_id"] = json!(c);
    assert_eq!(put_directory(&t, settings).await.status, 200);
    assert_eq!(login(&t, "jay@corp.example", "Jay-pass-2026").await.status, 200);
    let jay = id_of(&t, "jay@corp.example").await.unwrap();
    let admin = t.admin_cookie.clone();

    let local = t.user(json!({ "email": "kim@corp.example", "first_name": "Kim", "last_name": "Local", "company_id": c })).await.id();
    let r = refresh(&t, &local, &admin).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.field()), (409, Some("not_from_directory"), Some("id")), "{r:?}");

    let viewers = t.group(Some(&c), "Viewers", json!({ "view": true })).await;
    let (_, viewer) = t.member(&c, "viewer@corp.example", &[&viewers]).await;
    assert_eq!(refresh(&t, &jay, &viewer).await.status, 403, "viewing is not editing");
    let editors = t.group(Some(&other), "Editors", json!({ "view": true, "edit": true })).await;
    let (_, elsewhere) = t.member(&other, "editor@other.example", &[&editors]).await;
    assert_eq!(refresh(&t, &jay, &elsewhere).await.status, 404, "another company's user is out of reach");
    let ours = t.group(Some(&c), "Our editors", json!({ "view": true, "edit": true })).await;
    let (_, editor) = t.member(&c, "editor@corp.example", &[&ours]).await;
    assert_eq!(refresh(&t, &jay, &editor).await.status, 200);

    let off = t.request("DELETE", "/api/org/directory", None, Some(&admin)).await;
    assert_eq!(off.status, 204);
    let r = refresh(&t, &jay, &admin).await;
    assert_eq!((r.status, r.body["code"].as_str()), (409, Some("directory_off")), "{r:?}");
}

// ---- the scheduled sync ----

#[tokio::test]
async fn the_scheduled_sync_mirrors_disabled_and_deleted_directory_users_and_ends_their_sessions() {
    on::the_scheduled_sync_mirrors_disabled_and_deleted_directory_users_and_ends_their_sessions(&Slapd::start()).await;
}

/// The directory client, counting the lookups by GUID asked of it: how many GUIDs each
/// `find_by_guids` asked for, and how many `find_by_guid`s.
#[derive(Clone, Default)]
struct CountingClient {
    batches: std::sync::Arc<std::sync::Mutex<Vec<usize>>>,
    singles: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

struct CountingSession {
    inner: Box<dyn AdSession>,
    counts: CountingClient,
}

#[async_trait::async_trait]
impl AdClient for CountingClient {
    async fn open(&self, conn: &AdConnection) -> Result<Box<dyn AdSession>, AdError> {
        let inner = secboard_ldap::LdapClient.open(conn).await?;
        Ok(Box::new(CountingSession { inner, counts: self.clone() }))
    }
}

#[async_trait::async_trait]
impl AdSession for CountingSession {
    async fn find_by_email(&mut self, email: &str) -> Result<Vec<AdEntry>, AdError> {
        self.inner.find_by_email(email).await
    }
    async fn find_by_guid(&mut self, guid: &str) -> Result<Option<AdEntry>, AdError> {
        self.counts.singles.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.find_by_guid(guid).await
    }
    async fn find_by_guids(&mut self, guids: &[String]) -> Result<Vec<AdEntry>, AdError> {
        self.counts.batches.lock().unwrap().push(guids.len());
        self.inner.find_by_guids(guids).await
    }
    async fn count_users(&mut self, max: usize) -> Result<usize, AdError> {
        self.inner.count_users(max).await
    }
    async fn lockout_threshold(&mut self) -> Result<Option<u32>, AdError> {
        self.inner.lockout_threshold().await
    }
    async fn check_password(&mut self, dn: &str, password: &secboard_domain::password::Password) -> Result<bool, AdError> {
        self.inner.check_password(dn, password).await
    }
}

#[tokio::test]
async fn the_scheduled_sync_reads_the_directory_a_hundred_accounts_to_a_search() {
    let t = TestApp::spawn().await;
    let slapd = Slapd::start();
    let n = GUID_BATCH + 1;
    let users: Vec<(String, String)> = (0..n).map(|i| (format!("u{i:03}"), format!("u{i:03}@corp.example"))).collect();
    let dns: Vec<String> = users.iter().map(|(uid, email)| slapd.add_user(&AdUser::new(uid, email, "Many-pass-2026")).0).collect();
    assert_eq!(put_directory(&t, slapd.settings()).await.status, 200);
    for (_, email) in &users {
        let r = login(&t, email, "Many-pass-2026").await;
        assert_eq!(r.status, 200, "{email}: {r:?}");
    }
    // One entry disabled in the first search's hundred, one deleted in the second's.
    slapd.set(&dns[7], "userAccountControl", "514");
    slapd.modify(&format!("dn: {}\nchangetype: delete\n", dns[n - 1]));
    let client = CountingClient::default();
    let run = t.sync_directory_with(&client).await.unwrap();
    assert_eq!((run.checked, run.disabled, run.deleted, run.enabled), (n, 1, 1, 0), "{run:?}");
    let mut asked = client.batches.lock().unwrap().clone();
    asked.sort();
    assert_eq!(asked, vec![1, GUID_BATCH], "two searches for {n} linked accounts");
    assert_eq!(client.singles.load(std::sync::atomic::Ordering::SeqCst), 0, "no entry looked up alone");
    assert_eq!(disabled_flag(&t, &id_of(&t, &users[7].1).await.unwrap()).await, Some(true));
    assert_eq!(disabled_flag(&t, &id_of(&t, &users[n - 1].1).await.unwrap()).await, Some(true));
    assert_eq!(disabled_flag(&t, &id_of(&t, &users[8].1).await.unwrap()).await, Some(false));
}

#[tokio::test]
async fn the_scheduled_sync_does_nothing_without_a_directory_and_mirrors_nothing_from_one_that_does_not_answer() {
    let t = TestApp::spawn().await;
    assert!(t.sync_directory().await.unwrap().off);
    let slapd = Slapd::start();
    let (dn, _) = slapd.add_user(&AdUser::new("oli", "oli@corp.example", "Oli-pass-2026"));
    assert_eq!(put_directory(&t, slapd.settings()).await.status, 200);
    assert_eq!(login(&t, "oli@corp.example", "Oli-pass-2026").await.status, 200);
    let id = id_of(&t, "oli@corp.example").await.unwrap();
    let silent = SilentDirectory::start().await;
    let mut b = slapd.settings();
    b["url"] = json!(format!("ldap://127.0.0.1:{}", silent.port));
    b["connect_timeout_ms"] = json!(300);
    b["operation_timeout_ms"] = json!(300);
    b["version"] = t.get("/api/org/directory").await.body["version"].clone();
    assert_eq!(put_directory(&t, b).await.status, 200);
    slapd.set(&dn, "userAccountControl", "514");
    assert!(matches!(t.sync_directory().await, Err(secboard_domain::Error::Unavailable { .. })));
    assert_eq!(disabled_flag(&t, &id).await, Some(false), "nothing mirrored from a directory that did not answer");
}

/// The scenarios proven against every directory server: each test above runs one against a
/// slapd of its own; tests/e2e/samba.rs runs them all against one Samba AD domain controller.
pub mod on {
    use super::*;
    use secboard_tests::ad_server::DirectoryServer;

    pub async fn the_test_binds_over_starttls_with_the_given_ca_and_counts_the_users(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        for (uid, email) in [("ada", "ada@corp.example"), ("bob", "bob@corp.example"), ("cy", "cy@corp.example")] {
            dir.add_user(&AdUser::new(uid, email, "Ada-pass-2026"));
        }
        assert_eq!(put_directory(&t, dir.settings()).await.status, 200);
        let r = test_connection(&t).await;
        assert_eq!((r.status, &r.body["ok"], &r.body["users_found"]), (200, &json!(true), &json!(3)), "{r:?}");

        // Without the CA the server's certificate is not trusted: StartTLS fails.
        let mut no_ca = dir.settings();
        no_ca["ca_pem"] = Value::Null;
        no_ca["version"] = t.get("/api/org/directory").await.body["version"].clone();
        assert_eq!(put_directory(&t, no_ca).await.status, 200);
        let r = test_connection(&t).await;
        assert_eq!((r.status, &r.body["ok"], r.body["reason"].as_str()), (200, &json!(false), Some("unavailable")), "{r:?}");

        // A wrong service password is told apart.
        let mut wrong = dir.settings();
        wrong["bind_password"] = json!("not the password");
        wrong["version"] = t.get("/api/org/directory").await.body["version"].clone();
        assert_eq!(put_directory(&t, wrong).await.status, 200);
        let r = test_connection(&t).await;
        assert_eq!((r.status, r.body["reason"].as_str()), (200, Some("service_refused")), "{r:?}");
        let tested =
            t.store.list_audit(&AuditTarget::Global, 20).await.unwrap().into_iter().filter(|e| e.action == "directory.tested").count();
        assert_eq!(tested, 3);
    }

    pub async fn a_directory_user_signs_in_to_one_account_linked_by_guid_that_waits_at_no_profile(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        let (dn, guid) = dir.add_user(&AdUser::new("ada", "ada@corp.example", "Ada-pass-2026"));
        assert_eq!(put_directory(&t, dir.settings()).await.status, 200);

        let r = login(&t, "ada@corp.example", "Ada-pass-2026").await;
        assert_eq!((r.status, r.body["next"].as_str()), (200, Some("no_profile")), "{r:?}");
        let cookie = r.cookie().unwrap();
        assert_eq!(t.request("GET", "/api/me", None, Some(&cookie)).await.status, 200);
        assert_eq!(t.request("GET", "/api/users", None, Some(&cookie)).await.status, 403, "only the gate's endpoints");
        let id = id_of(&t, "ada@corp.example").await.expect("an account");
        let account = t.raw_get(&format!("USER#{id}"), "ACCOUNT").await.unwrap();
        assert_eq!(account["source"].as_s().unwrap(), "ad");
        let credential = account["credential"].as_m().unwrap();
        assert_eq!(credential["kind"].as_s().unwrap(), "directory");
        assert_eq!(credential["guid"].as_s().unwrap(), &guid);
        assert!(!credential.contains_key("hash"), "no local password");
        let marker = t.raw_get(&format!("ADGUID#{guid}"), "ADGUID").await.expect("the GUID marker");
        assert_eq!(marker["user_id"].as_s().unwrap(), &id);

        // Again: the same account.
        assert_eq!(login(&t, "ada@corp.example", "Ada-pass-2026").await.status, 200);
        // The email changes in the directory: found by GUID, the same account, never a second one.
        dir.set(&dn, "mail", "ada.lovelace@corp.example");
        let moved = login(&t, "ada.lovelace@corp.example", "Ada-pass-2026").await;
        assert_eq!(moved.status, 200, "{moved:?}");
        assert_eq!(id_of(&t, "ada.lovelace@corp.example").await.as_deref(), Some(id.as_str()), "the email moved, no second account");
        assert_eq!(id_of(&t, "ada@corp.example").await, None, "the old email's marker is gone");
        let me = t.request("GET", "/api/me", None, moved.cookie().as_deref()).await;
        assert!(me.body.to_string().contains(&id), "signed in as the linked account: {me:?}");

        // Refusals: the same 401, the reason in the audit log; an empty password is never bound.
        for pw in ["wrong-pass-2026", ""] {
            let r = login(&t, "ada.lovelace@corp.example", pw).await;
            assert_eq!((r.status, r.body["code"].as_str()), (401, Some("sign_in_refused")), "{pw:?}: {r:?}");
        }
        let user = AuditTarget::User(secboard_domain::ids::UserId::parse("id", &id).unwrap());
        let why = reasons(&t, user).await;
        assert!(why.contains(&"wrong_directory_password".to_owned()) && why.contains(&"empty_password".to_owned()), "{why:?}");
    }

    pub async fn a_disabled_directory_user_is_refused_and_let_in_after_enabling(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        let (dn, _) = dir.add_user(&AdUser { disabled: true, ..AdUser::new("bob", "bob@corp.example", "Bob-pass-2026") });
        assert_eq!(put_directory(&t, dir.settings()).await.status, 200);
        let r = login(&t, "bob@corp.example", "Bob-pass-2026").await;
        assert_eq!(r.status, 401, "{r:?}");
        assert_eq!(reasons(&t, AuditTarget::UnknownEmail("bob@corp.example".into())).await, vec!["directory_disabled".to_owned()]);
        assert_eq!(id_of(&t, "bob@corp.example").await, None, "no account for a disabled entry");
        dir.enable(&dn);
        let signed_in = login(&t, "bob@corp.example", "Bob-pass-2026").await;
        assert_eq!(signed_in.status, 200, "{signed_in:?}");
        let cookie = signed_in.cookie().unwrap();
        let id = id_of(&t, "bob@corp.example").await.unwrap();
        let user = AuditTarget::User(secboard_domain::ids::UserId::parse("id", &id).unwrap());

        // Disabled in the directory: refused, mirrored, and the session it had ends.
        dir.disable(&dn);
        assert_eq!(login(&t, "bob@corp.example", "Bob-pass-2026").await.status, 401);
        assert_eq!(disabled_flag(&t, &id).await, Some(true));
        assert_eq!(t.request("GET", "/api/me", None, Some(&cookie)).await.status, 401, "its sessions ended");
        let actions: Vec<String> = t.store.list_audit(&user, 50).await.unwrap().into_iter().map(|e| e.action).collect();
        assert!(actions.contains(&"directory.account_disabled".to_owned()), "{actions:?}");

        // Enabled again: in at the next sign-in.
        dir.enable(&dn);
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        assert_eq!(login(&t, "bob@corp.example", "Bob-pass-2026").await.status, 200);
        assert_eq!(disabled_flag(&t, &id).await, Some(false));

        // An administrator's deactivation stands, whatever the directory says.
        t.raw_update(&format!("USER#{id}"), "ACCOUNT", "SET active = :v", aws_sdk_dynamodb::types::AttributeValue::Bool(false)).await;
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        assert_eq!(login(&t, "bob@corp.example", "Bob-pass-2026").await.status, 401);
        assert!(reasons(&t, user).await.contains(&"inactive".to_owned()));
    }

    pub async fn a_filter_injection_in_the_email_finds_nothing(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        dir.add_user(&AdUser::new("ada", "ada@corp.example", "Ada-pass-2026"));
        assert_eq!(put_directory(&t, dir.settings()).await.status, 200);
        // Unescaped, `mail=a*@corp.example` would match Ada's entry and bind it with her password.
        for email in ["a*@corp.example", "*@corp.example"] {
            let r = login(&t, email, "Ada-pass-2026").await;
            assert_eq!(r.status, 401, "{email}: {r:?}");
            assert_eq!(reasons(&t, AuditTarget::UnknownEmail(email.into())).await, vec!["not_in_directory".to_owned()], "{email}");
        }
        assert!(t.all_items().await.iter().all(|i| !i["pk"].as_s().unwrap().starts_with("ADGUID#")), "no account was made");
    }

    pub async fn a_sign_in_that_would_lock_the_directory_account_is_not_tried(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        let (dn, _) = dir.add_user(&AdUser::new("cy", "cy@corp.example", "Cy-pass-2026"));
        assert_eq!(put_directory(&t, dir.settings()).await.status, 200);
        // The domain locks at 5 bad passwords: after 3, a failure would not lock it, so it is tried.
        dir.bad_passwords(&dn, 3);
        assert_eq!(login(&t, "cy@corp.example", "Cy-pass-2026").await.status, 200);
        let id = id_of(&t, "cy@corp.example").await.unwrap();
        // After 4, a fifth failure would: not tried, even with the right password.
        dir.bad_passwords(&dn, 4);
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        let r = login(&t, "cy@corp.example", "Cy-pass-2026").await;
        assert_eq!(r.status, 429, "not tried, even with the right password: {r:?}");
        let user = AuditTarget::User(secboard_domain::ids::UserId::parse("id", &id).unwrap());
        assert_eq!(reasons(&t, user).await, vec!["directory_lockout_avoided".to_owned()]);
    }

    pub async fn a_local_account_without_a_password_is_claimed_by_its_directory_entry(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        let c = t.company("Corp").await;
        let made = t.user(json!({ "email": "dee@corp.example", "first_name": "Dee", "last_name": "Local", "company_id": c })).await;
        assert_eq!(made.status, 201, "{made:?}");
        let id = made.id();
        dir.add_user(&AdUser::new("dee", "dee@corp.example", "Dee-pass-2026"));
        assert_eq!(put_directory(&t, dir.settings()).await.status, 200);
        let r = login(&t, "dee@corp.example", "Dee-pass-2026").await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(id_of(&t, "dee@corp.example").await.as_deref(), Some(id.as_str()), "the same account");
        let account = t.raw_get(&format!("USER#{id}"), "ACCOUNT").await.unwrap();
        assert_eq!(account["source"].as_s().unwrap(), "ad");
        let claimed = t.store.list_audit(&AuditTarget::User(secboard_domain::ids::UserId::parse("id", &id).unwrap()), 20).await.unwrap();
        assert!(claimed.iter().any(|e| e.action == "directory.account_claimed"), "the claim is in the audit log");
    }

    pub async fn a_new_directory_user_gets_a_cabinet_profile_in_the_settings_company_filled_from_the_directory(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        let c = t.company("Corp").await;
        let research = t.item(&c, "departments", "Research").await;
        let (dn, _) = dir.add_user(&AdUser { department: Some("Research"), ..AdUser::new("eve", "eve@corp.example", "Eve-pass-2026") });
        dir.set(&dn, "telephoneNumber", "+44 20 7946 0958");
        let mut settings = dir.settings();
        settings["company_id"] = json!(c);
        assert_eq!(put_directory(&t, settings).await.status, 200);

        let r = login(&t, "eve@corp.example", "Eve-pass-2026").await;
        assert_eq!((r.status, r.body["next"].as_str()), (200, Some("done")), "a profile, filled by the directory: {r:?}");
        let id = id_of(&t, "eve@corp.example").await.unwrap();
        let got = user_view(&t, &id).await;
        let pr = &got["profile"];
        assert_eq!(
            (pr["company"]["id"].as_str(), pr["first_name"].as_str(), pr["last_name"].as_str()),
            (Some(c.as_str()), Some("Ada"), Some("Lovelace"))
        );
        assert_eq!((pr["phone"].as_str(), pr["department"]["id"].as_str()), (Some("+442079460958"), Some(research.as_str())));
        assert_eq!(got["source"], "ad");
        // The department is counted as referred to, like any profile's.
        assert_eq!(delete_department(&t, &c, &research).await, 409);
    }

    pub async fn attributes_changed_in_the_directory_change_in_secboard_at_the_next_sign_in(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        let c = t.company("Corp").await;
        let research = t.item(&c, "departments", "Research").await;
        let sales = t.item(&c, "departments", "Sales").await;
        let (dn, _) = dir.add_user(&AdUser { department: Some("Research"), ..AdUser::new("fay", "fay@corp.example", "Fay-pass-2026") });
        let mut settings = dir.settings();
        settings["company_id"] = json!(c);
        assert_eq!(put_directory(&t, settings).await.status, 200);
        let first = login(&t, "fay@corp.example", "Fay-pass-2026").await;
        assert_eq!(first.status, 200, "{first:?}");
        let id = id_of(&t, "fay@corp.example").await.unwrap();
        let uid = secboard_domain::ids::UserId::parse("id", &id).unwrap();

        for (attr, value) in [
            ("givenName", "Fay"),
            ("sn", "Wray"),
            ("telephoneNumber", "+1 212 555 0123"),
            ("department", "Sales"),
            ("mail", "fay.wray@corp.example"),
        ] {
            dir.set(&dn, attr, value);
        }
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        let again = login(&t, "fay.wray@corp.example", "Fay-pass-2026").await;
        assert_eq!(again.status, 200, "{again:?}");
        let got = user_view(&t, &id).await;
        let pr = &got["profile"];
        assert_eq!(got["email"], "fay.wray@corp.example");
        assert_eq!(
            (pr["first_name"].as_str(), pr["last_name"].as_str(), pr["phone"].as_str()),
            (Some("Fay"), Some("Wray"), Some("+12125550123"))
        );
        assert_eq!(pr["department"]["id"].as_str(), Some(sales.as_str()));
        // The email marker moved with the account, as an administrator's edit moves it.
        assert_eq!(id_of(&t, "fay.wray@corp.example").await.as_deref(), Some(id.as_str()));
        assert_eq!(id_of(&t, "fay@corp.example").await, None);
        assert!(t.raw_get("EMAIL#fay@corp.example", "EMAIL").await.is_none());
        // The references moved too: the old department is free, the new one is held.
        assert_eq!(delete_department(&t, &c, &sales).await, 409);
        assert_eq!(delete_department(&t, &c, &research).await, 204);
        let events = t.store.list_audit(&AuditTarget::User(uid.clone()), 50).await.unwrap();
        let refreshed = events.iter().find(|e| e.action == "directory.refreshed").expect("the refresh is audited");
        assert_eq!(refreshed.detail["changed"]["department"]["after"], "Sales", "{:?}", refreshed.detail);

        // A department no department of the company is named: reported, and left as it was.
        dir.set(&dn, "department", "Nowhere");
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        assert_eq!(login(&t, "fay.wray@corp.example", "Fay-pass-2026").await.status, 200);
        assert_eq!(user_view(&t, &id).await["profile"]["department"]["name"], "Sales");
        let events = t.store.list_audit(&AuditTarget::User(uid), 50).await.unwrap();
        let skipped = events.iter().find(|e| e.action == "directory.values_skipped").expect("the unmatched name is audited");
        assert_eq!(skipped.detail["skipped"][0], json!({ "field": "department", "reason": "no_such_department", "value": "Nowhere" }));
    }

    pub async fn a_directory_email_another_account_has_is_not_taken_and_the_user_still_signs_in(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        let c = t.company("Corp").await;
        // Gus has an account without a password yet.
        let taken = t.user(json!({ "email": "gus@corp.example", "first_name": "Gus", "last_name": "Local", "company_id": c })).await;
        assert_eq!(taken.status, 201);
        let (dn, _) = dir.add_user(&AdUser::new("gil", "gil@corp.example", "Gil-pass-2026"));
        let mut settings = dir.settings();
        settings["company_id"] = json!(c);
        assert_eq!(put_directory(&t, settings).await.status, 200);
        assert_eq!(login(&t, "gil@corp.example", "Gil-pass-2026").await.status, 200);
        let id = id_of(&t, "gil@corp.example").await.unwrap();

        // The directory now gives Gil the email of Gus's account: the entry is Gil's (by GUID), so
        // Gil signs in, the other attributes follow, but the email stays unique.
        dir.set(&dn, "mail", "gus@corp.example");
        dir.set(&dn, "sn", "Moved");
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        let r = login(&t, "gus@corp.example", "Gil-pass-2026").await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(id_of(&t, "gus@corp.example").await.as_deref(), Some(taken.id().as_str()), "still Gus's");
        let got = user_view(&t, &id).await;
        assert_eq!((got["email"].as_str(), got["profile"]["last_name"].as_str()), (Some("gil@corp.example"), Some("Moved")));
        let uid = secboard_domain::ids::UserId::parse("id", &id).unwrap();
        let events = t.store.list_audit(&AuditTarget::User(uid), 50).await.unwrap();
        let skipped = events.iter().find(|e| e.action == "directory.values_skipped").expect("the taken email is audited");
        assert_eq!(skipped.detail["skipped"][0]["reason"], "email_taken");
    }

    pub async fn group_sync_adds_exactly_the_marked_groups_the_directory_names_and_removes_nothing(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        let c = t.company("Corp").await;
        let other = t.company("Other").await;
        let analysts = synced_group(&t, None, "Analysts", json!({})).await;
        let auditors = synced_group(&t, Some(&c), "Auditors", json!({ "view": true })).await;
        synced_group(&t, Some(&c), "readers", json!({})).await; // the directory says "Readers": case matters
        synced_group(&t, Some(&other), "Outsiders", json!({})).await; // another company's group
        t.group(Some(&c), "Unmarked", json!({ "view": true, "edit": true })).await; // never synced
        let kept = t.group(Some(&c), "Kept", json!({})).await;

        let (dn, _) = dir.add_user(&AdUser::new("hal", "hal@corp.example", "Hal-pass-2026"));
        for g in ["Analysts", "Auditors", "Readers", "Outsiders", "Unmarked"] {
            dir.add_group(g, &[&dn]);
        }
        let mut settings = dir.settings();
        settings["company_id"] = json!(c);
        settings["sync_groups"] = json!(true);
        assert_eq!(put_directory(&t, settings).await.status, 200);

        let r = login(&t, "hal@corp.example", "Hal-pass-2026").await;
        assert_eq!(r.status, 200, "{r:?}");
        let cookie = r.cookie().unwrap();
        let id = id_of(&t, "hal@corp.example").await.unwrap();
        assert_eq!(group_names(&user_view(&t, &id).await), vec!["Analysts", "Auditors"]);
        // The rights came with them: Auditors may view users.
        assert_eq!(t.request("GET", "/api/users", None, Some(&cookie)).await.status, 200);
        let uid = AuditTarget::User(secboard_domain::ids::UserId::parse("id", &id).unwrap());
        let added: Vec<String> = t
            .store
            .list_audit(&uid, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "directory.group_added")
            .map(|e| e.detail["group"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(added.len(), 2, "each addition is audited: {added:?}");

        // An administrator adds another group; the directory drops Hal from Auditors: nothing is removed.
        let v = user_view(&t, &id).await;
        let groups: Vec<&str> = v["profile"]["groups"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
        let mut with_kept: Vec<&str> = groups.clone();
        with_kept.push(&kept);
        let r = t.patch(&format!("/api/users/{id}"), json!({ "version": v["profile"]["version"], "groups": with_kept })).await;
        assert_eq!(r.status, 200, "{r:?}");
        dir.remove_member("Auditors", &dn);
        // A group marked later is added at the next sign-in.
        let later = synced_group(&t, Some(&c), "Later", json!({})).await;
        dir.add_group("Later", &[&dn]);
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        assert_eq!(login(&t, "hal@corp.example", "Hal-pass-2026").await.status, 200);
        assert_eq!(group_names(&user_view(&t, &id).await), vec!["Analysts", "Auditors", "Kept", "Later"]);
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        assert_eq!(login(&t, "hal@corp.example", "Hal-pass-2026").await.status, 200);

        // Each membership is counted once, however many sign-ins.
        assert_eq!(group_users(&t, None, &analysts).await, 1);
        assert_eq!(group_users(&t, Some(&c), &auditors).await, 1);
        assert_eq!(group_users(&t, Some(&c), &later).await, 1);
        assert_eq!(group_users(&t, Some(&c), &kept).await, 1);
        // Deleting the user releases them all.
        let del = t.request("DELETE", &format!("/api/users/{id}"), Some(json!({ "confirm": true })), Some(&t.admin_cookie.clone())).await;
        assert_eq!(del.status, 204, "{del:?}");
        assert_eq!(group_users(&t, None, &analysts).await, 0);
        assert_eq!(group_users(&t, Some(&c), &later).await, 0);
    }

    pub async fn refresh_from_ad_rereads_the_attributes_and_the_disabled_state_through_the_service_account(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        let c = t.company("Corp").await;
        let (dn, _) = dir.add_user(&AdUser::new("ivy", "ivy@corp.example", "Ivy-pass-2026"));
        let mut settings = dir.settings();
        settings["company_id"] = json!(c);
        assert_eq!(put_directory(&t, settings).await.status, 200);
        let signed_in = login(&t, "ivy@corp.example", "Ivy-pass-2026").await;
        assert_eq!(signed_in.status, 200, "{signed_in:?}");
        let ivy = signed_in.cookie().unwrap();
        let id = id_of(&t, "ivy@corp.example").await.unwrap();
        let admin = t.admin_cookie.clone();

        // Changed and disabled in the directory: the refresh reads both, and Ivy's session ends.
        dir.set(&dn, "sn", "Refreshed");
        dir.set(&dn, "telephoneNumber", "+44 20 7946 0958");
        dir.disable(&dn);
        let r = refresh(&t, &id, &admin).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(
            (r.body["profile"]["last_name"].as_str(), r.body["profile"]["phone"].as_str()),
            (Some("Refreshed"), Some("+442079460958"))
        );
        assert_eq!(r.body["directory_disabled"], true);
        assert_eq!(t.request("GET", "/api/me", None, Some(&ivy)).await.status, 401, "the sessions ended");

        // Enabled again: lifted.
        dir.enable(&dn);
        let r = refresh(&t, &id, &admin).await;
        assert_eq!((r.status, &r.body["directory_disabled"]), (200, &json!(false)), "{r:?}");

        // Deleted from the directory: mirrored like a disabled account.
        dir.delete_user(&dn);
        let r = refresh(&t, &id, &admin).await;
        assert_eq!((r.status, &r.body["directory_disabled"]), (200, &json!(true)), "{r:?}");
        let uid = AuditTarget::User(secboard_domain::ids::UserId::parse("id", &id).unwrap());
        let actions: Vec<String> = t.store.list_audit(&uid, 50).await.unwrap().into_iter().map(|e| e.action).collect();
        for a in ["directory.account_disabled", "directory.account_enabled", "directory.account_deleted", "directory.refreshed"] {
            assert!(actions.contains(&a.to_owned()), "{a}: {actions:?}");
        }
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        assert_eq!(login(&t, "ivy@corp.example", "Ivy-pass-2026").await.status, 401);
    }

    pub async fn the_scheduled_sync_mirrors_disabled_and_deleted_directory_users_and_ends_their_sessions(dir: &dyn DirectoryServer) {
        let t = TestApp::spawn().await;
        let (lea_dn, _) = dir.add_user(&AdUser::new("lea", "lea@corp.example", "Lea-pass-2026"));
        let (max_dn, max_guid) = dir.add_user(&AdUser::new("max", "max@corp.example", "Max-pass-2026"));
        dir.add_user(&AdUser::new("ned", "ned@corp.example", "Ned-pass-2026"));
        assert_eq!(put_directory(&t, dir.settings()).await.status, 200);
        let mut cookies = vec![];
        for (email, pw) in
            [("lea@corp.example", "Lea-pass-2026"), ("max@corp.example", "Max-pass-2026"), ("ned@corp.example", "Ned-pass-2026")]
        {
            let r = login(&t, email, pw).await;
            assert_eq!(r.status, 200, "{r:?}");
            cookies.push(r.cookie().unwrap());
        }
        let (lea, max) = (id_of(&t, "lea@corp.example").await.unwrap(), id_of(&t, "max@corp.example").await.unwrap());

        // Nothing changed: nothing is mirrored.
        let quiet = t.sync_directory().await.unwrap();
        assert_eq!((quiet.checked, quiet.disabled, quiet.deleted), (3, 0, 0), "{quiet:?}");

        dir.disable(&lea_dn);
        dir.delete_user(&max_dn);
        let run = t.sync_directory().await.unwrap();
        assert_eq!((run.checked, run.disabled, run.deleted, run.enabled), (3, 1, 1, 0), "{run:?}");
        assert_eq!(disabled_flag(&t, &lea).await, Some(true));
        assert_eq!(disabled_flag(&t, &max).await, Some(true));
        assert_eq!(t.request("GET", "/api/me", None, Some(&cookies[0])).await.status, 401, "Lea's session ended");
        assert_eq!(t.request("GET", "/api/me", None, Some(&cookies[1])).await.status, 401, "Max's session ended");
        assert_eq!(t.request("GET", "/api/me", None, Some(&cookies[2])).await.status, 200, "Ned's stands");
        let actions: Vec<String> = t
            .store
            .list_audit(&AuditTarget::User(secboard_domain::ids::UserId::parse("id", &max).unwrap()), 20)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.contains(&"directory.account_deleted".to_owned()), "{actions:?}");

        // Enabled again in the directory: lifted by the next run, and Lea signs in.
        dir.enable(&lea_dn);
        let run = t.sync_directory().await.unwrap();
        assert_eq!((run.enabled, run.deleted), (1, 0), "{run:?}");
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        assert_eq!(login(&t, "lea@corp.example", "Lea-pass-2026").await.status, 200);

        // A GUID marker written before the sync existed (no index key) still reads; it is not on the
        // index the sync Queries until its account signs in again.
        let marker = format!("ADGUID#{max_guid}");
        assert!(t.raw_get(&marker, "ADGUID").await.unwrap().contains_key("gsi1pk"));
        let ned = id_of(&t, "ned@corp.example").await.unwrap();
        let ned_guid =
            t.raw_get(&format!("USER#{ned}"), "ACCOUNT").await.unwrap()["credential"].as_m().unwrap()["guid"].as_s().unwrap().clone();
        let old = format!("ADGUID#{ned_guid}");
        t.raw_update(&old, "ADGUID", "REMOVE gsi1pk, gsi1sk SET user_id = :v", aws_sdk_dynamodb::types::AttributeValue::S(ned.clone()))
            .await;
        assert_eq!(t.sync_directory().await.unwrap().checked, 2);
        t.clock.advance(jiff::SignedDuration::from_mins(2));
        assert_eq!(login(&t, "ned@corp.example", "Ned-pass-2026").await.status, 200, "the old marker still links Ned");
        assert_eq!(id_of(&t, "ned@corp.example").await.as_deref(), Some(ned.as_str()));
        assert!(t.raw_get(&old, "ADGUID").await.unwrap().contains_key("gsi1pk"), "indexed at the sign-in");
        assert_eq!(t.sync_directory().await.unwrap().checked, 3);
    }
}
