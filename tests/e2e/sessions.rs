use secboard_tests::*;
use serde_json::{Value, json};

#[tokio::test]
async fn authorizing_a_request_is_one_store_round_trip() {
    let t = TestApp::spawn().await;
    let before = t.store.operations().len();
    let r = t.get("/api/me").await;
    assert_eq!(r.status, 200);
    let ops = t.store.operations()[before..].to_vec();
    assert_eq!(ops, vec!["BatchGetItem"], "GET /api/me made {ops:?}");
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookie() {
    let t = TestApp::spawn().await;
    let r = t.request("POST", "/api/auth/logout", None, Some(&t.admin_cookie)).await;
    assert_eq!(r.status, 204);
    assert!(r.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(t.get("/api/me").await.status, 401);
    // Signing out again, or without a session, is fine.
    assert_eq!(t.request("POST", "/api/auth/logout", None, None).await.status, 204);
}

#[tokio::test]
async fn a_session_ends_after_an_hour_idle_and_twelve_hours_in_all() {
    let t = TestApp::spawn().await;
    t.set_now("2026-06-15T09:59:00Z");
    assert_eq!(t.get("/api/me").await.status, 200, "59 minutes idle is fine");
    t.set_now("2026-06-15T10:58:00Z");
    assert_eq!(t.get("/api/me").await.status, 200, "last seen at 09:59 was written");
    t.set_now("2026-06-15T11:58:30Z");
    assert_eq!(t.get("/api/me").await.status, 401, "an hour idle");

    let cookie = t.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let signed_in: jiff::Timestamp = "2026-06-15T11:58:30Z".parse().unwrap();
    // A request every 50 minutes keeps it from idling out, until twelve hours have passed.
    for k in 1..=15i64 {
        let now = signed_in.checked_add(jiff::SignedDuration::from_mins(50 * k)).unwrap();
        t.clock.set(now);
        let r = t.request("GET", "/api/me", None, Some(&cookie)).await;
        assert_eq!(r.status, if 50 * k < 720 { 200 } else { 401 }, "after {} minutes", 50 * k);
    }
}

#[tokio::test]
async fn a_deactivated_or_expired_or_deleted_account_stops_at_its_next_request() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (a, ca) = t.member(&c, "a@example.com", &[]).await;
    let (b, cb) = t.member(&c, "b@example.com", &[]).await;
    let (d, cd) = t.member(&c, "d@example.com", &[]).await;
    for cookie in [&ca, &cb, &cd] {
        assert_eq!(t.request("GET", "/api/me", None, Some(cookie)).await.status, 200);
    }
    t.raw_update(&format!("USER#{a}"), "ACCOUNT", "SET active = :v", aws_sdk_dynamodb::types::AttributeValue::Bool(false)).await;
    t.raw_update(&format!("USER#{b}"), "PROFILE", "SET end_date = :v", aws_sdk_dynamodb::types::AttributeValue::S("2026-06-14".into()))
        .await;
    t.store
        .client()
        .delete_item()
        .table_name(&t.table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{d}")))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("ACCOUNT".into()))
        .send()
        .await
        .unwrap();
    for cookie in [&ca, &cb, &cd] {
        assert_eq!(t.request("GET", "/api/me", None, Some(cookie)).await.status, 401);
    }
}

#[tokio::test]
async fn a_new_user_is_gated_until_the_profile_is_completed() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let g = t.group(Some(&c), "Viewers", json!({ "view": true })).await;
    let r = t.user(json!({ "email": "gated@example.com", "first_name": "G", "last_name": "U", "company_id": c, "groups": [g] })).await;
    t.set_password(&r.id(), "gated password 1").await;
    let login =
        t.request("POST", "/api/auth/login", Some(json!({ "email": "gated@example.com", "password": "gated password 1" })), None).await;
    assert_eq!(login.body["next"], "complete_profile");
    let mut cookie = login.cookie().unwrap();

    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert_eq!((me.status, me.body["gate"].as_str()), (200, Some("complete_profile")));
    let blocked = t.request("GET", "/api/users", None, Some(&cookie)).await;
    assert_eq!((blocked.status, blocked.body["gate"].as_str()), (403, Some("complete_profile")));

    let bad = t.step("POST", "/api/me/complete", Some(json!({ "phone": "12" })), &mut cookie).await;
    assert_eq!((bad.status, bad.field()), (400, Some("phone")));
    let done = t.step("POST", "/api/me/complete", Some(json!({ "first_name": "Grace" })), &mut cookie).await;
    assert_eq!((done.status, done.body["next"].as_str()), (200, Some("done")));
    let list = t.request("GET", "/api/users", None, Some(&cookie)).await;
    assert_eq!(list.status, 200, "{list:?}");
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    assert_eq!(me.body["profile"]["first_name"], "Grace");
    assert_eq!(me.body["profile"]["completed"], true);
}

#[tokio::test]
async fn a_cross_site_state_change_is_refused() {
    let t = TestApp::spawn().await;
    let req = |origin: Option<&str>, site: Option<&str>, ct: &str| {
        let mut b = http::Request::builder()
            .method("POST")
            .uri("/api/org/companies")
            .header("host", "127.0.0.1:3000")
            .header("content-type", ct)
            .header("cookie", &t.admin_cookie);
        if let Some(o) = origin {
            b = b.header("origin", o);
        }
        if let Some(s) = site {
            b = b.header("sec-fetch-site", s);
        }
        b.body(lambda_http::Body::Text(r#"{"name":"X"}"#.into())).unwrap()
    };
    assert_eq!(t.send(req(Some("https://evil.example"), Some("cross-site"), "application/json")).await.status, 403);
    assert_eq!(t.send(req(Some("https://evil.example"), None, "application/json")).await.status, 403);
    assert_eq!(t.send(req(None, Some("same-site"), "application/json")).await.status, 403);
    assert_eq!(t.send(req(None, None, "text/plain")).await.status, 415, "a form-like body is not JSON");
    assert_eq!(t.send(req(Some("http://127.0.0.1:3000"), Some("same-origin"), "application/json")).await.status, 201);
    assert_eq!(t.send(req(None, None, "application/json; charset=utf-8")).await.status, 201, "curl sends neither header");
    assert_eq!(t.get("/api/org/companies").await.body.as_array().unwrap().len(), 3, "Administration and the two allowed");
}

// ---- Sessions one can see and end (ASVS 7.4): GET/DELETE /api/me/sessions[/{id}], and an
// administrator's GET/DELETE /api/users/{id}/sessions[/{sid}] ----

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148 Safari/604.1";

/// A member of `c` signed in twice, from two addresses and browsers (the first sign-in of
/// `member` is signed out): (id, the Firefox cookie, the phone cookie).
async fn member_on_two_devices(t: &TestApp, c: &str, email: &str) -> (String, String, String) {
    let (id, first) = t.member(c, email, &[]).await;
    assert_eq!(t.request("POST", "/api/auth/logout", None, Some(&first)).await.status, 204);
    let firefox = t.sign_in_with(email, "member password 1", "203.0.113.10", FIREFOX).await;
    let phone = t.sign_in_with(email, "member password 1", "203.0.113.20", PHONE).await;
    (id, firefox, phone)
}

/// The sessions a GET answers, after checking it is 200.
async fn listed(t: &TestApp, path: &str, cookie: &str) -> Vec<Value> {
    let r = t.request("GET", path, None, Some(cookie)).await;
    assert_eq!(r.status, 200, "GET {path}: {r:?}");
    r.body["sessions"].as_array().unwrap_or_else(|| panic!("no sessions in {r:?}")).clone()
}

fn by_agent<'a>(sessions: &'a [Value], agent: &str) -> &'a Value {
    sessions.iter().find(|s| s["user_agent"] == agent).unwrap_or_else(|| panic!("no session of {agent} in {sessions:?}"))
}

fn sid(s: &Value) -> String {
    s["id"].as_str().unwrap_or_else(|| panic!("no id in {s}")).to_owned()
}

/// The secret part of a session cookie (`name=<user>.<secret>`).
fn secret_of(cookie: &str) -> String {
    cookie.rsplit('.').next().unwrap().to_owned()
}

async fn audit_actions(t: &TestApp, user: &str) -> Vec<Value> {
    let r = t.get(&format!("/api/audit?user={user}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body["events"].as_array().unwrap().iter().filter(|e| e["action"] == "session.ended").cloned().collect()
}

#[tokio::test]
async fn one_lists_ones_own_sessions_with_this_one_marked() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, firefox, phone) = member_on_two_devices(&t, &c, "ada@example.com").await;

    let before = t.store.operations().len();
    let sessions = listed(&t, "/api/me/sessions", &phone).await;
    let ops = t.store.operations()[before..].to_vec();
    assert_eq!(ops, vec!["BatchGetItem", "Query"], "authorising, then one Query on the user's partition: {ops:?}");
    assert_eq!(sessions.len(), 2, "{sessions:?}");

    let (f, p) = (by_agent(&sessions, FIREFOX), by_agent(&sessions, PHONE));
    assert_eq!((f["source_ip"].as_str(), p["source_ip"].as_str()), (Some("203.0.113.10"), Some("203.0.113.20")));
    assert_eq!((f["current"].as_bool(), p["current"].as_bool()), (Some(false), Some(true)), "this one is marked");
    for s in [f, p] {
        assert_eq!(s["method"], "password", "{s}");
        assert_eq!(s["gate"], "done", "{s}");
        let at: jiff::Timestamp = s["signed_in_at"].as_str().unwrap().parse().unwrap();
        let seen: jiff::Timestamp = s["last_seen"].as_str().unwrap().parse().unwrap();
        assert!(at <= seen && seen <= t.clock_now(), "{s}");
    }
    assert_ne!(sid(f), sid(p));

    // The ids are public: neither the cookie's secret nor its digest, nor anything of them.
    for cookie in [&firefox, &phone] {
        let secret = secret_of(cookie);
        let digest = secboard_domain::keys::secret_digest(&secret);
        let text = serde_json::to_string(&sessions).unwrap();
        assert!(!text.contains(&secret) && !text.contains(&digest), "{text}");
        for s in &sessions {
            let id = sid(s);
            assert!(id != secret && id != digest && !digest.contains(&id.to_lowercase()), "{id}");
        }
    }
}

#[tokio::test]
async fn a_sessions_record_says_how_it_was_signed_in() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, cookie) = t.member(&c, "ada@example.com", &[]).await;
    t.set_control_word(&c, "acme onboarding 2026").await;
    let magic = t.magic_sign_in("ada@example.com", "acme onboarding 2026").await;
    assert_eq!(magic.status, 200, "{magic:?}");
    let sessions = listed(&t, "/api/me/sessions", &cookie).await;
    let mut methods: Vec<&str> = sessions.iter().map(|s| s["method"].as_str().unwrap()).collect();
    methods.sort();
    assert_eq!(methods, ["magic_link", "password"], "{sessions:?}");
}

