//! problem+json (RFC 9457): the one place a domain error becomes an HTTP answer.

use lambda_http::{Body, Response};
use secboard_domain::Error;
use serde_json::{Value, json};

#[derive(Debug)]
pub struct Problem {
    pub status: u16,
    pub title: &'static str,
    /// A stable name for what went wrong, for clients to act on (titles and details are words).
    pub code: &'static str,
    pub detail: String,
    /// Extra members (`field`, `right`, `gate`).
    pub extra: Vec<(&'static str, Value)>,
    pub retry_after: Option<u64>,
    /// The methods a path does answer, for a 405 (RFC 9110 requires `Allow` there).
    pub allow: Option<Box<str>>,
}

impl Problem {
    pub fn new(status: u16, title: &'static str, detail: impl Into<String>) -> Self {
        Problem { status, title, code: default_code(status), detail: detail.into(), extra: vec![], retry_after: None, allow: None }
    }
    /// The same problem under a more precise code.
    pub fn code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
    pub fn with(mut self, k: &'static str, v: impl Into<Value>) -> Self {
        self.extra.push((k, v.into()));
        self
    }
    pub fn not_found() -> Self {
        Problem::new(404, "Not Found", "no such route")
    }
    /// 404 for a path no route has; 405 with `Allow` for a method the path does not answer.
    pub fn no_route(method: &str, path: &str) -> Self {
        let allowed = crate::routes::allowed_methods(path);
        if allowed.is_empty() {
            return Problem::not_found();
        }
        let mut p = Problem::new(405, "Method Not Allowed", format!("{method} is not allowed on {path}"));
        p.allow = Some(allowed.join(", ").into());
        p
    }

    pub fn into_response(self) -> Response<Body> {
        let mut body = json!({
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        });
        for (k, v) in self.extra {
            body[k] = v;
        }
        let mut b =
            Response::builder().status(self.status).header("content-type", "application/problem+json").header("cache-control", "no-store");
        if let Some(s) = self.retry_after {
            b = b.header("retry-after", s.to_string());
        }
        if let Some(methods) = &self.allow {
            b = b.header("allow", &**methods);
        }
        b.body(Body::Text(body.to_string())).unwrap_or_else(|_| Response::new(Body::Empty))
    }
}

/// The code of a problem no more precise one was given for, by its status.
fn default_code(status: u16) -> &'static str {
    match status {
        400 => "invalid_input",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "too_large",
        415 => "unsupported_media_type",
        429 => "throttled",
        503 => "unavailable",
        _ => "internal",
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid { field, message } => Problem::new(400, "Invalid input", format!("{field}: {message}")).with("field", field),
            Error::Unauthenticated => Problem::new(401, "Unauthorized", "sign in first"),
            Error::SignInRefused => Problem::new(401, "Unauthorized", Error::SignInRefused.to_string()).code("sign_in_refused"),
            Error::Gated(g) => Problem::new(403, "Forbidden", format!("this session must first complete the {g} step"))
                .code("gate_pending")
                .with("gate", g.as_str()),
            Error::Forbidden { module, action } => {
                let right = format!("{module}.{action}");
                Problem::new(403, "Forbidden", format!("missing right {right}")).code("missing_right").with("right", right)
            }
            Error::NotPermitted { field, message } => {
                Problem::new(403, "Forbidden", format!("{field}: {message}")).code("not_permitted").with("field", field)
            }
            Error::NotFound(what) => Problem::new(404, "Not Found", format!("{what} not found")),
            Error::UnknownId { field, what } => Problem::new(404, "Not Found", format!("{field}: no such {what}")).with("field", field),
            Error::Conflict { field, message, code, counts } => {
                let mut p = Problem::new(409, "Conflict", message).code(code);
                if let Some(f) = field {
                    p = p.with("field", f);
                }
                // The numbers the detail names, for a client to say in its own language.
                for (name, n) in counts {
                    p = p.with(name, n);
                }
                p
            }
            Error::Reauthenticate => Problem::new(403, "Forbidden", Error::Reauthenticate.to_string())
                .code("reauthenticate")
                .with("field", "password")
                .with("reauthenticate", true),
            Error::Throttled { retry_after_secs } => {
                let mut p = Problem::new(429, "Too Many Requests", "too many attempts; wait before trying again");
                p.retry_after = Some(retry_after_secs);
                p
            }
            Error::Unavailable { retry_after_secs } => {
                tracing::warn!(retry_after_secs, "a dependency is unavailable");
                let mut p = Problem::new(503, "Service Unavailable", Error::Unavailable { retry_after_secs }.to_string());
                p.retry_after = Some(retry_after_secs);
                p
            }
            Error::Unexpected(e) => {
                // The chain goes to the log (it never holds a secret); the client learns nothing.
                tracing::error!(error = format!("{e:#}"), "unexpected error");
                Problem::new(500, "Internal Server Error", "something went wrong on our side; it has been logged")
            }
        }
    }
}

/// The answer for a flow's result.
pub fn respond(result: Result<Response<Body>, Problem>) -> Response<Body> {
    result.unwrap_or_else(Problem::into_response)
}
