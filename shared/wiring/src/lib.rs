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

pub mod ssm;
pub mod tls;

/// A function's application: the flows' dependencies, where links point, the concrete store (for
/// its round-trip counter), and `B`, the blob store of the functions that keep photos or exports.
#[derive(Clone)]
pub struct App<B = ()> {
    /// The flows' dependencies over the concrete store, so a function links only the store
    /// operations its flows call.
    pub deps: Deps<DynamoStore>,
    /// Where links point and who sends mail.
    pub mail: MailConfig,
    pub store: Arc<DynamoStore>,
    pub blobs: B,
}

/// Logs as Lambda's advanced logging controls ask: JSON when `AWS_LAMBDA_LOG_FORMAT` is `JSON`,
/// the level from `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`, else INFO). One level for every
/// target, so no directive parser (and its regular expressions) is linked into each function.
pub fn init_logging() {
    let level = env("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|| env("RUST_LOG"))
        .and_then(|l| l.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let logs = tracing_subscriber::fmt().with_target(false).without_time().with_max_level(level);
    if env("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().init();
    } else {
        logs.init();
    }
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

/// The AWS configuration from the environment, loaded once per cold start.
///
/// On Lambda the region and the role's credentials are environment variables, so the
/// configuration is built from them directly: the default chains would look for profile files,
/// web identity, container and instance credentials first, and that is most of a cold start (see
/// benches/README.md). Anywhere else (a profile, container or web-identity credentials such as
/// SnapStart's, per-service endpoints) the full default chain is used, so every way AWS delivers
/// credentials still works.
///
/// Every SDK client built over it shares one HTTPS client, so one TLS root store is built per
/// cold start (see [`tls::https_client`]) rather than one per client.
pub async fn sdk_from_env() -> aws_config::SdkConfig {
    let per_service_endpoint = std::env::vars_os().any(|(k, _)| k.to_string_lossy().starts_with("AWS_ENDPOINT_URL_"));
    let https = tls::https_client();
    match direct_from_env(|name| std::env::var(name).ok()).filter(|_| !per_service_endpoint) {
        Some(sdk) => sdk.into_builder().http_client(https).build(),
        None => aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https).load().await,
    }
}

/// Variables that ask for more than region, static credentials and one endpoint.
const NEEDS_THE_CHAIN: &[&str] = &[
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
];

/// The configuration built straight from the environment, when it holds everything: a region,
/// an access key and secret (and session token, as Lambda gives), at most `AWS_ENDPOINT_URL`.
fn direct_from_env(var: impl Fn(&str) -> Option<String>) -> Option<aws_config::SdkConfig> {
    use aws_credential_types::provider::SharedCredentialsProvider;
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    if NEEDS_THE_CHAIN.iter().any(|n| set(n).is_some()) {
        return None;
    }
    let region = set("AWS_REGION").or_else(|| set("AWS_DEFAULT_REGION"))?;
    let credentials = aws_credential_types::Credentials::new(
        set("AWS_ACCESS_KEY_ID")?,
        set("AWS_SECRET_ACCESS_KEY")?,
        set("AWS_SESSION_TOKEN"),
        None,
        "Environment",
    );
    let mut sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials));
    if let Some(url) = set("AWS_ENDPOINT_URL") {
        sdk = sdk.endpoint_url(url);
    }
    Some(sdk.build())
}

/// `SECBOARD_CONSOLE_URL` (the console's public base URL, which links point at) and
/// `SECBOARD_DEFAULT_SENDER` (the sender when a company has none for a feature).
pub fn mail_from_env() -> anyhow::Result<MailConfig> {
    mail_config(None)
}