#[tokio::test]
async fn ending_another_session_stops_its_cookie_at_its_next_request() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, firefox, phone) = member_on_two_devices(&t, &c, "ada@example.com").await;
    let other = sid(by_agent(&listed(&t, "/api/me/sessions", &phone).await, FIREFOX));

    let r = t.request("DELETE", &format!("/api/me/sessions/{other}"), None, Some(&phone)).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&firefox)).await.status, 401, "the ended session stops");
    assert_eq!(t.request("GET", "/api/me", None, Some(&phone)).await.status, 200, "this one goes on");
    let left = listed(&t, "/api/me/sessions", &phone).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["user_agent"], PHONE);

    // Ending it again: it is not there any more.
    let again = t.request("DELETE", &format!("/api/me/sessions/{other}"), None, Some(&phone)).await;
    assert_eq!((again.status, again.field()), (404, Some("id")), "{again:?}");

    let ended = audit_actions(&t, &id).await;
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(ended[0]["actor"], id.as_str());
    assert_eq!(ended[0]["detail"]["by"], "self");
    assert_eq!(ended[0]["detail"]["sessions"], json!([other]));
}

#[tokio::test]
async fn ending_all_but_this_one_keeps_the_caller_signed_in() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, firefox, phone) = member_on_two_devices(&t, &c, "ada@example.com").await;
    let third = t.sign_in_with("ada@example.com", "member password 1", "192.0.2.30", "curl/8.5.0").await;

    let r = t.request("DELETE", "/api/me/sessions", None, Some(&phone)).await;
    assert_eq!((r.status, r.body["ended"].as_u64()), (200, Some(2)), "{r:?}");
    for gone in [&firefox, &third] {
        assert_eq!(t.request("GET", "/api/me", None, Some(gone)).await.status, 401);
    }
    assert_eq!(t.request("GET", "/api/me", None, Some(&phone)).await.status, 200, "the caller stays signed in");
    let left = listed(&t, "/api/me/sessions", &phone).await;
    assert_eq!((left.len(), left[0]["current"].as_bool()), (1, Some(true)), "{left:?}");

    // Nothing left to end is no error.
    let r = t.request("DELETE", "/api/me/sessions", None, Some(&phone)).await;
    assert_eq!((r.status, r.body["ended"].as_u64()), (200, Some(0)), "{r:?}");
    let ended = audit_actions(&t, &id).await;
    assert_eq!(ended.len(), 1, "one event for the two ended, none for nothing: {ended:?}");
    assert_eq!(ended[0]["detail"]["sessions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_session_written_before_session_ids_is_listed_without_one_and_ended_with_all_the_others() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, firefox, phone) = member_on_two_devices(&t, &c, "ada@example.com").await;
    // The Firefox session as items were written before: no public id, method or browser.
    let digest = secboard_domain::keys::secret_digest(&secret_of(&firefox));
    t.store
        .client()
        .update_item()
        .table_name(&t.table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{id}")))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(format!("SESSION#{digest}")))
        .update_expression("REMOVE session_id, #m, user_agent")
        .expression_attribute_names("#m", "method")
        .send()
        .await
        .unwrap();
    assert_eq!(t.request("GET", "/api/me", None, Some(&firefox)).await.status, 200, "an old session still works");
    let sessions = listed(&t, "/api/me/sessions", &phone).await;
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let old = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert!(old["id"].is_null() && old["method"].is_null() && old["user_agent"].is_null(), "{old}");
    assert_eq!(old["source_ip"], "203.0.113.10");

    let r = t.request("DELETE", "/api/me/sessions", None, Some(&phone)).await;
    assert_eq!((r.status, r.body["ended"].as_u64()), (200, Some(1)), "{r:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&firefox)).await.status, 401);
    assert_eq!(t.request("GET", "/api/me", None, Some(&phone)).await.status, 200);
}

#[tokio::test]
async fn an_unknown_or_malformed_session_id_is_404_naming_the_field() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _, phone) = member_on_two_devices(&t, &c, "ada@example.com").await;
    let unknown = ulid::Ulid::new().to_string();
    for bad in [unknown.as_str(), "not-a-session", "%20"] {
        let r = t.request("DELETE", &format!("/api/me/sessions/{bad}"), None, Some(&phone)).await;
        assert_eq!((r.status, r.field()), (404, Some("id")), "{bad}: {r:?}");
        let r = t.delete(&format!("/api/users/{id}/sessions/{bad}")).await;
        assert_eq!((r.status, r.field()), (404, Some("sid")), "{bad}: {r:?}");
    }
    // Another user's session id is unknown among one's own.
    let (_, _, theirs) = member_on_two_devices(&t, &c, "bob@example.com").await;
    let their_id = sid(&listed(&t, "/api/me/sessions", &theirs).await[0]);
    let r = t.request("DELETE", &format!("/api/me/sessions/{their_id}"), None, Some(&phone)).await;
    assert_eq!((r.status, r.field()), (404, Some("id")), "{r:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&theirs)).await.status, 200);
    assert_eq!(audit_actions(&t, &id).await.len(), 0, "nothing ended, nothing audited");
}

/// A company administrator of `c`: users view and edit within the company.
async fn company_admin(t: &TestApp, c: &str, email: &str) -> (String, String) {
    let g = t.group(Some(c), "Company admins", json!({ "view": true, "edit": true })).await;
    t.member(c, email, &[&g]).await
}

#[tokio::test]
async fn an_admin_lists_and_ends_a_members_sessions_and_the_audit_log_shows_it() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (boss_id, boss) = company_admin(&t, &c, "boss@acme.test").await;
    let (id, firefox, phone) = member_on_two_devices(&t, &c, "ada@example.com").await;
    let third = t.sign_in_with("ada@example.com", "member password 1", "192.0.2.30", "curl/8.5.0").await;
    let path = format!("/api/users/{id}/sessions");

    let before = t.store.operations().len();
    let sessions = listed(&t, &path, &boss).await;
    let ops = t.store.operations()[before..].to_vec();
    assert!(ops.iter().filter(|o| *o == "Query").count() == 1 && !ops.iter().any(|o| o == "Scan"), "{ops:?}");
    assert_eq!(sessions.len(), 3, "{sessions:?}");
    assert!(sessions.iter().all(|s| s["current"] == false), "none of them is the admin's");

    let one = sid(by_agent(&sessions, FIREFOX));
    let r = t.request("DELETE", &format!("{path}/{one}"), None, Some(&boss)).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&firefox)).await.status, 401);
    assert_eq!(t.request("GET", "/api/me", None, Some(&phone)).await.status, 200);

    let r = t.request("DELETE", &path, None, Some(&boss)).await;
    assert_eq!((r.status, r.body["ended"].as_u64()), (200, Some(2)), "{r:?}");
    for gone in [&phone, &third] {
        assert_eq!(t.request("GET", "/api/me", None, Some(gone)).await.status, 401);
    }
    assert_eq!(t.request("GET", "/api/me", None, Some(&boss)).await.status, 200, "the admin's own session is not theirs");
    assert!(listed(&t, &path, &boss).await.is_empty());

    let ended = audit_actions(&t, &id).await;
    assert_eq!(ended.len(), 2, "{ended:?}");
    assert!(ended.iter().all(|e| e["actor"] == boss_id.as_str() && e["detail"]["by"] == "administrator"), "{ended:?}");
    assert!(ended.iter().any(|e| e["detail"]["sessions"] == json!([one])), "{ended:?}");
    // The audit is where an administrator reads it.
    let r = t.request("GET", &format!("/api/audit?user={id}"), None, Some(&boss)).await;
    assert!(r.body["events"].as_array().unwrap().iter().any(|e| e["action"] == "session.ended"), "{r:?}");

    // Viewing rights alone are not enough: it takes the edit right.
    let viewers = t.group(Some(&c), "Viewers", json!({ "view": true })).await;
    let (_, viewer) = t.member(&c, "viewer@acme.test", &[&viewers]).await;
    for (method, p) in [("GET", path.clone()), ("DELETE", path.clone()), ("DELETE", format!("{path}/{one}"))] {
        let r = t.request(method, &p, None, Some(&viewer)).await;
        assert_eq!((r.status, r.body["right"].as_str()), (403, Some("users.edit")), "{method} {p}: {r:?}");
    }
}

