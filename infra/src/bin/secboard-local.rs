//! `secboard-local`: the whole product on one machine, no AWS account. Every function behind
//! the route table, the console, the embedded DynamoDB engine with its data in a folder.
//!
//! Usage: `secboard-local [--listen 127.0.0.1:3000] [--data ./data]`
//! With `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB`) set, it uses that engine instead of
//! the embedded one. `BOOTSTRAP_ADMIN_EMAIL` / `BOOTSTRAP_ADMIN_PASSWORD` create the first admin;
//! without them, a one-time setup link is printed.

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use secboard_blobs::S3Blobs;
use secboard_domain::clock::{OsEntropy, SystemClock};
use secboard_domain::email::Email;
use secboard_domain::flows::bootstrap::{self, Bootstrap, FirstAdmin};
use secboard_domain::flows::deliver_mail::deliver_pending;
use secboard_domain::keys::MasterKey;
use secboard_domain::mail::MailConfig;
use secboard_domain::password::Password;
use secboard_dynamodb::{DynamoStore, table};
use secboard_http::{Problem, WebConfig};
use secboard_infra::embedded::{EmbeddedDynamo, EmbeddedS3, local_sdk_config};
use secboard_infra::gateway::{Functions, to_gateway_request};
use secboard_mail::Outbox;
use secboard_wiring::{App, load_key_file, time_zone_from_env};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

struct Args {
    listen: SocketAddr,
    data: PathBuf,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut listen: SocketAddr = "127.0.0.1:3000".parse()?;
    let mut data = PathBuf::from("data");
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--listen" => {
                listen = it.next().context("--listen needs an address")?.parse().context("--listen: not an address like 127.0.0.1:3000")?
            }
            "--data" => data = PathBuf::from(it.next().context("--data needs a folder")?),
            "-h" | "--help" => {
                println!("secboard-local [--listen 127.0.0.1:3000] [--data ./data]");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    Ok(Args { listen, data })
}

/// The data folder's key (created 0600 on first start): signs cursors, and later encrypts secrets.
fn ensure_key(data: &Path) -> anyhow::Result<MasterKey> {
    let path = data.join("secret.key");
    if !path.exists() {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("OS RNG: {e}"))?;
        let key = MasterKey::from_bytes(b);
        #[cfg(unix)]
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
            f.write_all(key.to_hex().as_bytes())?;
        }
        #[cfg(not(unix))]
        std::fs::write(&path, key.to_hex())?;
    }
    load_key_file(&path)
}

fn console_dir() -> PathBuf {
    std::env::var_os("SECBOARD_CONSOLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../console"))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `scheme://host[:port]` of a URL (what a browser sends as `Origin`).
fn origin_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    format!("{}://{host}", url.split_once("://").map_or("http", |(s, _)| s))
}

/// Serves the console's files; never anything outside its folder.
async fn console(path: &str) -> http::Response<Full<Bytes>> {
    let root = console_dir();
    let rel = path.trim_start_matches('/');
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let safe = !rel.split('/').any(|s| s == ".." || s.starts_with('.')) && !rel.contains('\\');
    let file = root.join(rel);
    let found = if safe { tokio::fs::read(&file).await.ok() } else { None };
    // The security headers are added to every answer by `serve`.
    let mut b = http::Response::builder();
    match found {
        Some(bytes) => {
            b = b.status(200).header("content-type", content_type(&file));
            b.body(Full::new(Bytes::from(bytes))).unwrap_or_default()
        }
        None => b.status(404).header("content-type", "text/plain").body(Full::new(Bytes::from_static(b"not found"))).unwrap_or_default(),
    }
}

