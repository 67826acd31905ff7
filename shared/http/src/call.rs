//! A request as a flow sees it: the matched route, path and query parameters, the JSON body, the
//! session token, the client address and browser (`User-Agent`), after the CSRF checks.

use crate::app::WebConfig;
use crate::problem::Problem;
use crate::routes::{self, BodyKind, Function, Route};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use secboard_domain::flows::Deps;
use secboard_domain::flows::authorize::{Principal, authorize};
use secboard_domain::ports::Store;
use secboard_domain::session::SessionToken;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use subtle::ConstantTimeEq;

/// Largest JSON body accepted.
pub const BODY_MAX: usize = 64 * 1024;
/// Largest image body read (the photo rule, 2 MB, answers anything between with its reason).
pub const IMAGE_BODY_MAX: usize = 4 * 1024 * 1024;
/// Largest file posted to an import: what Lambda takes in a request (6 MB).
pub const IMPORT_BODY_MAX: usize = 6 * 1024 * 1024;
/// The media types an import accepts.
pub const IMPORT_MEDIA: [&str; 3] = ["application/json", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"];

pub struct Call {
    pub route: &'static Route,
    pub params: HashMap<String, String>,
    pub query: HashMap<String, String>,
    body: Vec<u8>,
    pub source_ip: String,
    pub token: Option<SessionToken>,
    /// The `User-Agent` header as sent (sign-ins keep it, cleaned, on the session).
    pub user_agent: Option<String>,
    /// The body's media type, lower case, without parameters (`application/json`).
    pub media_type: String,
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn host_of(origin: &str) -> &str {
    origin.split_once("://").map(|(_, h)| h).unwrap_or(origin).trim_end_matches('/')
}

impl Call {
    /// Matches the route (it must belong to `function`), checks CSRF and reads what the flows need.
    pub fn from_request(web: &WebConfig, req: Request, function: Function) -> Result<Call, Problem> {
        let method = req.method().as_str().to_owned();
        let path = req.uri().path().to_owned();
        let matched = routes::match_route(&method, &path).filter(|m| m.route.function == function);
        let Some(matched) = matched else {
            return Err(Problem::no_route(&method, &path));
        };
        // A literal resource shadows a parameter route for the methods it lacks: POST on a
        // company's `settings` is not a POST of an item of kind "settings" but a 405. Only a route
        // with a parameter can be shadowed, so the others skip the look-up.
        if matched.route.path().contains('{') && !routes::allowed_methods(&path).contains(&method.as_str()) {
            return Err(Problem::no_route(&method, &path));
        }

        came_through_cloudfront(web, &req)?;
        let changes_state = !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS");
        if changes_state {
            check_csrf(web, &req)?;
        }

        let source_ip = client_ip(web, &req);
        let user_agent = header(&req, "user-agent").map(str::to_owned);
        let cookie_name = web.cookie_name();
        let token = req
            .headers()
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == cookie_name)
            .and_then(|(_, v)| SessionToken::parse(v));

        let query: HashMap<String, String> =
            req.query_string_parameters_ref().map(|q| q.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()).unwrap_or_default();
        let query = if query.is_empty() {
            // Requests built without API Gateway's parsing (tests, the local server) carry the raw query.
            req.uri()
                .query()
                .map(|q| {
                    let mut m = HashMap::new();
                    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
                        m.entry(k.into_owned()).or_insert_with(|| v.into_owned());
                    }
                    m
                })
                .unwrap_or_default()
        } else {
            query
        };

        let body = match req.body() {
            Body::Empty => vec![],
            Body::Text(t) => t.as_bytes().to_vec(),
            Body::Binary(b) => b.clone(),
            _ => vec![],
        };
        let max = match matched.route.body {
            BodyKind::Image => IMAGE_BODY_MAX,
            BodyKind::Import => IMPORT_BODY_MAX,
            BodyKind::Json => BODY_MAX,
        };
        if body.len() > max {
            return Err(Problem::new(413, "Content Too Large", format!("the body may be at most {max} bytes")));
        }
        let media = header(&req, "content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        // A write carries a media type a cross-site form or simple request cannot send, whatever
        // its body: a POST, PUT or PATCH always, a DELETE when it has a body.
        if matches!(method.as_str(), "POST" | "PUT" | "PATCH") || (changes_state && !body.is_empty()) {
            match matched.route.body {
                BodyKind::Import if !IMPORT_MEDIA.contains(&media.as_str()) => {
                    return Err(Problem::new(
                        415,
                        "Unsupported Media Type",
                        "send the file itself: a Django dump as application/json, a spreadsheet as text/csv or .xlsx",
                    )
                    .with("field", "file"));
                }
                BodyKind::Json if media != "application/json" => {
                    return Err(Problem::new(415, "Unsupported Media Type", "send JSON with Content-Type: application/json"));
                }
                BodyKind::Image if media != "image/jpeg" && media != "image/png" => {
                    return Err(Problem::new(
                        415,
                        "Unsupported Media Type",
                        "send the photo itself with Content-Type: image/jpeg or image/png",
                    )
                    .with("field", "photo"));
                }
                _ => {}
            }
        }
        Ok(Call { route: matched.route, params: matched.params, query, body, source_ip, token, user_agent, media_type: media })
    }

    /// The raw body (photo uploads).
    pub fn bytes(&self) -> Vec<u8> {
        self.body.clone()
    }

    pub fn key(&self) -> &'static str {
        self.route.key
    }

    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// A yes/no query parameter: absent, `false` or `0` is no; `true` or `1` yes; anything else
    /// is refused naming the parameter.
    pub fn flag(&self, name: &'static str) -> Result<bool, Problem> {
        match self.query(name) {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(_) => Err(Problem::new(400, "Invalid input", format!("{name}: must be true or false")).with("field", name)),
        }
    }

    /// The JSON body as `T`; an empty body reads as `{}`. A bad body is refused naming the field.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &self.body };
        let parsed = crate::strict::parse(body).map_err(unreadable)?;
        // Read strictly: serde alone reads an array where a struct belongs, by position (strict.rs).
        crate::strict::read(&parsed).map_err(|(path, e)| bad_body(path, e))
    }

    /// Authorises the caller for this route (one store round trip).
    pub async fn principal<S: Store + ?Sized>(&self, deps: &Deps<S>) -> Result<Principal, Problem> {
        Ok(authorize(deps, self.token.as_ref(), self.route.access, &self.source_ip).await?)
    }
}