#[tokio::test]
async fn a_company_admin_reaches_neither_another_companys_users_sessions_nor_a_superusers() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let other = t.company("Globex").await;
    let (_, boss) = company_admin(&t, &c, "boss@acme.test").await;
    let (stranger, stranger_cookie) = t.member(&other, "stranger@globex.test", &[]).await;
    let stranger_sid = sid(&listed(&t, "/api/me/sessions", &stranger_cookie).await[0]);

    let root = secboard_domain::flows::create_user::create_account(
        &t.app.deps,
        "root2@acme.test",
        Some(&secboard_domain::password::Password::new("root two long password")),
        true,
        "test",
    )
    .await
    .unwrap()
    .to_string();
    let r = t.user(json!({ "mode": "existing", "user_id": root, "first_name": "Root", "last_name": "Two", "company_id": c })).await;
    assert_eq!(r.status, 201, "{r:?}");
    let root_cookie = t.sign_in("root2@acme.test", "root two long password").await;
    let root_sid = sid(&listed(&t, &format!("/api/users/{root}/sessions"), &t.admin_cookie).await[0]);

    for (user, session, status, field) in [(&stranger, &stranger_sid, 404, None), (&root, &root_sid, 403, Some("id"))] {
        let path = format!("/api/users/{user}/sessions");
        for (method, p) in [("GET", path.clone()), ("DELETE", format!("{path}/{session}")), ("DELETE", path.clone())] {
            let r = t.request(method, &p, None, Some(&boss)).await;
            assert_eq!((r.status, r.field()), (status, field), "{method} {p}: {r:?}");
        }
    }
    assert_eq!(t.request("GET", "/api/me", None, Some(&stranger_cookie)).await.status, 200, "nothing ended");
    assert_eq!(t.request("GET", "/api/me", None, Some(&root_cookie)).await.status, 200, "nothing ended");

    // A superuser reaches both.
    let r = t.delete(&format!("/api/users/{root}/sessions")).await;
    assert_eq!((r.status, r.body["ended"].as_u64()), (200, Some(1)), "{r:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&root_cookie)).await.status, 401);
}

