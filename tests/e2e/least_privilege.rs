//! Least privilege that still works. Every SSM, KMS and SES call a function makes as it starts
//! (and the mailer as it sends), against a recording stand-in, is allowed by its role; and every
//! DynamoDB and S3 call a function makes, on a tour of
//! every route, is allowed by that function's role in template.yaml (an S3 action by the folder of
//! the data bucket it touches; a presigned link by its signer's `s3:GetObject`). Transactions are authorised through
//! their items' actions (PutItem, UpdateItem, DeleteItem, ConditionCheckItem), a Query of an index
//! through the index's ARN. Permissions no recorded call needs are printed for a person to judge,
//! never removed by a test.

use secboard_tests::*;
use serde_json::json;
use serde_norway::Value as Yaml;
use std::collections::{BTreeMap, BTreeSet};

fn strings(v: &Yaml) -> Vec<&Yaml> {
    match v {
        Yaml::Sequence(s) => s.iter().collect(),
        other => vec![other],
    }
}

/// The data bucket's folder a resource names (`${DataBucket.Arn}/avatars/*` is `avatars/`).
fn bucket_folder(r: &Yaml) -> Option<String> {
    let text = match r {
        Yaml::Tagged(t) => t.value.as_str().unwrap_or_default().to_owned(),
        _ => return None,
    };
    let rest = text.strip_prefix("${DataBucket.Arn}/")?;
    Some(rest.trim_end_matches('*').to_owned())
}

/// What a resource of a statement names: the table, an index of it, or something else.
fn resource_kind(r: &Yaml) -> &'static str {
    let text = match r {
        Yaml::Tagged(t) => format!("{} {}", t.tag, t.value.as_str().unwrap_or_default()),
        Yaml::String(s) => s.clone(),
        _ => String::new(),
    };
    if text.contains("Table.Arn") && text.contains("/index/") {
        "index"
    } else if text.contains("Table.Arn") || text.contains("!GetAtt Table") {
        "table"
    } else {
        "other"
    }
}

/// The DynamoDB actions each function's role allows (with `@index` for an index resource).
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let doc: Yaml = serde_norway::from_str(&text).unwrap();
    let resources = doc["Resources"].as_mapping().unwrap();
    let mut out = BTreeMap::new();
    for (_, res) in resources {
        if res["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = res["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap().to_owned();
        let mut allow = BTreeSet::new();
        for policy in res["Properties"]["Policies"].as_sequence().into_iter().flatten() {
            let statements = match policy {
                Yaml::Tagged(t) => {
                    let name = t.value.as_str().unwrap();
                    doc["Resources"][name]["Properties"]["PolicyDocument"]["Statement"].clone()
                }
                other => other["Statement"].clone(),
            };
            for st in statements.as_sequence().into_iter().flatten() {
                if st["Effect"].as_str() != Some("Allow") {
                    continue;
                }
                let kinds: BTreeSet<&str> = strings(&st["Resource"]).into_iter().map(resource_kind).collect();
                for a in strings(&st["Action"]) {
                    let a = a.as_str().unwrap();
                    if a.starts_with("s3:") {
                        for folder in strings(&st["Resource"]).into_iter().filter_map(bucket_folder) {
                            allow.insert(format!("{a}@{folder}"));
                        }
                        continue;
                    }
                    if a.starts_with("ssm:") || a.starts_with("kms:") || a.starts_with("ses:") {
                        allow.insert(a.to_owned());
                        continue;
                    }
                    if !a.starts_with("dynamodb:") {
                        continue;
                    }
                    if kinds.contains("table") {
                        allow.insert(a.to_owned());
                    }
                    if kinds.contains("index") {
                        allow.insert(format!("{a}@index"));
                    }
                }
            }
        }
        out.insert(binary, allow);
    }
    out
}

