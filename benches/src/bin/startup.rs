//! Start-up time: from exec to the function's first `GET /2018-06-01/runtime/invocation/next`
//! (the moment it is ready for its first event), against a fake Lambda Runtime API on loopback.
//!
//! Usage: startup RUNS BINARY [BINARY ...]   (prints median, p90, min, max per binary)

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn once(binary: &str, key_file: &str) -> anyhow::Result<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("TABLE_NAME", "bench")
        .env("SECBOARD_KEY_FILE", key_file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    listener.set_nonblocking(false)?;
    let (stream, _) = listener.accept()?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let elapsed = started.elapsed();
    anyhow::ensure!(line.contains("/runtime/invocation/next"), "unexpected first request: {line}");
    let mut s = stream;
    let _ = s.write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n");
    let _ = child.kill();
    let _ = child.wait();
    Ok(elapsed)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().ok_or_else(|| anyhow::anyhow!("usage: startup RUNS BINARY..."))?.parse()?;
    let dir = std::env::temp_dir().join(format!("secboard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let key = dir.join("secret.key");
    std::fs::write(&key, "00".repeat(32))?;
    #[cfg(unix)]
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    println!("{:<28} {:>9} {:>9} {:>9} {:>9}  (exec to first /invocation/next, {runs} runs)", "binary", "median", "p90", "min", "max");
    for binary in args {
        once(&binary, &key.to_string_lossy())?; // warm the page cache
        let mut t: Vec<Duration> = (0..runs).map(|_| once(&binary, &key.to_string_lossy())).collect::<anyhow::Result<_>>()?;
        t.sort();
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        let name = std::path::Path::new(&binary).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or(binary.clone());
        println!("{:<28} {:>9} {:>9} {:>9} {:>9}", name, ms(t[runs / 2]), ms(t[(runs * 9) / 10]), ms(t[0]), ms(t[runs - 1]));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