#[tokio::test]
async fn a_session_at_a_gate_cannot_use_the_session_endpoints() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, mut cookie) = t.member(&c, "ada@example.com", &[]).await;
    // 2FA on: the next sign-in stops at the totp gate.
    t.enrol_totp(&mut cookie).await;
    let login = t
        .request_with(
            "203.0.113.66",
            Some(FIREFOX),
            "POST",
            "/api/auth/login",
            Some(json!({ "email": "ada@example.com", "password": "member password 1" })),
            None,
        )
        .await;
    assert_eq!(login.body["next"], "totp");
    let gated = login.cookie().unwrap();

    let sessions = listed(&t, "/api/me/sessions", &cookie).await;
    let half = sid(by_agent(&sessions, FIREFOX));
    for (method, path) in
        [("GET", "/api/me/sessions".to_owned()), ("DELETE", "/api/me/sessions".to_owned()), ("DELETE", format!("/api/me/sessions/{half}"))]
    {
        let r = t.request(method, &path, None, Some(&gated)).await;
        assert_eq!((r.status, r.body["gate"].as_str()), (403, Some("totp")), "{method} {path}: {r:?}");
    }
    // The signed-in owner sees the half-finished sign-in for what it is, and ends it.
    assert_eq!(by_agent(&sessions, FIREFOX)["gate"], "totp");
    let r = t.request("DELETE", &format!("/api/me/sessions/{half}"), None, Some(&cookie)).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(t.request("GET", "/api/me", None, Some(&gated)).await.status, 401);
    assert_eq!(audit_actions(&t, &id).await.len(), 1);
}

