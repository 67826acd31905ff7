//! The deployed path: each function configured as template.yaml configures it (Globals, with
//! placeholders for what CloudFormation resolves), and requests shaped as CloudFront and API
//! Gateway deliver them: the execute-api `Host`, the console's `Origin`, `Sec-Fetch-Site`, the
//! viewer's address and host, the origin secret CloudFront adds, cookies, the HTTP API v2 event.

use secboard_http::{ORIGIN_SECRET_HEADER, VIEWER_HOST_HEADER, WebConfig};
use secboard_infra::gateway::{Functions, to_gateway_request};
use secboard_tests::*;
use serde_json::{Value, json};
use serde_norway::Value as Yaml;
use std::collections::HashMap;

const EXECUTE_API: &str = "abc123def4.execute-api.eu-west-1.amazonaws.com";
const CONSOLE_HOST: &str = "d111111abcdef8.cloudfront.net";
/// A CloudFront edge's address: what API Gateway sees as the source of every request.
const EDGE: &str = "130.176.98.7";
const SECRET: &str = "placeholder-origin-secret-of-48-characters-abcdef";

/// The functions' variables as the template's Globals set them; what CloudFormation resolves
/// (`!Ref`, `!Sub`, dynamic references) becomes a placeholder, the origin secret `SECRET`.
fn template_environment() -> HashMap<String, String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let doc: Yaml = serde_norway::from_str(&text).unwrap();
    let vars = doc["Globals"]["Function"]["Environment"]["Variables"].as_mapping().unwrap();
    vars.iter()
        .map(|(k, v)| {
            let k = k.as_str().unwrap().to_owned();
            let v = match v {
                Yaml::String(s) => s.clone(),
                Yaml::Tagged(t) => match t.value.as_str() {
                    Some(s) if s.contains("{{resolve:secretsmanager") && s.ends_with(":current}}") => SECRET.to_owned(),
                    Some(s) if s.contains("{{resolve:secretsmanager") => String::new(),
                    _ => format!("placeholder-{k}"),
                },
                other => panic!("{k}: {other:?}"),
            };
            (k, v)
        })
        .collect()
}

fn deployed_web() -> WebConfig {
    let env = template_environment();
    WebConfig::from_lookup(|name| env.get(name).cloned()).expect("the template's settings are valid")
}

struct Edge {
    functions: Functions,
}

impl Edge {
    fn new(t: &TestApp) -> Edge {
        Edge { functions: Functions::new(t.app.clone(), deployed_web(), t.blobs.clone()) }
    }

    /// A request as CloudFront forwards it (through the origin request policy) and API Gateway
    /// delivers it; `extra` headers are added, `drop` ones left out.
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        extra: &[(&str, &str)],
        drop: &[&str],
    ) -> (u16, Value, Vec<String>) {
        let mut headers: Vec<(&str, String)> = vec![
            ("host", EXECUTE_API.into()),
            ("origin", format!("https://{CONSOLE_HOST}")),
            ("sec-fetch-site", "same-origin".into()),
            ("cloudfront-viewer-address", "2001:db8:1:2::5:41234".into()),
            (VIEWER_HOST_HEADER, CONSOLE_HOST.into()),
            (ORIGIN_SECRET_HEADER, SECRET.into()),
            ("user-agent", "Mozilla/5.0".into()),
            ("content-type", "application/json".into()),
            ("x-forwarded-for", format!("2001:db8:1:2::5, {EDGE}")),
        ];
        for (k, v) in extra {
            headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
            headers.push((k, (*v).to_owned()));
        }
        headers.retain(|(h, _)| !drop.iter().any(|d| d.eq_ignore_ascii_case(h)));
        let mut b = http::Request::builder().method(method).uri(path);
        for (k, v) in &headers {
            b = b.header(*k, v);
        }
        let body = body.map(|v| lambda_http::Body::Text(v.to_string())).unwrap_or(lambda_http::Body::Empty);
        let resp = self.functions.dispatch(to_gateway_request(b.body(body).unwrap(), EDGE)).await;
        let status = resp.status().as_u16();
        assert!(status < 500, "a 5xx reached the client: {status}");
        let cookies = resp.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        let body = match resp.body() {
            lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
            _ => Value::Null,
        };
        (status, body, cookies)
    }
}

