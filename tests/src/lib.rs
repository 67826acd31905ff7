//! The end-to-end test harness. Each test gets an isolated app: its own table on the engine under
//! test, a clock it controls, and the functions behind the same local gateway the local server
//! uses. The engine is the embedded dynoxide unless `SECBOARD_TEST_DYNAMODB` names another
//! endpoint (moto in the test command); an unreachable engine fails the test loudly.

pub mod ad_server;
pub mod django;
pub mod samba;
pub mod slapd;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use lambda_http::Body;
use secboard_blobs::S3Blobs;
use secboard_domain::clock::{ManualClock, OsEntropy};
use secboard_domain::flows::bootstrap::{self, FirstAdmin};
use secboard_domain::flows::deliver_mail::{self, Delivered};
use secboard_domain::keys::MasterKey;
use secboard_domain::password::{self, Password};
use secboard_dynamodb::{DynamoStore, table};
use secboard_http::WebConfig;
use secboard_infra::embedded::{EmbeddedDynamo, EmbeddedS3, local_sdk_config};
use secboard_infra::gateway::{Functions, to_gateway_request};
use secboard_wiring::App;
use serde_json::{Value, json};
use std::sync::Arc;

pub const ADMIN_EMAIL: &str = "admin@example.com";
/// Where links in test mail point.
pub const CONSOLE_URL: &str = "https://console.secboard.test";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
/// The moment every test starts at (a Monday).
/// The client address of test requests, unless a test says otherwise.
pub const TEST_IP: &str = "198.51.100.7";
pub const START: &str = "2026-06-15T09:00:00Z";

pub struct TestApp {
    pub functions: Functions,
    pub outbox: secboard_mail::Outbox,
    pub blobs: S3Blobs,
    pub s3_endpoint: String,
    pub app: App,
    pub web: WebConfig,
    pub store: Arc<DynamoStore>,
    pub clock: Arc<ManualClock>,
    pub table: String,
    pub endpoint: String,
    pub admin_cookie: String,
    /// The IAM actions each function's calls needed so far, by function name (see `iam_used`).
    iam: std::sync::Mutex<std::collections::BTreeMap<String, std::collections::BTreeSet<String>>>,
    _engine: Option<EmbeddedDynamo>,
    _s3: Option<EmbeddedS3>,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn field(&self) -> Option<&str> {
        self.body.get("field").and_then(Value::as_str)
    }
    pub fn id(&self) -> String {
        self.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", self.body)).to_owned()
    }
    pub fn cookie(&self) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").to_owned())
            .next()
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

pub fn engine_endpoint() -> Option<String> {
    std::env::var("SECBOARD_TEST_DYNAMODB").ok().filter(|v| !v.is_empty() && v != "embedded")
}

/// SES for the SES tests: moto, named by `SECBOARD_TEST_SES`.
pub fn ses_endpoint() -> Option<String> {
    std::env::var("SECBOARD_TEST_SES").ok().filter(|v| !v.is_empty())
}

/// The S3 engine under test: embedded s3s-fs unless `SECBOARD_TEST_S3` names another (moto).
pub fn s3_endpoint() -> Option<String> {
    std::env::var("SECBOARD_TEST_S3").ok().filter(|v| !v.is_empty() && v != "embedded")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(WebConfig::direct(false)).await
    }

