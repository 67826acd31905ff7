//! The composition root: what a function builds once per cold start. It reads the configuration
//! from the environment (and validates it before the first request), loads the deployment key,
//! and builds the store and the blob store over one SDK configuration. HTTP settings belong to
//! `secboard-http`, the mail sender to `secboard-mail`: a function links only what it uses.

use anyhow::{Context as _, bail};
use secboard_blobs::S3Blobs;
use secboard_domain::clock::{Clock, Entropy, OsEntropy, SystemClock};
use secboard_domain::email::Email;
use secboard_domain::flows::Deps;
use secboard_domain::keys::MasterKey;
use secboard_domain::mail::MailConfig;
use secboard_dynamodb::DynamoStore;
use std::sync::Arc;

/// A function's application: the flows' dependencies, where links point, the concrete store (for
/// its round-trip counter), and `B`, the blob store of the functions that keep photos or exports.
#[derive(Clone)]
pub struct App<B = ()> {
    pub deps: Deps,
    /// Where links point and who sends mail.
    pub mail: MailConfig,
    pub store: Arc<DynamoStore>,
    pub blobs: B,
}

/// A variable's value, if set and not blank.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A boolean variable: `true`/`1` or `false`/`0`, `default` when unset.
pub fn flag(name: &str, default: bool) -> anyhow::Result<bool> {
    match env(name).as_deref() {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(v) => bail!("{name} must be true or false, not {v:?}"),
    }
}

/// The AWS configuration from the environment (region, credentials, endpoints), loaded once.
pub async fn sdk_from_env() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// `SECBOARD_CONSOLE_URL` (the console's public base URL, which links point at) and
/// `SECBOARD_DEFAULT_SENDER` (the sender when a company has none for a feature).
pub fn mail_from_env() -> anyhow::Result<MailConfig> {
    let console_url =
        env("SECBOARD_CONSOLE_URL").context("SECBOARD_CONSOLE_URL (the console's public URL, for links in mail) is not set")?;
    if !console_url.starts_with("https://") && !console_url.starts_with("http://127.0.0.1") && !console_url.starts_with("http://localhost")
    {
        bail!("SECBOARD_CONSOLE_URL must be an https URL (plain http only on this machine)");
    }
    let default_sender = env("SECBOARD_DEFAULT_SENDER")
        .map(|s| Email::parse("SECBOARD_DEFAULT_SENDER", &s).map_err(|e| anyhow::anyhow!("{e}")))
        .transpose()?;
    Ok(MailConfig { console_url, default_sender })
}

/// `BUCKET_NAME`: the private bucket of photos and exports.
pub fn bucket_from_env() -> anyhow::Result<String> {
    env("BUCKET_NAME").context("BUCKET_NAME is not set")
}

/// `SECBOARD_TIME_ZONE`: an IANA name, checked against the compiled-in tz database.
pub fn time_zone_from_env() -> anyhow::Result<jiff::tz::TimeZone> {
    let name = env("SECBOARD_TIME_ZONE").unwrap_or_else(|| "UTC".to_owned());
    jiff::tz::TimeZone::get(&name).with_context(|| format!("SECBOARD_TIME_ZONE={name:?} is not an IANA time zone"))
}

/// Reads a key file (64 hex digits), refusing one that others can read.
pub fn load_key_file(path: &std::path::Path) -> anyhow::Result<MasterKey> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!("{} must be readable by its owner only (chmod 600)", path.display());
        }
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    MasterKey::from_hex(&text).with_context(|| format!("{} does not hold 64 hex digits", path.display()))
}

/// The deployment key: an SSM SecureString (`SECBOARD_KEY_PARAMETER`) on AWS, a 0600 key file
/// (`SECBOARD_KEY_FILE`) elsewhere.
pub async fn load_key(sdk: &aws_config::SdkConfig) -> anyhow::Result<MasterKey> {
    if let Some(name) = env("SECBOARD_KEY_PARAMETER") {
        let ssm = aws_sdk_ssm::Client::new(sdk);
        let p =
            ssm.get_parameter().name(&name).with_decryption(true).send().await.with_context(|| format!("reading SSM parameter {name}"))?;
        let value = p.parameter().and_then(|p| p.value()).context("the key parameter has no value")?;
        return MasterKey::from_hex(value).context("the key parameter must hold 64 hex digits");
    }
    if let Some(path) = env("SECBOARD_KEY_FILE") {
        return load_key_file(std::path::Path::new(&path));
    }
    bail!("set SECBOARD_KEY_PARAMETER (an SSM SecureString) or SECBOARD_KEY_FILE (a 0600 file)")
}

impl App {
    /// Builds everything from the environment (on Lambda, once per cold start).
    pub async fn from_env() -> anyhow::Result<App> {
        App::from_sdk(&sdk_from_env().await).await
    }

    /// The same, over an SDK configuration a function shares with its other clients.
    pub async fn from_sdk(sdk: &aws_config::SdkConfig) -> anyhow::Result<App> {
        let table = env("TABLE_NAME").context("TABLE_NAME is not set")?;
        let key = load_key(sdk).await?;
        let mut app = App::new(DynamoStore::new(sdk, table), Arc::new(SystemClock), Arc::new(OsEntropy), time_zone_from_env()?, key);
        app.mail = mail_from_env()?;
        Ok(app)
    }

    /// An application over a store built elsewhere (the local server, tests, the admin tool);
    /// links point at the local server until `mail` is set.
    pub fn new(store: DynamoStore, clock: Arc<dyn Clock>, entropy: Arc<dyn Entropy>, time_zone: jiff::tz::TimeZone, key: MasterKey) -> App {
        let store = Arc::new(store);
        let mail = MailConfig { console_url: "http://127.0.0.1:3000".to_owned(), default_sender: None };
        App { deps: Deps { store: store.clone(), clock, entropy, time_zone, key }, mail, store, blobs: () }
    }

    /// The same application with the private bucket of photos and exports.
    pub fn with_blobs(self, blobs: S3Blobs) -> App<S3Blobs> {
        App { deps: self.deps, mail: self.mail, store: self.store, blobs }
    }

    /// The application of a function that keeps photos or exports: `BUCKET_NAME` too.
    pub async fn with_blobs_from_env() -> anyhow::Result<App<S3Blobs>> {
        let sdk = sdk_from_env().await;
        let blobs = S3Blobs::new(&sdk, bucket_from_env()?);
        Ok(App::from_sdk(&sdk).await?.with_blobs(blobs))
    }
}
