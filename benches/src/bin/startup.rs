//! Cold start: from `exec` to the function's answer to its first invocation, against a fake
//! Lambda Runtime API on loopback. The first event is a request the function answers without a
//! session (401 for the routes that need one), so set-up deferred to the first request is counted.
//! A function that exits or does not answer within 10 s fails the run with its own error output.
//!
//! Usage: startup RUNS BINARY [BINARY ...]   (prints median, p90, min, max and the status per binary)
//!
//! Every function gets the environment the template gives it (table, bucket, sender, the SSM
//! parameters of the deployment key and the console URL) and endpoints on a closed loopback port,
//! so nothing leaves the machine. With `SECBOARD_BENCH_SSM=http://HOST:PORT` (a moto server) the
//! parameters are put there first and every function reads them through SSM at its start, as on
//! Lambda, so the fetch's real cost is in the figure; without it, a 0600 key file and the URL in the
//! environment stand in.
//!
//! The TLS root store: the SDK's HTTPS client loads the system's roots as the client is built
//! (rustls-native-certs: the bundle, then every file of the certificate directory). To see what
//! that costs, `SECBOARD_BENCH_SSL_CERT_FILE` and `SECBOARD_BENCH_SSL_CERT_DIR` are given to every
//! binary as `SSL_CERT_FILE` and `SSL_CERT_DIR` (the bench's own environment is otherwise not
//! passed on).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The first event each binary gets: (method, path, body) of an API Gateway HTTP API request.
fn request_for(binary: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let name = std::path::Path::new(binary).file_name()?.to_str()?;
    Some(match name {
        "login" => ("POST", "/api/auth/login", "{}"),
        "logout" => ("POST", "/api/auth/logout", ""),
        "profile" | "floor-lambda" | "floor-direct" => ("GET", "/api/me", ""),
        "org" => ("GET", "/api/org/companies", ""),
        "create-user" => ("POST", "/api/users", "{}"),
        "import-users" => ("GET", "/api/users/import/jobs/01J00000000000000000000000", ""),
        "list-users" => ("GET", "/api/users", ""),
        "update-user" => ("PATCH", "/api/users/01J00000000000000000000000", "{}"),
        "delete-user" => ("DELETE", "/api/users/01J00000000000000000000000", "{}"),
        "export-users" => ("POST", "/api/users/export", "{}"),
        "reset-request" => ("POST", "/api/auth/password-reset", "{}"),
        "reset-confirm" => ("POST", "/api/auth/password-reset/confirm", "{}"),
        "first-login" => ("POST", "/api/auth/first-login", "{}"),
        "magic-link" => ("POST", "/api/auth/magic-link", "{}"),
        "totp-setup" => ("POST", "/api/me/totp/setup", "{}"),
        "totp-verify" => ("POST", "/api/auth/totp", "{}"),
        "active-directory" => ("GET", "/api/org/directory", ""),
        "fallback" => ("GET", "/api/nowhere", ""),
        _ => return None,
    })
}

fn event(binary: &str) -> String {
    let Some((method, path, body)) = request_for(binary) else { return "{}".to_owned() };
    serde_json::json!({
        "version": "2.0", "routeKey": format!("{method} {path}"), "rawPath": path, "rawQueryString": "",
        "headers": { "host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", "content-type": "application/json", "user-agent": "bench" },
        "requestContext": {
            "accountId": "123456789012", "apiId": "a1b2c3d4e5", "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "a1b2c3d4e5", "requestId": "bench", "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "01/Dec/2026:00:00:00 +0000", "timeEpoch": 1796083200000u64,
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "bench" }
        },
        "body": body, "isBase64Encoded": false
    })
    .to_string()
}

/// One request read from a runtime-API connection: its request line, and its body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        if h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((line.trim().to_owned(), body))
}

/// Serves one connection: the first `/next` gets the event, later ones wait; every request is
/// reported with the moment it arrived.
fn serve(
    stream: TcpStream,
    event: String,
    first: std::sync::Arc<std::sync::atomic::AtomicBool>,
    tx: mpsc::Sender<(Instant, String, Vec<u8>)>,
) {
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    while let Some((line, body)) = read_request(&mut reader) {
        let at = Instant::now();
        if line.contains("/invocation/next") {
            if first.swap(false, std::sync::atomic::Ordering::SeqCst) {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nlambda-runtime-aws-request-id: bench-1\r\n\
                     lambda-runtime-deadline-ms: 4102444800000\r\nlambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
                     lambda-runtime-trace-id: Root=1-00000000-000000000000000000000000\r\ncontent-length: {}\r\n\r\n",
                    event.len()
                );
                let _ = writer.write_all(head.as_bytes()).and_then(|_| writer.write_all(event.as_bytes()));
            } else {
                let _ = tx.send((at, line, body));
                // The next event never comes: hold the connection until the function is stopped.
                std::thread::sleep(Duration::from_secs(30));
                return;
            }
            let _ = tx.send((at, line, vec![]));
        } else {
            let _ = writer.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n");
            let _ = tx.send((at, line, body));
        }
    }
}

struct Run {
    elapsed: Duration,
    status: String,
}