/// Every route once, as an administrator and as a user would, one request at a time.
async fn tour(t: &TestApp) {
    let ok = |r: &Reply, what: &str| assert!(r.status < 400, "{what}: {r:?}");
    let c = t.company("Tour").await;
    ok(&t.get("/api/org/companies").await, "companies");
    ok(&t.get(&format!("/api/org/companies/{c}")).await, "company");
    ok(&t.patch(&format!("/api/org/companies/{c}"), json!({ "name": "Tour Ltd", "version": 1 })).await, "rename");
    ok(&t.get(&format!("/api/org/companies/{c}/settings")).await, "settings");
    t.set_control_word(&c, "tour control word 2026").await;
    let d = t.item(&c, "departments", "Ops").await;
    ok(&t.get(&format!("/api/org/companies/{c}/departments")).await, "items");
    ok(&t.patch(&format!("/api/org/companies/{c}/departments/{d}"), json!({ "name": "Operations", "version": 1 })).await, "item");
    let g = t.group(Some(&c), "Readers", json!({ "view": true })).await;
    let global = t.group(None, "Auditors", json!({ "view": true })).await;
    ok(&t.get("/api/org/groups").await, "global groups");
    ok(
        &t.patch(
            &format!("/api/org/groups/{global}"),
            json!({ "version": 1, "permissions": { "users": { "view": true, "export": true } } }),
        )
        .await,
        "group",
    );
    let role = t.post(&format!("/api/org/companies/{c}/roles"), json!({ "name": "Reader", "groups": [g] })).await.id();
    let r = t
        .user(json!({ "email": "tour@acme.test", "first_name": "Tou", "last_name": "Rist", "company_id": c, "department_id": d, "roles": [role], "apply_role_groups": true }))
        .await;
    ok(&r, "create");
    let id = r.id();
    ok(&t.get("/api/users").await, "list");
    ok(&t.get(&format!("/api/users/{id}")).await, "get");
    let v = t.get(&format!("/api/users/{id}")).await.body["profile"]["version"].as_u64().unwrap();
    ok(&t.patch(&format!("/api/users/{id}"), json!({ "version": v, "phone": "+44 20 7946 0958" })).await, "edit");
    ok(&t.upload(&format!("/api/users/{id}/avatar"), png(200, 200), "image/png", &t.admin_cookie.clone()).await, "photo");
    ok(&t.delete(&format!("/api/users/{id}/avatar")).await, "photo removed");
    ok(&t.post(&format!("/api/users/{id}/first-access-link"), json!({})).await, "first access");
    let token = t.last_link("tour@acme.test").await;
    ok(&t.confirm_link(&token, "violet canyon drift pebble 2026").await, "confirm");
    ok(&t.post("/api/users/export", json!({})).await, "export");
    // A spreadsheet imported inline, each new user sent a first-access link.
    let csv = "Email,First Name,Last Name,Company\ntour.sheet@acme.test,Shee,Tee,Tour Ltd\n";
    let sheet = t.upload("/api/users/import?send_links=true", csv.as_bytes().to_vec(), "text/csv", &t.admin_cookie.clone()).await;
    ok(&sheet, "sheet import");
    assert_eq!(sheet.body["links_queued"], 1, "{sheet:?}");
    let sheet_user = sheet.body["rows"][0]["user_id"].as_str().unwrap().to_owned();
    // An import too large for a request: the upload link, the file, the job, its report.
    let csv = "Email,First Name,Last Name,Company\ntour.job@acme.test,Jo,Bee,Tour Ltd\n";
    let up = t.post("/api/users/import/uploads", json!({ "media_type": "text/csv", "size": csv.len(), "send_links": true })).await;
    ok(&up, "import upload");
    let put =
        reqwest::Client::new().put(up.body["url"].as_str().unwrap()).header("content-type", "text/csv").body(csv).send().await.unwrap();
    assert!(put.status().is_success(), "{put:?}");
    assert_eq!(t.run_import_jobs().await.len(), 1, "the job ran");
    let job = t.get(&format!("/api/users/import/jobs/{}", up.body["job_id"].as_str().unwrap())).await;
    ok(&job, "import job");
    let report = reqwest::get(job.body["report_url"].as_str().unwrap()).await.unwrap().text().await.unwrap();
    let job_user =
        serde_json::from_str::<serde_json::Value>(report.lines().next().unwrap()).unwrap()["user_id"].as_str().unwrap().to_owned();
    ok(&t.get(&format!("/api/audit?user={id}")).await, "audit");

    // The user's side.
    let mut cookie = t.sign_in("tour@acme.test", "violet canyon drift pebble 2026").await;
    ok(&t.step("POST", "/api/me/complete", Some(json!({})), &mut cookie).await, "complete");
    ok(&t.request("GET", "/api/me", None, Some(&cookie)).await, "me");
    let me = t.request("GET", "/api/me", None, Some(&cookie)).await;
    let v = me.body["profile"]["version"].as_u64().unwrap_or_else(|| panic!("{me:?}"));
    ok(&t.request("PATCH", "/api/me", Some(json!({ "version": v, "first_name": "Tour" })), Some(&cookie)).await, "me edit");
    ok(&t.upload("/api/me/avatar", png(200, 200), "image/png", &cookie).await, "own photo");
    ok(&t.request("DELETE", "/api/me/avatar", None, Some(&cookie)).await, "own photo removed");
    let key = t.enrol_totp(&mut cookie).await;
    let code = |t: &TestApp| t.totp_code(&key);
    t.clock.advance(jiff::SignedDuration::from_secs(30));
    ok(&t.request("POST", "/api/me/backup-codes", Some(json!({})), Some(&cookie)).await, "backup codes");
    let mut second = t.sign_in("tour@acme.test", "violet canyon drift pebble 2026").await;
    ok(&t.step("POST", "/api/auth/totp", Some(json!({ "code": code(t) })), &mut second).await, "second factor");
    t.clock.advance(jiff::SignedDuration::from_secs(30));
    ok(&t.request("DELETE", "/api/me/totp", Some(json!({ "code": code(t) })), Some(&cookie)).await, "totp off");
    let body = json!({ "current": "violet canyon drift pebble 2026", "new": "amber lantern quiet harbour 2027" });
    ok(&t.step("POST", "/api/me/password", Some(body), &mut cookie).await, "own password");
    let other = t.sign_in("tour@acme.test", "amber lantern quiet harbour 2027").await;
    let sessions = t.request("GET", "/api/me/sessions", None, Some(&cookie)).await;
    ok(&sessions, "my sessions");
    let sid =
        sessions.body["sessions"].as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    ok(&t.request("DELETE", &format!("/api/me/sessions/{sid}"), None, Some(&cookie)).await, "end one");
    ok(&t.request("DELETE", "/api/me/sessions", None, Some(&cookie)).await, "end others");
    let _ = other;
    let admin_view = t.get(&format!("/api/users/{id}/sessions")).await;
    ok(&admin_view, "user's sessions");
    let sid = admin_view.body["sessions"][0]["id"].as_str().unwrap().to_owned();
    ok(&t.delete(&format!("/api/users/{id}/sessions/{sid}")).await, "admin ends one");
    ok(&t.delete(&format!("/api/users/{id}/sessions")).await, "admin ends all");

    // Anonymous flows.
    t.clock.advance(jiff::SignedDuration::from_mins(2));
    ok(&t.request("POST", "/api/auth/password-reset", Some(json!({ "email": "tour@acme.test" })), None).await, "reset");
    ok(
        &t.request(
            "POST",
            "/api/auth/first-login",
            Some(json!({ "email": "tour@acme.test", "control_word": "tour control word 2026" })),
            None,
        )
        .await,
        "first login",
    );
    let magic = t.last_link("tour@acme.test").await;
    let m = t.request("POST", "/api/auth/magic-link", Some(json!({ "token": magic })), None).await;
    ok(&m, "magic link");
    ok(&t.request("POST", "/api/auth/logout", None, m.cookie().as_deref()).await, "logout");
    ok(&t.get("/api/health").await, "health");
    assert_eq!(t.get("/api/nowhere").await.status, 404);

    // The directory connection, to a server that is not there: the table calls are what count.
    let directory = json!({
        "url": "ldap://127.0.0.1:9", "insecure": true, "bind_dn": "cn=svc,dc=corp", "bind_password": "tour service pass",
        "user_base": "dc=corp", "connect_timeout_ms": 200, "operation_timeout_ms": 200,
    });
    ok(&t.request("PUT", "/api/org/directory", Some(directory), Some(&t.admin_cookie.clone())).await, "directory set");
    ok(&t.get("/api/org/directory").await, "directory read");
    ok(&t.post("/api/org/directory/test", json!({})).await, "directory tested");
    ok(&t.delete("/api/org/directory").await, "directory off");

    // A real directory: a sign-in that makes a profiled account with a synced group, then
    // Refresh from AD after the entry changed (the edit's transaction, in the directory function).
    let slapd = secboard_tests::slapd::Slapd::start();
    let synced = t.post(&format!("/api/org/companies/{c}/groups"), json!({ "name": "Tour AD", "directory_sync": true })).await.id();
    let (dn, _) = slapd.add_user(&secboard_tests::slapd::AdUser {
        department: Some("Operations"),
        ..secboard_tests::slapd::AdUser::new("tourad", "tourad@acme.test", "Tour-ad-pass-2026")
    });
    slapd.add_group("Tour AD", &[&dn]);
    let mut settings = slapd.settings();
    settings["company_id"] = json!(c);
    settings["sync_groups"] = json!(true);
    ok(&t.request("PUT", "/api/org/directory", Some(settings), Some(&t.admin_cookie.clone())).await, "directory set again");
    let ad =
        t.request("POST", "/api/auth/login", Some(json!({ "email": "tourad@acme.test", "password": "Tour-ad-pass-2026" })), None).await;
    ok(&ad, "directory sign-in");
    let ad_email = secboard_domain::email::Email::parse("email", "tourad@acme.test").unwrap();
    let ad_id = secboard_domain::ports::AccountStore::user_id_by_email(t.store.as_ref(), &ad_email).await.unwrap().expect("an account");
    slapd.set(&dn, "sn", "Toured");
    slapd.set(&dn, "mail", "tour.ad@acme.test");
    ok(&t.post(&format!("/api/users/{ad_id}/directory-refresh"), json!({})).await, "refresh from AD");
    slapd.set(&dn, "userAccountControl", "514");
    let synced_run = t.sync_directory().await.expect("the directory sync runs");
    assert_eq!(synced_run.disabled, 1, "{synced_run:?}");
    ok(&t.delete("/api/org/directory").await, "directory off again");
    ok(
        &t.request("DELETE", &format!("/api/users/{ad_id}"), Some(json!({ "confirm": true })), Some(&t.admin_cookie.clone())).await,
        "directory user deleted",
    );
    ok(&t.delete(&format!("/api/org/companies/{c}/groups/{synced}")).await, "synced group deleted");

    // And the end of it.
    for u in [&job_user, &sheet_user] {
        let r = t.request("DELETE", &format!("/api/users/{u}"), Some(json!({ "confirm": true })), Some(&t.admin_cookie.clone())).await;
        ok(&r, "imported user deleted");
    }
    ok(&t.request("DELETE", &format!("/api/users/{id}"), Some(json!({ "confirm": true })), Some(&t.admin_cookie.clone())).await, "delete");
    ok(&t.delete(&format!("/api/org/companies/{c}/roles/{role}")).await, "role deleted");
    ok(&t.delete(&format!("/api/org/companies/{c}/groups/{g}")).await, "group deleted");
    ok(&t.delete(&format!("/api/org/groups/{global}")).await, "global group deleted");
    ok(&t.delete(&format!("/api/org/companies/{c}/departments/{d}")).await, "item deleted");
    ok(&t.delete(&format!("/api/org/companies/{c}")).await, "company deleted");
    t.deliver().await;
}