/// The headers CloudFront adds on AWS (`secboard_http::headers`), with the embedded S3 engine as the
/// images' origin, set once at start.
static SECURITY_HEADERS: std::sync::OnceLock<Vec<(&'static str, http::HeaderValue)>> = std::sync::OnceLock::new();

/// Every answer, console or API, with the security headers CloudFront would add (overriding).
async fn serve(functions: Arc<Functions>, req: hyper::Request<hyper::body::Incoming>, peer: SocketAddr) -> http::Response<Full<Bytes>> {
    let mut resp = answer(functions, req, peer).await;
    for (name, value) in SECURITY_HEADERS.get().map(Vec::as_slice).unwrap_or_default() {
        resp.headers_mut().insert(*name, value.clone());
    }
    resp
}

async fn answer(functions: Arc<Functions>, req: hyper::Request<hyper::body::Incoming>, peer: SocketAddr) -> http::Response<Full<Bytes>> {
    let started = std::time::Instant::now();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    if (path == "/outbox" || path == "/outbox/") && OUTBOX_DIR.get().is_some() {
        return outbox_page().await;
    }
    if !path.starts_with("/api/") && path != "/api" {
        return console(&path).await;
    }
    // API Gateway's payload limit is 10 MB.
    let bytes = match Limited::new(body, 10 * 1024 * 1024).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return to_hyper(Problem::new(413, "Content Too Large", "the body may be at most 10 MB").into_response()),
    };
    let body = if bytes.is_empty() { lambda_http::Body::Empty } else { lambda_http::Body::Binary(bytes.to_vec()) };
    let req = to_gateway_request(http::Request::from_parts(parts, body), &peer.ip().to_string());
    let method = req.method().clone();
    // A panic in a handler is a bug; the client still gets problem+json, not a dropped connection.
    let resp = match tokio::spawn(async move { functions.dispatch(req).await }).await {
        Ok(r) => r,
        Err(_) => Problem::new(500, "Internal Server Error", "something went wrong on our side; it has been logged").into_response(),
    };
    tracing::info!(%method, path, status = resp.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    to_hyper(resp)
}

/// The local outbox: every message the mailer wrote, newest first, with its text (links clickable).
async fn outbox_page() -> http::Response<Full<Bytes>> {
    let dir = OUTBOX_DIR.get().cloned().unwrap_or_default();
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let mut html = String::from(
        "<!doctype html><meta charset=utf-8><meta name=referrer content=no-referrer><title>Outbox</title><link rel=stylesheet href=/style.css><main><h1>Outbox</h1>",
    );
    let outbox = Outbox::new(&dir);
    let mut messages = outbox.and_then(|o| o.messages()).unwrap_or_default();
    messages.reverse();
    if messages.is_empty() {
        html.push_str("<p>No mail yet.</p>");
    }
    for path in messages {
        let raw = std::fs::read(&path).unwrap_or_default();
        let subject = secboard_mail::subject(&raw).unwrap_or_default();
        let text = secboard_mail::text_part(&raw).unwrap_or_default();
        let to = String::from_utf8_lossy(&raw).lines().find(|l| l.starts_with("To:")).unwrap_or("").to_owned();
        let body: String = esc(&text)
            .split_whitespace()
            .map(|w| if w.starts_with("http://") || w.starts_with("https://") { format!("<a href=\"{w}\">{w}</a>") } else { w.to_owned() })
            .collect::<Vec<_>>()
            .join(" ");
        html.push_str(&format!("<section><h2>{}</h2><p>{}</p><p>{}</p></section>", esc(&subject), esc(&to), body));
    }
    http::Response::builder()
        .status(200)
        .header("content-type", "text/html; charset=utf-8")
        .header("referrer-policy", "no-referrer")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(html)))
        .unwrap_or_default()
}

static OUTBOX_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