    pub async fn spawn_with(web: WebConfig) -> TestApp {
        let (endpoint, engine) = match engine_endpoint() {
            Some(e) => (e, None),
            None => {
                let e = EmbeddedDynamo::start(None).await.expect("starting the embedded engine");
                (e.endpoint.clone(), Some(e))
            }
        };
        let sdk = local_sdk_config(&endpoint);
        let table_name = format!("t{}", ulid::Ulid::new().to_string().to_lowercase());
        let store = DynamoStore::new(&sdk, &table_name);
        table::ensure_table(store.client(), &table_name)
            .await
            .unwrap_or_else(|e| panic!("the DynamoDB engine at {endpoint} is not usable ({e:#}); the test command starts it"));
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (s3_endpoint, s3) = match s3_endpoint() {
            Some(e) => (e, None),
            None => {
                let e = EmbeddedS3::start(&dir.path().join("blobs")).await.expect("starting the embedded S3 engine");
                (e.endpoint.clone(), Some(e))
            }
        };
        let blobs = S3Blobs::new(&local_sdk_config(&s3_endpoint), format!("b{}", ulid::Ulid::new().to_string().to_lowercase()));
        blobs
            .ensure_bucket()
            .await
            .unwrap_or_else(|e| panic!("the S3 engine at {s3_endpoint} is not usable ({e:#}); the test command starts it"));
        let clock = Arc::new(ManualClock::new(START.parse().unwrap()));
        let mut app = App::new(store, clock.clone(), Arc::new(OsEntropy), jiff::tz::TimeZone::UTC, MasterKey::from_bytes([42; 32]));
        app.mail = secboard_domain::mail::MailConfig {
            console_url: CONSOLE_URL.to_owned(),
            default_sender: Some(secboard_domain::email::Email::parse("s", "no-reply@secboard.test").unwrap()),
        };
        let outbox = secboard_mail::Outbox::new(dir.path().join("outbox")).expect("an outbox");
        let admin = FirstAdmin {
            email: ADMIN_EMAIL.into(),
            password: Password::new(ADMIN_PASSWORD),
            first_name: None,
            last_name: None,
            company: None,
        };
        bootstrap::ensure_first_admin(&app.deps, admin, "test").await.expect("first admin");
        let store = app.store.clone();
        let mut t = TestApp {
            functions: Functions::new(app.clone(), web.clone(), blobs.clone()),
            web,
            outbox,
            blobs,
            s3_endpoint,
            app,
            store,
            clock,
            table: table_name,
            endpoint,
            admin_cookie: String::new(),
            iam: Default::default(),
            _engine: engine,
            _s3: s3,
            _dir: dir,
        };
        t.admin_cookie = t.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        t
    }

    /// Runs the mailer once: everything queued goes to the outbox.
    pub async fn deliver(&self) -> Delivered {
        let before = self.iam_made();
        let delivered = deliver_mail::deliver_pending(&self.app.deps, &self.outbox).await.expect("delivering");
        self.note_iam("mailer", before);
        delivered
    }

    /// Runs the import jobs whose files have landed, as the import function does when storage
    /// announces them (its IAM actions filed under `import-job`); the statuses of those that ran.
    pub async fn run_import_jobs(&self) -> Vec<Value> {
        let before = self.iam_made();
        let ctx = import_job::Context { app: self.app.clone().with_blobs(self.blobs.clone()) };
        let ran = secboard_infra::run_uploaded_imports(&ctx).await.expect("running the import jobs");
        self.note_iam("import-job", before);
        ran
    }

    /// One run of the scheduled directory sync (the `directory-sync` function's flow), against
    /// the directory the settings name.
    pub async fn sync_directory(&self) -> secboard_domain::Result<secboard_domain::flows::directory_sync::SyncReport> {
        self.sync_directory_with(&secboard_ldap::LdapClient).await
    }

    /// [`TestApp::sync_directory`] through another client (one that counts what is asked of it).
    pub async fn sync_directory_with(
        &self,
        client: &dyn secboard_domain::active_directory::AdClient,
    ) -> secboard_domain::Result<secboard_domain::flows::directory_sync::SyncReport> {
        let before = self.iam_made();
        let report = secboard_domain::flows::directory_sync::sync(&self.app.deps, client).await;
        self.note_iam("directory-sync", before);
        report
    }

    /// How many IAM actions the store and the blob store have made so far.
    fn iam_made(&self) -> (usize, usize) {
        (self.store.iam_actions().len(), self.blobs.iam_actions().len())
    }

    /// Files the IAM actions made since `before` under `function`.
    fn note_iam(&self, function: &str, before: (usize, usize)) {
        let (store, blobs) = (self.store.iam_actions(), self.blobs.iam_actions());
        if let Ok(mut m) = self.iam.lock() {
            let e = m.entry(function.to_owned()).or_default();
            e.extend(store[before.0.min(store.len())..].iter().cloned());
            e.extend(blobs[before.1.min(blobs.len())..].iter().cloned());
        }
    }