#[tokio::test]
async fn every_call_a_function_makes_is_allowed_by_its_role_in_the_template() {
    let t = TestApp::spawn().await;
    tour(&t).await;
    let used = t.iam_used();
    let allowed = allowed();
    let mut missing = vec![];
    for (function, actions) in &used {
        let role = allowed.get(function).unwrap_or_else(|| panic!("no function {function} in the template"));
        for a in actions {
            if !role.contains(a) {
                missing.push(format!("{function}: {a}"));
            }
        }
    }
    assert!(missing.is_empty(), "calls the template's roles do not allow:\n{}", missing.join("\n"));
    // Every function was toured, so the comparison covers them all.
    let toured: BTreeSet<&String> = used.keys().collect();
    for f in allowed.keys() {
        assert!(toured.contains(f), "the tour never reached {f}");
    }
    // For a person to judge: allowed, and needed by no call of the tour.
    for (function, role) in &allowed {
        // An index resource matters to Query and Scan alone; other actions on it are noise.
        let unused: Vec<&String> = role
            .iter()
            .filter(|a| !a.ends_with("@index") || a.starts_with("dynamodb:Query") || a.starts_with("dynamodb:Scan"))
            // What a function does as it starts (SSM, KMS) and sends (SES) is the next test's.
            .filter(|a| a.starts_with("dynamodb:") || a.starts_with("s3:"))
            .filter(|a| !used.get(function).is_some_and(|u| u.contains(*a)))
            .collect();
        if !unused.is_empty() {
            eprintln!("{function}: allowed but not needed on the tour: {unused:?}");
        }
    }
}