fn to_hyper(resp: lambda_http::Response<lambda_http::Body>) -> http::Response<Full<Bytes>> {
    let (parts, body) = resp.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(t) => Bytes::from(t),
        lambda_http::Body::Binary(b) => Bytes::from(b),
        _ => Bytes::new(),
    };
    http::Response::from_parts(parts, Full::new(bytes))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,aws=warn,dynoxide=warn".into()))
        .init();
    let args = parse_args()?;
    std::fs::create_dir_all(&args.data).with_context(|| format!("creating {}", args.data.display()))?;
    let key = ensure_key(&args.data)?;

    // Bound first: the S3 engine lets the console at this address upload to it (CORS).
    let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    let url = format!("http://{}", listener.local_addr()?);
    let console_url = std::env::var("SECBOARD_CONSOLE_URL").ok().filter(|v| !v.is_empty());
    let external = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").or_else(|_| std::env::var("AWS_ENDPOINT_URL")).ok().filter(|v| !v.is_empty());
    let s3_external = std::env::var("AWS_ENDPOINT_URL_S3").or_else(|_| std::env::var("AWS_ENDPOINT_URL")).ok().filter(|v| !v.is_empty());
    let (s3_endpoint, s3_engine) = match s3_external {
        Some(e) => (e, None),
        None => {
            // The console's origins: this server's, and the address mail links point at.
            let origins = [Some(url.clone()), console_url.as_deref().map(origin_of)].into_iter().flatten().collect();
            let engine = EmbeddedS3::start_with_cors(&args.data.join("blobs"), origins).await?;
            (engine.endpoint.clone(), Some(engine))
        }
    };
    let (endpoint, engine) = match external {
        Some(e) => (e, None),
        None => {
            let engine = EmbeddedDynamo::start(Some(&args.data.join("dynamodb.sqlite"))).await?;
            (engine.endpoint.clone(), Some(engine))
        }
    };
    let sdk = local_sdk_config(&endpoint);
    let table_name = std::env::var("TABLE_NAME").unwrap_or_else(|_| "secboard".to_owned());
    let store = DynamoStore::new(&sdk, &table_name);
    table::ensure_table(store.client(), &table_name).await?;

    let bucket = std::env::var("BUCKET_NAME").unwrap_or_else(|_| "secboard".to_owned());
    let blobs = S3Blobs::new(&local_sdk_config(&s3_endpoint), &bucket);
    let headers = secboard_http::headers::all(s3_endpoint.trim_end_matches('/'))
        .into_iter()
        .map(|(k, v)| Ok((k, http::HeaderValue::from_str(&v)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let _ = SECURITY_HEADERS.set(headers);
    blobs.ensure_bucket().await?;
    let web = WebConfig::direct(false);
    let tz = time_zone_from_env()?;
    let mut app = App::new(store, Arc::new(SystemClock), Arc::new(OsEntropy), tz, key);

    let default_sender = std::env::var("SECBOARD_DEFAULT_SENDER").unwrap_or_else(|_| "no-reply@secboard.example".to_owned());
    app.mail = MailConfig {
        console_url: console_url.clone().unwrap_or_else(|| url.clone()),
        default_sender: Some(Email::parse("SECBOARD_DEFAULT_SENDER", &default_sender).map_err(|e| anyhow::anyhow!("{e}"))?),
    };
    // The mailer: what flows queue goes to DATA/outbox as .eml files, listed at /outbox.
    let outbox = Outbox::new(args.data.join("outbox"))?;
    // The outbox page lists live sign-in and reset links: only for this machine.
    let outbox_served = secboard_infra::outbox_served(&args.listen);
    if outbox_served {
        let _ = OUTBOX_DIR.set(outbox.dir().to_path_buf());
    }
    // The same loop runs the directory sync (hourly on AWS; SECBOARD_DIRECTORY_SYNC_SECS here,
    // default 3600), mirroring disabled and deleted directory users.
    let sync_every = match std::env::var("SECBOARD_DIRECTORY_SYNC_SECS") {
        Ok(v) => std::time::Duration::from_secs(v.parse().context("SECBOARD_DIRECTORY_SYNC_SECS must be a number of seconds")?),
        Err(_) => std::time::Duration::from_secs(3600),
    };
    tokio::spawn({
        let (deps, outbox) = (app.deps.clone(), outbox.clone());
        async move {
            let mut synced: Option<std::time::Instant> = None;
            loop {
                if let Err(e) = deliver_pending(&deps, &outbox).await {
                    tracing::warn!(error = format!("{e:#}"), "the local mailer failed a round");
                }
                if synced.is_none_or(|at| at.elapsed() >= sync_every) {
                    synced = Some(std::time::Instant::now());
                    match secboard_domain::flows::directory_sync::sync(&deps, &secboard_ldap::LdapClient).await {
                        Ok(report) if !report.off => tracing::info!(?report, "directory sync"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "the directory sync failed a run"),
                    }
                }
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        }
    });
    println!("SecBoard Accounts is running at {url}  (data: {}, DynamoDB: {endpoint}, S3: {s3_endpoint})", args.data.display());

    match (std::env::var("BOOTSTRAP_ADMIN_EMAIL").ok(), std::env::var("BOOTSTRAP_ADMIN_PASSWORD").ok()) {
        (Some(email), Some(password)) => {
            let input =
                FirstAdmin { email: email.clone(), password: Password::new(password), first_name: None, last_name: None, company: None };
            match bootstrap::ensure_first_admin(&app.deps, input, "bootstrap_env").await {
                Ok(Bootstrap::Created(_)) => println!("First admin created: sign in as {email} with BOOTSTRAP_ADMIN_PASSWORD."),
                Ok(Bootstrap::AlreadyThere) => println!("An administrator already exists; the bootstrap variables were not needed."),
                Err(e) => bail!("creating the first admin: {e}"),
            }
        }
        _ => match bootstrap::issue_setup_token(&app.deps).await? {
            Some(token) => println!(
                "No administrator yet. Open this one-time link (valid 24 h) to create the first admin:\n  {url}/setup.html#{token}\n\
                 (or restart with BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD set)"
            ),
            None => println!("Sign in at {url}/ with an administrator account."),
        },
    }
    if outbox_served {
        println!("Mail goes to {} and is listed at {url}/outbox", args.data.join("outbox").display());
    } else {
        println!(
            "Mail goes to {}; the /outbox page is not served, since {} is not a loopback address",
            args.data.join("outbox").display(),
            args.listen
        );
    }

    // Imports that run as jobs: what lands under imports/uploads/ is imported (on AWS the bucket's
    // event invokes the import function; here this loop hands it the same event).
    tokio::spawn({
        let ctx = import_job::Context { app: app.clone().with_blobs(blobs.clone()) };
        async move {
            loop {
                if let Err(e) = secboard_infra::run_uploaded_imports(&ctx).await {
                    tracing::warn!(error = format!("{e:#}"), "a local import job failed");
                }
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        }
    });
    let functions = Arc::new(Functions::new(app, web, blobs));
    // The S3 engine lives as long as the server.
    let _s3_engine = s3_engine;
    if let Some(engine) = engine {
        // DynamoDB deletes expired items (TTL) in the background; so does the local engine.
        let engine = Arc::new(engine);
        tokio::spawn({
            let engine = engine.clone();
            async move {
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    let e = engine.clone();
                    let _ = tokio::task::spawn_blocking(move || e.sweep_ttl()).await;
                }
            }
        });
        std::mem::forget(engine);
    }

    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => r?,
            _ = tokio::signal::ctrl_c() => {
                println!("stopping");
                return Ok(());
            }
        };
        let functions = functions.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let functions = functions.clone();
                async move { Ok::<_, std::convert::Infallible>(serve(functions, req, peer).await) }
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}
