//! Password reset requests for a known and an unknown email, interleaved, through the real flow
//! over the embedded engine: the answers must not tell them apart, nor should the time. Each
//! request comes from its own source and 13 minutes after the last (a clock the bench moves), so
//! no reset cap holds one back and every known request makes a link.
//!
//!   reset-bench N      (N requests of each; prints median, p10, p90 and mean absolute deviation)

use secboard_domain::clock::{Clock, ManualClock, OsEntropy, SystemClock};
use secboard_domain::email::Email;
use secboard_domain::flows::reset::{ResetRequest, request_reset};
use secboard_domain::flows::{Deps, bootstrap};
use secboard_domain::keys::MasterKey;
use secboard_domain::mail::MailConfig;
use secboard_domain::password::Password;
use secboard_dynamodb::{DynamoStore, table};
use secboard_infra::embedded::{EmbeddedDynamo, local_sdk_config};
use std::sync::Arc;
use std::time::Instant;

fn stats(mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    let median = v[n / 2];
    let mad = v.iter().map(|x| (x - median).abs()).sum::<f64>() / n as f64;
    format!("median {median:.3} ms, p10 {:.3} ms, p90 {:.3} ms, mean abs deviation {mad:.3} ms", v[n / 10], v[n * 9 / 10])
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(200);
    let engine = EmbeddedDynamo::start(None).await?;
    let store = DynamoStore::new(&local_sdk_config(&engine.endpoint), "bench");
    table::ensure_table(store.client(), "bench").await?;
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let deps = Deps {
        store: Arc::new(store),
        clock: clock.clone(),
        entropy: Arc::new(OsEntropy),
        time_zone: jiff::tz::TimeZone::UTC,
        key: MasterKey::from_bytes([5; 32]),
        rights: Default::default(),
    };
    let admin = bootstrap::FirstAdmin {
        email: "known@example.com".into(),
        password: Password::new("a known admin passphrase"),
        first_name: None,
        last_name: None,
        company: None,
    };
    bootstrap::ensure_first_admin(&deps, admin, "bench").await?;
    let cfg =
        MailConfig { console_url: "https://console.example.com".into(), default_sender: Some(Email::parse("s", "no-reply@example.com")?) };
    let (mut known, mut unknown) = (vec![], vec![]);
    for i in 0..n * 2 + 20 {
        let email = if i % 2 == 0 { "known@example.com".to_owned() } else { format!("nobody{i}@example.com") };
        // Past the one-a-minute spacing and, every other request, under five an hour.
        clock.advance(jiff::SignedDuration::from_mins(13));
        let source = format!("10.0.{}.{}", i / 256, i % 256);
        let started = Instant::now();
        request_reset(&deps, &cfg, ResetRequest { email }, &source).await?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if i >= 20 {
            if i % 2 == 0 { known.push(ms) } else { unknown.push(ms) }
        }
    }
    println!("known email:   {}", stats(known));
    println!("unknown email: {}", stats(unknown));
    Ok(())
}