    /// The IAM actions each function's store calls have needed so far (requests sent one at a
    /// time are filed under the function that served them; the mailer's under `mailer`).
    pub fn iam_used(&self) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
        self.iam.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Delivers, then the (subject, text) of every mail to `email`, oldest first.
    pub async fn mails_to(&self, email: &str) -> Vec<(String, String)> {
        self.deliver().await;
        let mut out = vec![];
        for path in self.outbox.messages().unwrap() {
            let raw = std::fs::read(&path).unwrap();
            let to = String::from_utf8_lossy(&raw).lines().any(|l| l.trim() == format!("To: {email}"));
            if to {
                out.push((secboard_mail::subject(&raw).unwrap(), secboard_mail::text_part(&raw).unwrap()));
            }
        }
        out
    }

    /// The token of the last link mailed to `email`.
    pub async fn last_link(&self, email: &str) -> String {
        let mails = self.mails_to(email).await;
        let (_, text) =
            mails.iter().rev().find(|(_, t)| t.contains(CONSOLE_URL)).unwrap_or_else(|| panic!("no link mailed to {email}: {mails:?}"));
        let url = text.split_whitespace().find(|w| w.starts_with(CONSOLE_URL)).unwrap();
        url.split('#').nth(1).unwrap().to_owned()
    }

    pub fn clock_now(&self) -> Timestamp {
        use secboard_domain::clock::Clock;
        self.clock.now()
    }

    pub fn set_now(&self, at: &str) {
        self.clock.set(at.parse::<Timestamp>().unwrap());
    }

    /// A request through the local gateway, as a browser on the same origin would send it.
    pub async fn request(&self, method: &str, path: &str, body: Option<Value>, cookie: Option<&str>) -> Reply {
        self.request_from(TEST_IP, method, path, body, cookie).await
    }

    /// The same, from another client address.
    pub async fn request_from(&self, ip: &str, method: &str, path: &str, body: Option<Value>, cookie: Option<&str>) -> Reply {
        self.request_with(ip, None, method, path, body, cookie).await
    }

    /// The same, from another client address and browser (`User-Agent`).
    pub async fn request_with(
        &self,
        ip: &str,
        user_agent: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
        cookie: Option<&str>,
    ) -> Reply {
        let mut b = http::Request::builder().method(method).uri(path).header("host", "127.0.0.1:3000");
        if let Some(ua) = user_agent {
            b = b.header("user-agent", ua);
        }
        if let Some(c) = cookie {
            b = b.header("cookie", c);
        }
        // Like the console: every write says it is JSON, with a body or not.
        if method != "GET" {
            b = b.header("content-type", "application/json");
        }
        let body = match body {
            Some(v) => Body::Text(v.to_string()),
            None => Body::Empty,
        };
        self.send_from(ip, b.body(body).unwrap()).await
    }

    pub async fn send(&self, req: http::Request<Body>) -> Reply {
        self.send_from(TEST_IP, req).await
    }

    pub async fn send_from(&self, ip: &str, req: http::Request<Body>) -> Reply {
        // Time passes between requests, so events keep their order.
        self.clock.advance(jiff::SignedDuration::from_millis(1));
        let function =
            secboard_http::routes::match_route(req.method().as_str(), req.uri().path()).map_or("fallback", |m| m.route.function.name());
        let before = self.iam_made();
        let resp = self.functions.dispatch(to_gateway_request(req, ip)).await;
        self.note_iam(function, before);
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = match resp.into_body() {
            Body::Text(t) => serde_json::from_str(&t).unwrap_or(Value::String(t)),
            Body::Binary(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
            _ => Value::Null,
        };
        if status >= 500 {
            panic!("a 5xx reached the client: {status} {body}");
        }
        Reply { status, headers, body }
    }

    /// Uploads raw bytes (a photo) with the given content type.
    pub async fn upload(&self, path: &str, bytes: Vec<u8>, content_type: &str, cookie: &str) -> Reply {
        let req = http::Request::builder()
            .method("POST")
            .uri(path)
            .header("host", "127.0.0.1:3000")
            .header("content-type", content_type)
            .header("cookie", cookie)
            .body(Body::Binary(bytes))
            .unwrap();
        self.send(req).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None, Some(&self.admin_cookie.clone())).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.request("POST", path, Some(body), Some(&self.admin_cookie.clone())).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.request("PATCH", path, Some(body), Some(&self.admin_cookie.clone())).await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.request("DELETE", path, None, Some(&self.admin_cookie.clone())).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let r = self.request("POST", "/api/auth/login", Some(json!({ "email": email, "password": password })), None).await;
        assert_eq!(r.status, 200, "sign-in of {email}: {r:?}");
        r.cookie().expect("a session cookie")
    }