/// A body that is not JSON, or names a key twice, as a 400 naming the body or that key.
fn unreadable(e: serde_json::Error) -> Problem {
    let msg = e.to_string();
    let field = msg.strip_prefix(crate::strict::DUPLICATE).and_then(|rest| rest.split('`').next()).unwrap_or("body").to_owned();
    invalid_body(field, &msg)
}

/// The 400 for a body, naming `field`, in serde's words without the position (noise to a client).
fn invalid_body(field: String, msg: &str) -> Problem {
    let clean = msg.split(" at line ").next().unwrap_or(msg);
    Problem::new(400, "Invalid input", format!("{field}: {clean}")).with("field", field)
}

/// A body serde could not read, as a 400 naming the field at fault.
fn bad_body(path: String, inner: serde_json::Error) -> Problem {
    let msg = inner.to_string();
    let field = if let Some(rest) = msg.strip_prefix("unknown field `") {
        rest.split('`').next().unwrap_or("body").to_owned()
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("body");
        if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") }
    } else if inner.is_syntax() || inner.is_eof() || path.is_empty() {
        "body".to_owned()
    } else {
        path
    };
    invalid_body(field, &msg)
}

/// Behind CloudFront, a request without the origin secret did not come through the distribution
/// (someone called the API's own endpoint): refused before anything it claims is believed. The
/// secrets are compared in constant time.
pub fn came_through_cloudfront(web: &WebConfig, req: &Request) -> Result<(), Problem> {
    if !web.behind_cloudfront {
        return Ok(());
    }
    let sent = header(req, crate::app::ORIGIN_SECRET_HEADER).unwrap_or("").as_bytes();
    let known = web.origin_secrets.iter().fold(false, |ok, s| ok | bool::from(s.as_bytes().ct_eq(sent)));
    if known {
        Ok(())
    } else {
        Err(Problem::new(403, "Forbidden", "requests come through the console's address").code("not_through_cloudfront"))
    }
}

