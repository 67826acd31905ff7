//! The local outbox page lists live links: the server serves it only on a loopback address.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `secboard-local --listen listen`, waits for its banner, and answers the full responses
/// to `GET path` for each path, asked on 127.0.0.1, with the banner.
fn responses(listen: &str, port: u16, paths: &[&str]) -> (Vec<String>, String) {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_secboard-local"))
        .args(["--listen", listen, "--data"])
        .arg(data.path())
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting secboard-local");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let server = Server(child);
    let mut line = String::new();
    let started = Instant::now();
    while !line.contains("is running at") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "secboard-local stopped before it was running");
        assert!(started.elapsed() < Duration::from_secs(60), "secboard-local did not start");
    }
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut all = vec![];
    for path in paths {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n").as_bytes()).unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        all.push(resp);
    }
    drop(server);
    (all, line)
}

fn outbox_status(listen: &str, port: u16) -> u16 {
    let (r, _) = responses(listen, port, &["/outbox"]);
    r[0].split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_local_server_sends_cloudfronts_security_headers_on_the_console_and_the_api() {
    let port = free_port();
    let (answers, banner) = responses(&format!("127.0.0.1:{port}"), port, &["/", "/password.html", "/api/health", "/outbox"]);
    let s3 = banner.split("S3: ").nth(1).unwrap().trim().trim_end_matches(')').to_owned();
    let want = secboard_http::headers::all(&s3);
    for a in &answers {
        let head = a.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
        for (name, value) in &want {
            assert!(head.contains(&format!("{name}: {}", value.to_ascii_lowercase())), "{name}: {value} missing from\n{head}");
        }
    }
}

#[test]
fn the_outbox_is_served_on_loopback_only() {
    let port = free_port();
    assert_eq!(outbox_status(&format!("127.0.0.1:{port}"), port), 200);
    // Listening on every address (still asked from this machine): the page is not served.
    let port = free_port();
    assert_eq!(outbox_status(&format!("0.0.0.0:{port}"), port), 404);
}

#[test]
fn only_loopback_addresses_count() {
    for (a, served) in
        [("127.0.0.1:3000", true), ("[::1]:3000", true), ("0.0.0.0:3000", false), ("[::]:3000", false), ("192.0.2.1:3000", false)]
    {
        assert_eq!(secboard_infra::outbox_served(&a.parse().unwrap()), served, "{a}");
    }
}