/// An AWS stand-in on loopback for what a function does as it starts: records each call's IAM
/// action (`X-Amz-Target` `AmazonSSM.GetParameters` is `ssm:GetParameters`; a decrypting read
/// also needs `kms:Decrypt` on the parameter's key) and answers GetParameters with a value for
/// every name.
async fn start_standin() -> (String, std::sync::Arc<std::sync::Mutex<BTreeSet<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let calls = std::sync::Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let recorded = calls.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let calls = recorded.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                loop {
                    let (mut target, mut length) = (String::new(), 0usize);
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h).await.unwrap();
                        if h.trim().is_empty() {
                            break;
                        }
                        let (k, v) = h.split_once(':').unwrap_or((&h, ""));
                        match k.to_ascii_lowercase().as_str() {
                            "x-amz-target" => target = v.trim().to_owned(),
                            "content-length" => length = v.trim().parse().unwrap_or(0),
                            _ => {}
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).await.unwrap();
                    let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                    let action = match target.split_once('.') {
                        Some(("AmazonSSM", op)) => format!("ssm:{op}"),
                        Some((service, op)) => format!("{}:{op}", service.split('_').next().unwrap_or(service).to_ascii_lowercase()),
                        // SES v2 is REST: its one call here is the mailer's send.
                        None if line.starts_with("POST /v2/email/outbound-emails") => "ses:SendEmail".to_owned(),
                        None => format!("unknown:{line}"),
                    };
                    let answer = if action == "ssm:GetParameters" {
                        if request["WithDecryption"] == true {
                            calls.lock().unwrap().insert("kms:Decrypt".to_owned());
                        }
                        let parameters: Vec<serde_json::Value> = request["Names"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|n| {
                                let value = if n.as_str().unwrap_or("").ends_with("key") {
                                    "00".repeat(32)
                                } else {
                                    "https://console.example.com".into()
                                };
                                json!({ "Name": n, "Value": value, "Type": "String", "Version": 1 })
                            })
                            .collect();
                        json!({ "Parameters": parameters, "InvalidParameters": [] }).to_string()
                    } else if action == "ses:SendEmail" {
                        json!({ "MessageId": "standin-1" }).to_string()
                    } else {
                        "{}".to_owned()
                    };
                    calls.lock().unwrap().insert(action);
                    let head =
                        format!("HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n", answer.len());
                    let stream = reader.get_mut();
                    if stream.write_all(head.as_bytes()).await.is_err() || stream.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, calls)
}

