//! How a function is reached: its HTTP settings, read from the environment at cold start, and the
//! context an HTTP function serves from (its application and those settings).

use anyhow::bail;

#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Served over HTTPS: cookies get `Secure` and the `__Host-` prefix.
    pub cookie_secure: bool,
    /// The console's origin (`https://console.example.com`): requests whose `Origin` differs are
    /// refused. Without it, `Origin` must match the `Host` header.
    pub public_origin: Option<String>,
    /// Behind CloudFront: the client address comes from `CloudFront-Viewer-Address`.
    pub behind_cloudfront: bool,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn flag(name: &str, default: bool) -> anyhow::Result<bool> {
    match env(name).as_deref() {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(v) => bail!("{name} must be true or false, not {v:?}"),
    }
}

impl WebConfig {
    /// `SECBOARD_COOKIE_SECURE` (default true), `SECBOARD_PUBLIC_ORIGIN`, `SECBOARD_BEHIND_CLOUDFRONT`.
    pub fn from_env() -> anyhow::Result<WebConfig> {
        Ok(WebConfig {
            cookie_secure: flag("SECBOARD_COOKIE_SECURE", true)?,
            public_origin: env("SECBOARD_PUBLIC_ORIGIN"),
            behind_cloudfront: flag("SECBOARD_BEHIND_CLOUDFRONT", false)?,
        })
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
}