/// The mail settings, with the console's URL from the environment (`SECBOARD_CONSOLE_URL`, which
/// wins) or as read from SSM (`SECBOARD_CONSOLE_URL_PARAMETER`, see [`load_parameters`]).
pub fn mail_config(console_url_read: Option<String>) -> anyhow::Result<MailConfig> {
    let console_url = env("SECBOARD_CONSOLE_URL")
        .or(console_url_read)
        .context("SECBOARD_CONSOLE_URL or SECBOARD_CONSOLE_URL_PARAMETER (the console's public URL, for links in mail) is not set")?;
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

/// `SECBOARD_TIME_ZONE`: an IANA name (default `UTC`), read from the system's tz database
/// (`TZDIR`, else `/usr/share/zoneinfo`, which Lambda's `provided.al2023` and Debian's `tzdata`
/// have). See [`time_zone_named`].
pub fn time_zone_from_env() -> anyhow::Result<jiff::tz::TimeZone> {
    let name = env("SECBOARD_TIME_ZONE").unwrap_or_else(|| "UTC".to_owned());
    let dir = env("TZDIR").unwrap_or_else(|| "/usr/share/zoneinfo".to_owned());
    time_zone_named(&name, std::path::Path::new(&dir)).with_context(|| format!("SECBOARD_TIME_ZONE={name:?}"))
}

/// The zone `name` from the tz database in `dir`: its one TZif file, read once at cold start (no
/// database compiled into every function, no walk of the directory). UTC needs no file. A name is
/// IANA-shaped (`Area/Location`, letters, digits, `_`, `-`, `+`) and never leaves `dir`.
pub fn time_zone_named(name: &str, dir: &std::path::Path) -> anyhow::Result<jiff::tz::TimeZone> {
    if matches!(name, "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Zulu" | "Etc/Zulu" | "Universal" | "Etc/Universal") {
        return Ok(jiff::tz::TimeZone::UTC);
    }
    let shaped = !name.is_empty()
        && name.split('/').all(|part| {
            !part.is_empty() && !part.starts_with('.') && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
        });
    if !shaped {
        bail!("is not an IANA time zone name (such as Europe/London)");
    }
    let path = dir.join(name);
    let data = std::fs::read(&path).with_context(|| {
        format!("no such time zone in the tz database at {} (is tzdata installed? TZDIR names another place)", dir.display())
    })?;
    jiff::tz::TimeZone::tzif(name, &data).with_context(|| format!("{} is not a TZif file", path.display()))
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

/// The deployment key (an SSM SecureString named by `SECBOARD_KEY_PARAMETER` on AWS, a 0600 file
/// at `SECBOARD_KEY_FILE` elsewhere) and, when `SECBOARD_CONSOLE_URL_PARAMETER` names one, the
/// console's URL, read in one GetParameters call (the one SSM operation a function links). The template writes that parameter once the distribution
/// exists (its address is not known before, and the functions cannot name it without a cycle),
/// so a first deploy works with no address given.
pub async fn load_parameters(sdk: &aws_config::SdkConfig) -> anyhow::Result<(MasterKey, Option<String>)> {
    let url_name = env("SECBOARD_CONSOLE_URL_PARAMETER");
    let Some(key_name) = env("SECBOARD_KEY_PARAMETER") else {
        let path =
            env("SECBOARD_KEY_FILE").context("set SECBOARD_KEY_PARAMETER (an SSM SecureString) or SECBOARD_KEY_FILE (a 0600 file)")?;
        let key = load_key_file(std::path::Path::new(&path))?;
        let url = match &url_name {
            Some(n) => Some(ssm::parameter_values(sdk, &[n]).await?.remove(0)),
            None => None,
        };
        return Ok((key, url));
    };
    let mut names = vec![key_name.as_str()];
    names.extend(url_name.as_deref());
    let mut values = ssm::parameter_values(sdk, &names).await?;
    let key = MasterKey::from_hex(&values.remove(0)).context("the key parameter must hold 64 hex digits")?;
    Ok((key, values.pop()))
}

/// Where a function keeps files: nowhere (`()`), or the private bucket of photos and exports
/// (`BUCKET_NAME`). A function without one builds no storage client.
pub trait Bucket: Sized {
    fn from_env(sdk: &aws_config::SdkConfig) -> anyhow::Result<Self>;
}

impl Bucket for () {
    fn from_env(_: &aws_config::SdkConfig) -> anyhow::Result<()> {
        Ok(())
    }
}

impl Bucket for S3Blobs {
    fn from_env(sdk: &aws_config::SdkConfig) -> anyhow::Result<S3Blobs> {
        Ok(S3Blobs::new(sdk, bucket_from_env()?))
    }
}

impl<B: Bucket> App<B> {
    /// Builds everything from the environment (on Lambda, once per cold start), the bucket too
    /// when the function keeps files.
    pub async fn from_env() -> anyhow::Result<App<B>> {
        let sdk = sdk_from_env().await;
        let blobs = B::from_env(&sdk)?;
        Ok(App::from_sdk(&sdk).await?.with_blobs(blobs))
    }
}

impl<B> AsRef<Deps<DynamoStore>> for App<B> {
    fn as_ref(&self) -> &Deps<DynamoStore> {
        &self.deps
    }
}

impl App {
    /// The application over an SDK configuration a function shares with its other clients.
    pub async fn from_sdk(sdk: &aws_config::SdkConfig) -> anyhow::Result<App> {
        let table = env("TABLE_NAME").context("TABLE_NAME is not set")?;
        let (key, console_url) = load_parameters(sdk).await?;
        let mut app = App::new(DynamoStore::new(sdk, table), Arc::new(SystemClock), Arc::new(OsEntropy), time_zone_from_env()?, key);
        app.mail = mail_config(console_url)?;
        Ok(app)
    }

    /// An application over a store built elsewhere (the local server, tests, the admin tool);
    /// links point at the local server until `mail` is set.
    pub fn new(store: DynamoStore, clock: Arc<dyn Clock>, entropy: Arc<dyn Entropy>, time_zone: jiff::tz::TimeZone, key: MasterKey) -> App {
        let store = Arc::new(store);
        let mail = MailConfig { console_url: "http://127.0.0.1:3000".to_owned(), default_sender: None };
        App { deps: Deps { store: store.clone(), clock, entropy, time_zone, key, rights: Default::default() }, mail, store, blobs: () }
    }

    /// The same application with the private bucket of photos and exports.
    pub fn with_blobs<B>(self, blobs: B) -> App<B> {
        App { deps: self.deps, mail: self.mail, store: self.store, blobs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    const SYSTEM: &str = "/usr/share/zoneinfo";

    #[test]
    fn utc_needs_no_tz_database() {
        let nowhere = Path::new("/nonexistent/zoneinfo");
        assert_eq!(time_zone_named("UTC", nowhere).unwrap(), jiff::tz::TimeZone::UTC);
        assert_eq!(time_zone_named("Etc/UTC", nowhere).unwrap(), jiff::tz::TimeZone::UTC);
    }

    #[test]
    fn a_zone_is_read_from_the_system_database_and_keeps_its_rules() {
        // test-all.sh installs tzdata; without it this fails, loudly, as the function would.
        let kyiv = time_zone_named("Europe/Kyiv", Path::new(SYSTEM)).expect("tzdata installed");
        assert_eq!(kyiv.iana_name(), Some("Europe/Kyiv"));
        let summer: jiff::Timestamp = "2026-06-15T22:30:00Z".parse().unwrap();
        let winter: jiff::Timestamp = "2026-01-15T22:30:00Z".parse().unwrap();
        assert_eq!(summer.to_zoned(kyiv.clone()).date(), jiff::civil::date(2026, 6, 16));
        assert_eq!(kyiv.to_offset(summer).seconds(), 3 * 3600);
        assert_eq!(kyiv.to_offset(winter).seconds(), 2 * 3600);
    }

    #[test]
    fn a_name_never_leaves_the_database_directory() {
        for name in ["../../etc/passwd", "/etc/passwd", "Europe/../../etc/passwd", "Europe//Kyiv", ".hidden", "Europe/Kyiv\0", ""] {
            let err = time_zone_named(name, Path::new(SYSTEM)).unwrap_err();
            assert!(err.to_string().contains("is not an IANA time zone name"), "{name:?}: {err}");
        }
    }

    #[test]
    fn an_unknown_zone_or_a_missing_database_is_named() {
        let err = time_zone_named("Mars/Olympus_Mons", Path::new(SYSTEM)).unwrap_err();
        assert!(format!("{err:#}").contains("no such time zone"), "{err:#}");
        let err = time_zone_named("Europe/Kyiv", Path::new("/nonexistent/zoneinfo")).unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent/zoneinfo"), "{err:#}");
    }

    #[test]
    fn a_file_that_is_not_tzif_is_refused() {
        let dir = std::env::temp_dir().join(format!("secboard-tz-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("Europe")).unwrap();
        std::fs::write(dir.join("Europe/Fake"), b"not a tzif file").unwrap();
        let err = time_zone_named("Europe/Fake", &dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(format!("{err:#}").contains("is not a TZif file"), "{err:#}");
    }

    fn lambda_env(extra: &[(&str, &str)]) -> HashMap<String, String> {
        let mut env: HashMap<String, String> = [
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
            ("AWS_LAMBDA_FUNCTION_NAME", "login"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        env
    }

    #[tokio::test]
    async fn on_lambda_the_configuration_comes_straight_from_the_environment() {
        use aws_credential_types::provider::ProvideCredentials;
        let env = lambda_env(&[]);
        let sdk = direct_from_env(|n| env.get(n).cloned()).expect("built directly");
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-central-1"));
        let creds = sdk.credentials_provider().unwrap().provide_credentials().await.unwrap();
        assert_eq!((creds.access_key_id(), creds.session_token()), ("ASIAEXAMPLE", Some("token")));
        assert_eq!(sdk.endpoint_url(), None);
        let env = lambda_env(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:8000")]);
        assert_eq!(direct_from_env(|n| env.get(n).cloned()).unwrap().endpoint_url(), Some("http://127.0.0.1:8000"));
    }

    #[test]
    fn anything_more_than_static_credentials_takes_the_full_chain() {
        for extra in ["AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE"] {
            let env = lambda_env(&[(extra, "x")]);
            assert!(direct_from_env(|n| env.get(n).cloned()).is_none(), "{extra}");
        }
        let mut env = lambda_env(&[]);
        env.remove("AWS_ACCESS_KEY_ID");
        assert!(direct_from_env(|n| env.get(n).cloned()).is_none(), "no static credentials");
        let mut env = lambda_env(&[]);
        env.remove("AWS_REGION");
        assert!(direct_from_env(|n| env.get(n).cloned()).is_none(), "no region");
    }
}