    /// Signs in from a client address and browser of its own; the session cookie.
    pub async fn sign_in_with(&self, email: &str, password: &str, ip: &str, user_agent: &str) -> String {
        let body = json!({ "email": email, "password": password });
        let r = self.request_with(ip, Some(user_agent), "POST", "/api/auth/login", Some(body), None).await;
        assert_eq!(r.status, 200, "sign-in of {email}: {r:?}");
        r.cookie().expect("a session cookie")
    }

    pub async fn company(&self, name: &str) -> String {
        let r = self.post("/api/org/companies", json!({ "name": name })).await;
        assert_eq!(r.status, 201, "{r:?}");
        r.id()
    }

    pub async fn item(&self, company: &str, kind: &str, name: &str) -> String {
        let r = self.post(&format!("/api/org/companies/{company}/{kind}"), json!({ "name": name })).await;
        assert_eq!(r.status, 201, "{r:?}");
        r.id()
    }

    /// An access group of a company (or global with `None`) with the given rights on `users`.
    pub async fn group(&self, company: Option<&str>, name: &str, users: Value) -> String {
        let path = match company {
            Some(c) => format!("/api/org/companies/{c}/groups"),
            None => "/api/org/groups".to_owned(),
        };
        let r = self.post(&path, json!({ "name": name, "permissions": { "users": users } })).await;
        assert_eq!(r.status, 201, "{r:?}");
        r.id()
    }

    pub async fn user(&self, body: Value) -> Reply {
        self.post("/api/users", body).await
    }

    /// Sets a company's First Login control word.
    pub async fn set_control_word(&self, company: &str, word: &str) {
        let path = format!("/api/org/companies/{company}/settings");
        let r = self.request("PUT", &path, Some(json!({ "control_word": word })), Some(&self.admin_cookie.clone())).await;
        assert_eq!(r.status, 200, "{r:?}");
    }

    /// Signs in by First Login: asks for the magic link, then spends it; the magic-link reply.
    pub async fn magic_sign_in(&self, email: &str, word: &str) -> Reply {
        let r = self.request("POST", "/api/auth/first-login", Some(json!({ "email": email, "control_word": word })), None).await;
        assert_eq!(r.status, 202, "{r:?}");
        let token = self.last_link(email).await;
        self.request("POST", "/api/auth/magic-link", Some(json!({ "token": token })), None).await
    }

    /// A user with a password and a completed profile, signed in; returns (id, cookie).
    pub async fn member(&self, company: &str, email: &str, groups: &[&str]) -> (String, String) {
        let r =
            self.user(json!({ "email": email, "first_name": "Mem", "last_name": "Ber", "company_id": company, "groups": groups })).await;
        assert_eq!(r.status, 201, "{r:?}");
        let id = r.id();
        self.set_password(&id, "member password 1").await;
        let mut cookie = self.sign_in(email, "member password 1").await;
        let done = self.step("POST", "/api/me/complete", Some(json!({})), &mut cookie).await;
        assert_eq!(done.status, 200, "{done:?}");
        (id, cookie)
    }

    /// Spends a reset or first-access link's `token`, setting `password` (anonymous, as from the page).
    pub async fn confirm_link(&self, token: &str, password: &str) -> Reply {
        self.request("POST", "/api/auth/password-reset/confirm", Some(json!({ "token": token, "password": password })), None).await
    }

