//! `secboard-admin`: administration of any table, local or deployed (it uses the standard AWS
//! configuration: profile, region, credentials; `AWS_ENDPOINT_URL` for a local engine).
//!
//!   secboard-admin --table T first-admin --email E      (password from BOOTSTRAP_ADMIN_PASSWORD)
//!   secboard-admin --table T setup-link --url https://console.example.com
//!   secboard-admin --table T create-account --email E [--superuser]   (password, if any, from SECBOARD_ACCOUNT_PASSWORD)
//!   secboard-admin new-key [--parameter /secboard/key]  (stores a fresh key as an SSM SecureString, or prints it)
//!   secboard-admin --table T import-django FILE [--company-id C] [--dry-run] [--keep-superusers]
//!                 (a Django `dumpdata auth.user auth.group`, streamed; prints a JSON line per row,
//!                  then the summary; `--data DIR` works on the local server's data folder instead)
//!
//! Break glass, for whoever holds the table when no administrator can help through the console
//! (each audited as `by: break_glass`, the holder notified, every session ended):
//!   secboard-admin --table T reset-2fa --email E       (a lost authenticator)
//!   secboard-admin --table T set-password --email E    (a superuser's, from SECBOARD_ACCOUNT_PASSWORD;
//!                                                       changed again at the next sign-in)

use anyhow::{Context, bail};
use secboard_domain::clock::{OsEntropy, SystemClock};
use secboard_domain::flows::Deps;
use secboard_domain::flows::bootstrap::{self, Bootstrap, FirstAdmin};
use secboard_domain::flows::import_django::{self, DumpSource, ImportOptions};
use secboard_domain::flows::{break_glass, create_user};
use secboard_domain::keys::MasterKey;
use secboard_domain::mail::MailConfig;
use secboard_domain::password::Password;
use secboard_dynamodb::{DynamoStore, table};
use secboard_wiring::{App, time_zone_from_env};
use std::collections::HashMap;
use std::sync::Arc;

const USAGE: &str = "usage: secboard-admin [--table NAME | --data DIR] (first-admin --email E | setup-link --url URL | create-account --email E [--superuser] | reset-2fa --email E | set-password --email E | new-key [--parameter NAME] | import-django FILE [--company-id C] [--dry-run] [--keep-superusers])";

/// Options that take no value.
const FLAGS: [&str; 3] = ["superuser", "dry-run", "keep-superusers"];

fn parse() -> anyhow::Result<(String, HashMap<String, String>)> {
    let mut command = None;
    let mut opts = HashMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        if let Some(name) = a.strip_prefix("--") {
            if FLAGS.contains(&name) {
                opts.insert(name.to_owned(), "true".to_owned());
            } else {
                opts.insert(name.to_owned(), it.next().with_context(|| format!("--{name} needs a value"))?);
            }
        } else if command.is_none() {
            command = Some(a);
        } else if command.as_deref() == Some("import-django") && !opts.contains_key("file") {
            opts.insert("file".to_owned(), a);
        } else {
            bail!("unexpected {a:?}\n{USAGE}");
        }
    }
    Ok((command.context(USAGE)?, opts))
}

async fn deps(sdk: &aws_config::SdkConfig, opts: &HashMap<String, String>) -> anyhow::Result<Deps<DynamoStore>> {
    let name = opts
        .get("table")
        .cloned()
        .or_else(|| std::env::var("TABLE_NAME").ok())
        .or_else(|| opts.contains_key("data").then(|| "secboard".to_owned()))
        .context("--table (or TABLE_NAME) is needed")?;
    let store = DynamoStore::new(sdk, &name);
    if opts.contains_key("data") || std::env::var("AWS_ENDPOINT_URL").is_ok() || std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok() {
        table::ensure_table(store.client(), &name).await?;
    }
    let mut k = [0u8; 32];
    getrandom::fill(&mut k).map_err(|e| anyhow::anyhow!("{e}"))?;
    // The admin tool signs nothing; this key is never used.
    let app = App::new(store, Arc::new(SystemClock), Arc::new(OsEntropy), time_zone_from_env()?, MasterKey::from_bytes(k));
    Ok(app.deps)
}