#[tokio::test]
async fn the_template_sets_up_the_functions_behind_cloudfront_with_an_origin_secret() {
    let web = deployed_web();
    assert!(web.behind_cloudfront && web.cookie_secure);
    assert_eq!(web.origin_secrets, [SECRET]);
    let env = template_environment();
    assert!(!env.contains_key("SECBOARD_CONSOLE_URL"), "no address needed before the first deploy: it is read from SSM");
    assert!(env.contains_key("SECBOARD_CONSOLE_URL_PARAMETER"));
}

#[tokio::test]
async fn a_browser_signs_in_and_writes_through_cloudfront_and_a_cross_site_write_is_refused() {
    let t = TestApp::spawn().await;
    let edge = Edge::new(&t);
    let (status, body, cookies) =
        edge.send("POST", "/api/auth/login", Some(json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD })), &[], &[]).await;
    assert_eq!(status, 200, "{body}");
    let cookie = cookies.iter().find(|c| c.starts_with("__Host-secboard_session=")).expect("a __Host- cookie").clone();
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();

    // A write from the console: its Origin is the address the browser used, not API Gateway's Host.
    let (status, body, _) =
        edge.send("POST", "/api/org/companies", Some(json!({ "name": "Through CloudFront" })), &[("cookie", &cookie)], &[]).await;
    assert_eq!(status, 201, "{body}");

    // Another site's page: refused, whatever it claims.
    for extra in [
        vec![("cookie", cookie.as_str()), ("origin", "https://evil.example")],
        vec![("cookie", cookie.as_str()), ("sec-fetch-site", "cross-site")],
        vec![("cookie", cookie.as_str()), ("origin", &format!("https://{EXECUTE_API}"))],
    ] {
        let (status, body, _) = edge.send("POST", "/api/org/companies", Some(json!({ "name": "Evil" })), &extra, &[]).await;
        assert_eq!(status, 403, "{extra:?}: {body}");
    }
}

#[tokio::test]
async fn a_call_to_the_apis_own_endpoint_without_the_origin_secret_is_refused() {
    let t = TestApp::spawn().await;
    let edge = Edge::new(&t);
    let login = json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD });
    // Straight to execute-api: no secret, and a viewer address of its own choosing.
    let (status, body, cookies) = edge
        .send("POST", "/api/auth/login", Some(login.clone()), &[("cloudfront-viewer-address", "198.51.100.1:1")], &[ORIGIN_SECRET_HEADER])
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(cookies.is_empty());
    let (status, _, _) = edge
        .send(
            "POST",
            "/api/auth/login",
            Some(login.clone()),
            &[(ORIGIN_SECRET_HEADER, "a-guess-of-the-right-length-0000000000000000000000")],
            &[],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _, _) = edge.send("GET", "/api/health", None, &[], &[ORIGIN_SECRET_HEADER]).await;
    assert_eq!(status, 403, "reads too");
    // The previous secret still passes while a rotation propagates.
    let mut web = deployed_web();
    web.origin_secrets = vec!["the-new-origin-secret-0000000000000000000000000000".into(), SECRET.into()];
    let rotating = Edge { functions: Functions::new(t.app.clone(), web, t.blobs.clone()) };
    let (status, body, _) = rotating.send("POST", "/api/auth/login", Some(login), &[], &[]).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_throttle_keys_on_the_viewer_and_an_ipv6_viewer_on_its_64() {
    let t = TestApp::spawn().await;
    let edge = Edge::new(&t);
    let wrong = json!({ "email": ADMIN_EMAIL, "password": "not the password at all" });
    // One client walking its /64: every attempt from another address of it.
    let mut statuses = vec![];
    for i in 1..=8 {
        let viewer = format!("2001:db8:1:2::{i:x}:443");
        let (status, _, _) =
            edge.send("POST", "/api/auth/login", Some(wrong.clone()), &[("cloudfront-viewer-address", &viewer)], &[]).await;
        statuses.push(status);
    }
    assert!(statuses.contains(&429), "the /64 is held: {statuses:?}");
    // A stranger behind the same CloudFront edge, from another /64, is not.
    let (status, body, _) = edge
        .send(
            "POST",
            "/api/auth/login",
            Some(json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD })),
            &[("cloudfront-viewer-address", "2001:db8:9:9::1:443")],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The audit log keeps the viewer's own address, not the edge's.
    let admin = t.get("/api/me").await.body["id"].as_str().unwrap().to_owned();
    let audit = t.get(&format!("/api/audit?user={admin}")).await.body.to_string();
    assert!(audit.contains("2001:db8:1:2::1") && !audit.contains(EDGE), "{audit}");
}