/// The origin a browser's request must come from: the configured one, else behind CloudFront the
/// address the browser asked for (copied by the distribution), else the `Host` it reached.
fn our_origin(web: &WebConfig, req: &Request) -> Option<String> {
    if let Some(p) = &web.public_origin {
        return Some(p.trim_end_matches('/').to_owned());
    }
    if web.behind_cloudfront {
        return header(req, crate::app::VIEWER_HOST_HEADER).map(|h| format!("https://{h}"));
    }
    header(req, "host").map(|h| format!("http://{h}"))
}

/// State-changing requests from another site are refused: `Sec-Fetch-Site` must be same-origin
/// (or absent, as from curl), and an `Origin` must be ours.
fn check_csrf(web: &WebConfig, req: &Request) -> Result<(), Problem> {
    let refuse = || Problem::new(403, "Forbidden", "cross-site requests may not change anything").code("cross_site");
    if let Some(site) = header(req, "sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Err(refuse());
    }
    if let Some(origin) = header(req, "origin") {
        let ours = match our_origin(web, req) {
            // Directly reached (locally), the scheme is whatever the browser used.
            Some(o) if web.public_origin.is_none() && !web.behind_cloudfront => host_of(origin).eq_ignore_ascii_case(host_of(&o)),
            Some(o) => origin.trim_end_matches('/').eq_ignore_ascii_case(&o),
            None => false,
        };
        if !ours {
            return Err(refuse());
        }
    }
    Ok(())
}

fn client_ip(web: &WebConfig, req: &Request) -> String {
    if web.behind_cloudfront
        && let Some(v) = header(req, "cloudfront-viewer-address")
    {
        // "203.0.113.7:46532" or "2001:db8::1:46532": the port is after the last colon.
        return v.rsplit_once(':').map(|(ip, _)| ip).unwrap_or(v).to_owned();
    }
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// A JSON answer.
pub fn json<T: serde::Serialize>(status: u16, body: &T) -> Result<Response<Body>, Problem> {
    let text = serde_json::to_string(body).map_err(|e| Problem::from(secboard_domain::Error::unexpected(e)))?;
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Body::Text(text))
        .map_err(|e| Problem::from(secboard_domain::Error::unexpected(e)))
}

pub fn no_content() -> Result<Response<Body>, Problem> {
    Response::builder()
        .status(204)
        .header("cache-control", "no-store")
        .body(Body::Empty)
        .map_err(|e| Problem::from(secboard_domain::Error::unexpected(e)))
}

/// Adds the session cookie (or clears it with `None`).
pub fn with_cookie(mut resp: Response<Body>, web: &WebConfig, token: Option<&SessionToken>) -> Response<Body> {
    let name = web.cookie_name();
    let secure = if web.cookie_secure { "; Secure" } else { "" };
    let value = match token {
        Some(t) => format!(
            "{name}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            t.cookie_value(),
            secboard_domain::session::ABSOLUTE_TIMEOUT.as_secs()
        ),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    if let Ok(v) = http::HeaderValue::from_str(&value) {
        resp.headers_mut().append("set-cookie", v);
    }
    resp
}

/// The answer to a step of sign-in: `{"next": gate}`, with the session's new cookie when it
/// moved on (the cookie sent with the request no longer works).
pub fn stepped(web: &WebConfig, step: secboard_domain::flows::authorize::Step) -> Result<Response<Body>, Problem> {
    let resp = json(200, &secboard_domain::flows::replies::Next { next: step.next })?;
    Ok(match &step.token {
        Some(token) => with_cookie(resp, web, Some(token)),
        None => resp,
    })
}