    /// Sets up and confirms 2FA for the session's user (keeping `cookie` as a browser would if the
    /// session moves on); answers the authenticator's key, for [`TestApp::totp_code`].
    pub async fn enrol_totp(&self, cookie: &mut String) -> Vec<u8> {
        let s = self.request("POST", "/api/me/totp/setup", Some(json!({})), Some(cookie.as_str())).await;
        assert_eq!(s.status, 201, "{s:?}");
        let key = data_encoding::BASE32_NOPAD.decode(s.body["secret"].as_str().unwrap().as_bytes()).unwrap();
        let on = self.step("POST", "/api/me/totp/confirm", Some(json!({ "code": self.totp_code(&key) })), cookie).await;
        assert_eq!(on.status, 200, "{on:?}");
        key
    }

    /// The code an authenticator with `key` shows now.
    pub fn totp_code(&self, key: &[u8]) -> String {
        format!("{:06}", secboard_domain::totp::code_at(key, secboard_domain::totp::step_of(self.clock_now())))
    }

    /// A step of sign-in (a gate's endpoint): a session that moves on does so under a new secret,
    /// so `cookie` becomes the one the answer sets, as a browser's would.
    pub async fn step(&self, method: &str, path: &str, body: Option<Value>, cookie: &mut String) -> Reply {
        let r = self.request(method, path, body, Some(cookie.as_str())).await;
        if let Some(c) = r.cookie().filter(|c| !c.ends_with('=')) {
            *cookie = c;
        }
        r
    }

    /// Sets a password on an account directly in the table (first access by link comes later).
    pub async fn set_password(&self, user_id: &str, pw: &str) {
        let hash = password::hash(&Password::new(pw), &OsEntropy).await.unwrap();
        let cred = AttributeValue::M(
            [("kind".to_owned(), AttributeValue::S("password".into())), ("hash".to_owned(), AttributeValue::S(hash.as_str().to_owned()))]
                .into(),
        );
        self.raw_update(&format!("USER#{user_id}"), "ACCOUNT", "SET credential = :v", cred).await;
    }

    /// A raw update of one attribute, to set up states no flow of this wave can reach.
    pub async fn raw_update(&self, pk: &str, sk: &str, expr: &str, v: AttributeValue) {
        self.store
            .client()
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk.into()))
            .key("sk", AttributeValue::S(sk.into()))
            .update_expression(expr)
            .expression_attribute_values(":v", v)
            .send()
            .await
            .expect("raw update");
    }

    pub async fn raw_get(&self, pk: &str, sk: &str) -> Option<std::collections::HashMap<String, AttributeValue>> {
        self.store
            .client()
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk.into()))
            .key("sk", AttributeValue::S(sk.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("raw get")
            .item
    }

    /// Every item of the table (test inspection only).
    pub async fn all_items(&self) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        let mut out = vec![];
        let mut start = None;
        loop {
            let r = self.store.client().scan().table_name(&self.table).set_exclusive_start_key(start).send().await.expect("scan");
            out.extend(r.items.unwrap_or_default());
            start = r.last_evaluated_key;
            if start.is_none() {
                return out;
            }
        }
    }
}

/// An app over a new, empty table on the same engine and clock, with no administrator yet.
pub async fn fresh_app(t: &TestApp) -> App {
    let sdk = local_sdk_config(&t.endpoint);
    let name = format!("t{}", ulid::Ulid::new().to_string().to_lowercase());
    let store = DynamoStore::new(&sdk, &name);
    table::ensure_table(store.client(), &name).await.expect("a fresh table");
    App::new(store, t.clock.clone(), Arc::new(OsEntropy), jiff::tz::TimeZone::UTC, MasterKey::from_bytes([42; 32]))
}

/// Fetches a (presigned) URL: status and body.
pub async fn fetch(url: &str) -> (u16, Vec<u8>, http::HeaderMap) {
    let r = reqwest::get(url).await.expect("fetching a link");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.bytes().await.expect("the body").to_vec(), headers)
}

/// A PNG made on the spot (tests ship no images).
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 120]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 60, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}