/// The CloudFront Function of template.yaml, run by Node.js (its `cloudfront-js-2.0` code is plain
/// ECMAScript): it copies the host the browser asked for into the header the CSRF check trusts,
/// overwriting whatever a viewer sent in that header, and the API's origin request policy
/// forwards that header (and the viewer's address) to the functions.
#[test]
fn the_viewer_host_function_overwrites_what_a_viewer_sends_and_its_header_reaches_the_api() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let doc: Yaml = serde_norway::from_str(&text).unwrap();
    let function = &doc["Resources"]["ViewerHostFunction"]["Properties"];
    assert_eq!(function["FunctionConfig"]["Runtime"].as_str(), Some("cloudfront-js-2.0"));
    let code = function["FunctionCode"].as_str().expect("inline function code");
    let header = VIEWER_HOST_HEADER.to_ascii_lowercase();
    let run = |event: Value| -> Value {
        let script = format!("{code}\nprocess.stdout.write(JSON.stringify(handler({event})));");
        let out = std::process::Command::new("node")
            .args(["-e", &script])
            .output()
            .expect("node (Node.js) runs the CloudFront Function: infra/test-all.sh installs it");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let forged = json!({ "request": { "method": "POST", "uri": "/api/users", "headers": {
        "host": { "value": "d111111abcdef8.cloudfront.net" },
        header.clone(): { "value": "evil.example" }
    } } });
    let r = run(forged);
    assert_eq!(r["headers"][&header]["value"], "d111111abcdef8.cloudfront.net", "{r}");
    assert_eq!(r["uri"], "/api/users", "the request goes on unchanged otherwise");
    let r = run(json!({ "request": { "method": "GET", "uri": "/api/me", "headers": {} } }));
    assert_eq!(r["headers"][&header]["value"], "", "no Host, no origin to trust: {r}");

    let forwarded: Vec<String> =
        doc["Resources"]["ApiOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_ascii_lowercase())
            .collect();
    for needed in [header.as_str(), "origin", "sec-fetch-site", "cloudfront-viewer-address"] {
        assert!(forwarded.iter().any(|h| h == needed), "the API's origin request policy does not forward {needed}: {forwarded:?}");
    }
    assert!(!forwarded.iter().any(|h| h == "host"), "Host must stay API Gateway's own");
    let functions = &doc["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"];
    let api = functions.as_sequence().unwrap().iter().find(|b| b["PathPattern"].as_str() == Some("/api/*")).expect("an /api/* behaviour");
    let associated = api["FunctionAssociations"].as_sequence().expect("the /api/* behaviour runs the function");
    assert!(associated.iter().any(|a| a["EventType"].as_str() == Some("viewer-request")), "{associated:?}");
}