fn once(binary: &str, env: &[(&str, String)]) -> anyhow::Result<Run> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let errors = tempfile_path(binary);
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&errors)?))
        .spawn()?;
    let (tx, rx) = mpsc::channel();
    let first = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    listener.set_nonblocking(true)?;
    let deadline = started + Duration::from_secs(10);
    let outcome = loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                let (tx, first, event) = (tx.clone(), first.clone(), event(binary));
                std::thread::spawn(move || serve(stream, event, first, tx));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => break Err(anyhow::anyhow!("accepting: {e}")),
        }
        // Every report so far, in order: the answer may queue behind the event's own.
        let mut answer = None;
        while let Ok((at, line, body)) = rx.try_recv() {
            let text = String::from_utf8_lossy(&body);
            if line.contains("/init/error") {
                answer = Some(Err(anyhow::anyhow!("{binary} failed to start: {text}")));
                break;
            }
            if line.contains("/response") || line.contains("/error") {
                let status = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("statusCode").map(|s| s.to_string()))
                    .unwrap_or_else(|| if line.contains("/error") { format!("error: {text}") } else { "ok".to_owned() });
                answer = Some(Ok(Run { elapsed: at - started, status }));
                break;
            }
        }
        if let Some(a) = answer {
            break a;
        }
        if let Some(code) = child.try_wait()? {
            let log = std::fs::read_to_string(&errors).unwrap_or_default();
            break Err(anyhow::anyhow!("{binary} exited ({code}) before answering its first event:\n{log}"));
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(&errors).unwrap_or_default();
            break Err(anyhow::anyhow!("{binary} did not answer its first event within 10 s:\n{log}"));
        }
        std::thread::sleep(Duration::from_micros(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&errors);
    outcome
}

fn tempfile_path(binary: &str) -> std::path::PathBuf {
    let name = std::path::Path::new(binary).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    std::env::temp_dir().join(format!("secboard-startup-{}-{name}.log", std::process::id()))
}

/// Puts a parameter into an SSM stand-in (moto, which does not check signatures) with one raw
/// `AmazonSSM.PutParameter` call.
fn put_parameter(endpoint: &str, name: &str, value: &str, secure: bool) -> anyhow::Result<()> {
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let body =
        serde_json::json!({ "Name": name, "Value": value, "Type": if secure { "SecureString" } else { "String" }, "Overwrite": true })
            .to_string();
    let mut s = TcpStream::connect(host)?;
    write!(
        s,
        "POST / HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/x-amz-json-1.1\r\nx-amz-target: AmazonSSM.PutParameter\r\n\
         authorization: AWS4-HMAC-SHA256 Credential=bench/20261201/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=0\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    anyhow::ensure!(answer.starts_with("HTTP/1.1 200"), "the SSM stand-in at {endpoint} refused PutParameter {name}: {answer}");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().ok_or_else(|| anyhow::anyhow!("usage: startup RUNS BINARY..."))?.parse()?;
    anyhow::ensure!(runs > 0, "RUNS must be at least 1");
    let dir = std::env::temp_dir().join(format!("secboard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let key = dir.join("secret.key");
    std::fs::write(&key, "00".repeat(32))?;
    #[cfg(unix)]
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    let env: Vec<(&str, String)> = vec![
        ("AWS_LAMBDA_FUNCTION_NAME", "bench".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "bench".into()),
        ("AWS_SECRET_ACCESS_KEY", "bench".into()),
        ("AWS_SESSION_TOKEN", "bench".into()),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".into()),
        ("TABLE_NAME", "bench".into()),
        ("BUCKET_NAME", "bench".into()),
        ("SECBOARD_DEFAULT_SENDER", "no-reply@example.com".into()),
    ];
    let mut env = env;
    for (from, to) in [("SECBOARD_BENCH_SSL_CERT_FILE", "SSL_CERT_FILE"), ("SECBOARD_BENCH_SSL_CERT_DIR", "SSL_CERT_DIR")] {
        if let Ok(v) = std::env::var(from) {
            env.push((to, v));
        }
    }
    match std::env::var("SECBOARD_BENCH_SSM") {
        Ok(ssm) => {
            put_parameter(&ssm, "/bench/key", &"00".repeat(32), true)?;
            put_parameter(&ssm, "/bench/console-url", "https://console.example.com", false)?;
            // One endpoint for every service (the stand-in), not a per-service one: with only
            // region, credentials and `AWS_ENDPOINT_URL`, the functions build their SDK
            // configuration straight from the environment, as on Lambda (a per-service endpoint
            // would send them through the full default chain, which Lambda never takes).
            for (k, v) in env.iter_mut() {
                if *k == "AWS_ENDPOINT_URL" {
                    *v = ssm.clone();
                }
            }
            env.push(("SECBOARD_KEY_PARAMETER", "/bench/key".into()));
            env.push(("SECBOARD_CONSOLE_URL_PARAMETER", "/bench/console-url".into()));
        }
        Err(_) => {
            env.push(("SECBOARD_CONSOLE_URL", "https://console.example.com".into()));
            env.push(("SECBOARD_KEY_FILE", key.to_string_lossy().into_owned()));
        }
    }
    println!(
        "{:<20} {:>9} {:>9} {:>9} {:>9}  {:>6}  (exec to the answer to the first event, {runs} runs)",
        "binary", "median", "p90", "min", "max", "answer"
    );
    // Round-robin: run k of every binary, then run k+1, so a slow spell of the machine falls on
    // all of them alike and the ratios within one run hold.
    let args: Vec<String> = args.collect();
    for binary in &args {
        once(binary, &env)?; // warm the page cache
    }
    let mut times: Vec<Vec<Run>> = args.iter().map(|_| Vec::with_capacity(runs)).collect();
    for _ in 0..runs {
        for (binary, t) in args.iter().zip(times.iter_mut()) {
            t.push(once(binary, &env)?);
        }
    }
    for (binary, mut t) in args.iter().zip(times) {
        t.sort_by_key(|r| r.elapsed);
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        let name = std::path::Path::new(binary).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or(binary.clone());
        println!(
            "{:<20} {:>9} {:>9} {:>9} {:>9}  {:>6}",
            name,
            ms(t[runs / 2].elapsed),
            ms(t[(runs * 9) / 10].elapsed),
            ms(t[0].elapsed),
            ms(t[runs - 1].elapsed),
            t[0].status
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