#[tokio::test]
async fn ending_ones_own_current_session_signs_out_and_clears_the_cookie() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (_, _, phone) = member_on_two_devices(&t, &c, "ada@example.com").await;
    let this = sid(listed(&t, "/api/me/sessions", &phone).await.iter().find(|s| s["current"] == true).unwrap());
    let r = t.request("DELETE", &format!("/api/me/sessions/{this}"), None, Some(&phone)).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert!(r.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"), "{:?}", r.headers);
    assert_eq!(t.request("GET", "/api/me", None, Some(&phone)).await.status, 401);
}

#[tokio::test]
async fn ending_all_but_this_one_ends_more_sessions_than_one_transaction_holds() {
    use secboard_domain::ports::{AccountStore, SessionStore};
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _, phone) = member_on_two_devices(&t, &c, "ada@example.com").await;
    let user = t.store.get_user(&secboard_domain::ids::UserId::parse("id", &id).unwrap()).await.unwrap().unwrap();
    // DynamoDB takes at most 100 items in one transaction.
    let many = 120;
    for _ in 0..many {
        let token = secboard_domain::session::SessionToken::generate(user.account.id.clone(), &secboard_domain::clock::OsEntropy);
        let s = secboard_domain::session::Session::begin(
            &token,
            secboard_domain::session::Gate::Done,
            user.account.epoch,
            t.clock_now(),
            "192.0.2.99",
        );
        let audit = t.app.deps.event(None, "test.session", secboard_domain::model::AuditTarget::Global, json!({}), None);
        t.store.put_session(&s, &audit).await.unwrap();
    }
    assert_eq!(listed(&t, "/api/me/sessions", &phone).await.len(), many + 2);
    let r = t.request("DELETE", "/api/me/sessions", None, Some(&phone)).await;
    assert_eq!((r.status, r.body["ended"].as_u64()), (200, Some(many as u64 + 1)), "{r:?}");
    assert_eq!(listed(&t, "/api/me/sessions", &phone).await.len(), 1);
    let ended = audit_actions(&t, &id).await;
    let total: usize = ended.iter().map(|e| e["detail"]["sessions"].as_array().unwrap().len()).sum();
    assert_eq!((ended.len(), total), (2, many + 1), "an event per transaction, every session in one: {ended:?}");
}
