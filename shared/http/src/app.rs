//! How a function is reached: its HTTP settings, read from the environment at cold start, and the
//! context an HTTP function serves from (its application and those settings).

use crate::call::Call;
use crate::problem::{Problem, respond};
use crate::routes::Function;
use anyhow::bail;
use lambda_http::{Body, Request, Response};
use secboard_domain::flows::Deps;
use secboard_domain::flows::authorize::Principal;
use secboard_domain::ports::Store;

#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Served over HTTPS: cookies get `Secure` and the `__Host-` prefix.
    pub cookie_secure: bool,
    /// The console's origin (`https://console.example.com`): requests whose `Origin` differs are
    /// refused. Without it, `Origin` must match the `Host` header.
    pub public_origin: Option<String>,
    /// Behind CloudFront: every request must carry one of `origin_secrets` in
    /// [`ORIGIN_SECRET_HEADER`] (CloudFront adds it; a direct call to the API's own endpoint cannot),
    /// and only then are `CloudFront-Viewer-Address` (the client) and [`VIEWER_HOST_HEADER`] (the
    /// address the browser used, set by the distribution's viewer-request function) believed.
    pub behind_cloudfront: bool,
    /// The origin secret CloudFront sends and, while a rotation propagates, the previous one.
    pub origin_secrets: Vec<String>,
}

/// The header CloudFront adds to every request it sends the API (template.yaml, OriginCustomHeaders).
pub const ORIGIN_SECRET_HEADER: &str = "x-secboard-origin-verify";
/// The host the browser asked for, copied by the distribution's viewer-request function (CloudFront
/// does not forward `Host`: API Gateway must see its own).
pub const VIEWER_HOST_HEADER: &str = "x-secboard-viewer-host";
/// The shortest origin secret accepted.
pub const ORIGIN_SECRET_MIN: usize = 32;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn flag(value: Option<String>, name: &str, default: bool) -> anyhow::Result<bool> {
    match value.as_deref() {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(v) => bail!("{name} must be true or false, not {v:?}"),
    }
}

impl WebConfig {
    /// `SECBOARD_COOKIE_SECURE` (default true), `SECBOARD_PUBLIC_ORIGIN`, `SECBOARD_BEHIND_CLOUDFRONT`
    /// with `SECBOARD_ORIGIN_SECRET` (and `SECBOARD_ORIGIN_SECRET_PREVIOUS` during a rotation).
    pub fn from_env() -> anyhow::Result<WebConfig> {
        WebConfig::from_lookup(env)
    }

    /// The same from any source of variables (a test reads them from template.yaml).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<WebConfig> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let origin_secrets: Vec<String> =
            ["SECBOARD_ORIGIN_SECRET", "SECBOARD_ORIGIN_SECRET_PREVIOUS"].into_iter().filter_map(get).collect();
        let web = WebConfig {
            cookie_secure: flag(get("SECBOARD_COOKIE_SECURE"), "SECBOARD_COOKIE_SECURE", true)?,
            public_origin: get("SECBOARD_PUBLIC_ORIGIN"),
            behind_cloudfront: flag(get("SECBOARD_BEHIND_CLOUDFRONT"), "SECBOARD_BEHIND_CLOUDFRONT", false)?,
            origin_secrets,
        };
        web.check()?;
        Ok(web)
    }

    /// Behind CloudFront, an origin secret long enough to be one is required.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.behind_cloudfront && self.origin_secrets.is_empty() {
            bail!("SECBOARD_BEHIND_CLOUDFRONT needs SECBOARD_ORIGIN_SECRET: without it anyone could claim any viewer address");
        }
        if self.origin_secrets.iter().any(|s| s.len() < ORIGIN_SECRET_MIN) {
            bail!("SECBOARD_ORIGIN_SECRET must be at least {ORIGIN_SECRET_MIN} characters");
        }
        Ok(())
    }

    /// Settings for a server reached directly (the local one, tests): no CloudFront in front.
    pub fn direct(cookie_secure: bool) -> WebConfig {
        WebConfig { cookie_secure, public_origin: None, behind_cloudfront: false, origin_secrets: vec![] }
    }

    pub fn cookie_name(&self) -> &'static str {
        if self.cookie_secure { "__Host-secboard_session" } else { "secboard_session" }
    }
}

/// What an HTTP function serves from: its application `A` (built by the composition root) and
/// how it is reached.
#[derive(Clone)]
pub struct Context<A> {
    pub app: A,
    pub web: WebConfig,
}

impl<A> Context<A> {
    /// `app` with the HTTP settings of the environment.
    pub fn from_env(app: A) -> anyhow::Result<Context<A>> {
        Ok(Context { app, web: WebConfig::from_env()? })
    }

    /// Answers `req` as `function`'s: the request is read and checked (route, CSRF, body) into a
    /// [`Call`], `route` answers it, and any refusal on the way is problem+json.
    pub async fn serve<F, Fut>(&self, req: Request, function: Function, route: F) -> Response<Body>
    where
        F: FnOnce(Call) -> Fut,
        Fut: Future<Output = Result<Response<Body>, Problem>>,
    {
        respond(async { route(Call::from_request(&self.web, req, function)?).await }.await)
    }

    /// The same for a function whose every route is authorised: the caller is found (one store
    /// round trip) before `route` sees the call.
    pub async fn signed_in<S, F, Fut>(&self, req: Request, function: Function, route: F) -> Response<Body>
    where
        A: AsRef<Deps<S>>,
        S: Store + ?Sized,
        F: FnOnce(Call, Principal) -> Fut,
        Fut: Future<Output = Result<Response<Body>, Problem>>,
    {
        self.serve(req, function, |call| async {
            let principal = call.principal(self.app.as_ref()).await?;
            route(call, principal).await
        })
        .await
    }
}