/// Where notices go: the deployment's mail settings when they are in the environment.
fn notices(opts: &HashMap<String, String>) -> MailConfig {
    secboard_wiring::mail_from_env().unwrap_or_else(|_| MailConfig {
        console_url: opts.get("url").cloned().unwrap_or_default(),
        default_sender: std::env::var("SECBOARD_DEFAULT_SENDER").ok().and_then(|s| secboard_domain::email::Email::parse("sender", &s).ok()),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (command, opts) = parse()?;
    // `--data DIR`: the local server's data folder, through the same embedded engine (stop the
    // server first: one process at a time on its SQLite file).
    let _engine = match opts.get("data") {
        Some(dir) => Some(secboard_infra::embedded::EmbeddedDynamo::start(Some(&std::path::Path::new(dir).join("dynamodb.sqlite"))).await?),
        None => None,
    };
    let sdk = match &_engine {
        Some(e) => secboard_infra::embedded::local_sdk_config(&e.endpoint),
        None => aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
    };
    match command.as_str() {
        "first-admin" => {
            let email = opts.get("email").context("--email is needed")?.clone();
            let password = std::env::var("BOOTSTRAP_ADMIN_PASSWORD").context("set BOOTSTRAP_ADMIN_PASSWORD (never on the command line)")?;
            let d = deps(&sdk, &opts).await?;
            let input =
                FirstAdmin { email: email.clone(), password: Password::new(password), first_name: None, last_name: None, company: None };
            match bootstrap::ensure_first_admin(&d, input, "admin_tool").await? {
                Bootstrap::Created(id) => println!("created the first admin {email} ({id})"),
                Bootstrap::AlreadyThere => println!("a superuser exists already; nothing done"),
            }
        }
        "setup-link" => {
            let url = opts.get("url").context("--url (the console's address) is needed")?;
            let d = deps(&sdk, &opts).await?;
            match bootstrap::issue_setup_token(&d).await? {
                Some(token) => println!("{}/setup.html#{token}\n(valid 24 hours, once)", url.trim_end_matches('/')),
                None => println!("a superuser exists already; no setup link is needed"),
            }
        }
        "create-account" => {
            let email = opts.get("email").context("--email is needed")?;
            let pw = std::env::var("SECBOARD_ACCOUNT_PASSWORD").ok();
            let d = deps(&sdk, &opts).await?;
            let pw = pw.map(Password::new);
            let id = create_user::create_account(&d, email, pw.as_ref(), opts.contains_key("superuser"), "admin_tool").await?;
            println!("created account {email} ({id}) without a cabinet profile; wrap it with \"Use Existing User\"");
        }
        "reset-2fa" => {
            let email = opts.get("email").context("--email is needed")?;
            let d = deps(&sdk, &opts).await?;
            let id = break_glass::reset_two_factor(&d, &notices(&opts), email).await?;
            println!("two-factor authentication of {email} ({id}) reset; every session ended");
        }
        "set-password" => {
            let email = opts.get("email").context("--email is needed")?;
            let pw = std::env::var("SECBOARD_ACCOUNT_PASSWORD").context("set SECBOARD_ACCOUNT_PASSWORD (never on the command line)")?;
            let d = deps(&sdk, &opts).await?;
            let id =
                break_glass::set_superuser_password(&d, &notices(&opts), &secboard_passwords::Zxcvbn, email, &Password::new(pw)).await?;
            println!("password of superuser {email} ({id}) set; it must be changed at the next sign-in; every session ended");
        }
        "new-key" => {
            let mut k = [0u8; 32];
            getrandom::fill(&mut k).map_err(|e| anyhow::anyhow!("{e}"))?;
            let hex = MasterKey::from_bytes(k).to_hex();
            match opts.get("parameter") {
                Some(name) => {
                    let ssm = aws_sdk_ssm::Client::new(&sdk);
                    ssm.put_parameter()
                        .name(name)
                        .value(hex)
                        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
                        .overwrite(false)
                        .send()
                        .await
                        .with_context(|| format!("storing {name}"))?;
                    println!("stored a new key in SSM parameter {name} (SecureString)");
                }
                None => println!("{hex}"),
            }
        }
        "import-django" => {
            let file = opts.get("file").context("the dump file is needed: import-django FILE")?;
            let options = ImportOptions {
                dry_run: opts.contains_key("dry-run"),
                keep_superusers: opts.contains_key("keep-superusers"),
                company_id: opts.get("company-id").cloned(),
            };
            let d = deps(&sdk, &opts).await?;
            let source: Arc<dyn DumpSource> = Arc::new(std::path::PathBuf::from(file));
            let mut print = |r: import_django::RowReport| println!("{}", serde_json::to_string(&r).unwrap_or_default());
            let summary = import_django::import_django(&d, source, &options, "admin_tool", None, &mut print).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
        other => bail!("unknown command {other:?}\n{USAGE}"),
    }
    Ok(())
}