/// What each function does as it starts on Lambda (what its main.rs builds, with the environment the
/// template gives it) is allowed by its role: reading the deployment key and the console's address
/// from SSM in one decrypting GetParameters; and the mailer's one SES call, a send. The fallback
/// reads nothing. Permissions no start needed are printed for a person to judge.
#[tokio::test]
async fn what_each_function_does_as_it_starts_is_allowed_by_its_role() {
    let (url, calls) = start_standin().await;
    // This test runs in its own process (nextest), so the environment is its own.
    for (k, v) in [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_SESSION_TOKEN", "test"),
        ("AWS_ENDPOINT_URL", url.as_str()),
        ("TABLE_NAME", "secboard"),
        ("BUCKET_NAME", "secboard-data"),
        ("SECBOARD_DEFAULT_SENDER", "no-reply@example.com"),
        ("SECBOARD_KEY_PARAMETER", "/secboard/key"),
        ("SECBOARD_CONSOLE_URL_PARAMETER", "/secboard/console-url"),
    ] {
        // SAFETY: set before any other thread of this test reads the environment.
        unsafe { std::env::set_var(k, v) };
    }
    // An HTTP function starts as its main.rs does: its application (with a bucket if its
    // `Context` has one), then its HTTP settings.
    trait Start: Sized {
        async fn start() -> anyhow::Result<Self>;
    }
    impl<B: secboard_wiring::Bucket> Start for secboard_http::Context<secboard_wiring::App<B>> {
        async fn start() -> anyhow::Result<Self> {
            secboard_http::Context::from_env(secboard_wiring::App::from_env().await?)
        }
    }
    macro_rules! started {
        ($($name:literal => $start:expr,)*) => {{
            let mut out = BTreeMap::new();
            $(
                calls.lock().unwrap().clear();
                if let Err(e) = $start.await {
                    panic!("{} did not start: {e:#}", $name);
                }
                out.insert($name.to_owned(), calls.lock().unwrap().clone());
            )*
            out
        }};
    }
    let used: BTreeMap<String, BTreeSet<String>> = started! {
        "login" => login::Context::start(), "logout" => logout::Context::start(), "profile" => profile::Context::start(),
        "org" => org::Context::start(), "create-user" => create_user::Context::start(),
        "import-users" => import_users::Context::start(), "list-users" => list_users::Context::start(),
        "update-user" => update_user::Context::start(), "delete-user" => delete_user::Context::start(),
        "export-users" => export_users::Context::start(), "reset-request" => reset_request::Context::start(),
        "reset-confirm" => reset_confirm::Context::start(), "first-login" => first_login::Context::start(),
        "magic-link" => magic_link::Context::start(), "totp-setup" => totp_setup::Context::start(),
        "totp-verify" => totp_verify::Context::start(), "active-directory" => active_directory::Context::start(),
        "fallback" => fallback::context(), "import-job" => import_job::context(), "directory-sync" => directory_sync::context(),
    };
    let mut used = used;
    calls.lock().unwrap().clear();
    let ctx = mailer::context().await.unwrap_or_else(|e| panic!("mailer did not start: {e:#}"));
    let mail = secboard_domain::mail::Mail {
        to: "ada@example.com".into(),
        from: "no-reply@example.com".into(),
        language: Default::default(),
        first_name: "Ada".into(),
        kind: secboard_domain::mail::MailKind::PasswordChanged,
    };
    ctx.sender.send(&mail, "least-privilege", jiff::Timestamp::UNIX_EPOCH).await.expect("the mailer sends through SES");
    used.insert("mailer".to_owned(), calls.lock().unwrap().clone());
    let allowed = allowed();
    assert_eq!(used.len(), allowed.len(), "a function of the template was not started here");
    let mut missing = vec![];
    for (function, actions) in &used {
        let role = &allowed[function];
        missing.extend(actions.iter().filter(|a| !role.contains(*a)).map(|a| format!("{function}: {a}")));
    }
    assert!(missing.is_empty(), "calls at start the template's roles do not allow:\n{}", missing.join("\n"));
    assert_eq!(
        used["login"],
        BTreeSet::from(["kms:Decrypt".to_owned(), "ssm:GetParameters".to_owned()]),
        "one decrypting read of both parameters"
    );
    assert!(used["fallback"].is_empty(), "the fallback needs no key: {:?}", used["fallback"]);
    assert!(used["mailer"].contains("ses:SendEmail"), "{:?}", used["mailer"]);
    for (function, role) in &allowed {
        let unused: Vec<&String> = role
            .iter()
            .filter(|a| ["ssm:", "kms:", "ses:"].iter().any(|p| a.starts_with(p)))
            .filter(|a| !used[function].contains(*a))
            .collect();
        if !unused.is_empty() {
            eprintln!("{function}: allowed but not needed at start: {unused:?}");
        }
    }
}
