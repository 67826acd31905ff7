//! template.yaml declares exactly the routes of the route table, each on the function that owns it,
//! and gives the mailer less time than a mail lease lasts.

use secboard_http::routes::{Function, ROUTES};
use serde_norway::Value;
use std::collections::BTreeSet;

#[test]
fn the_template_routes_match_the_route_table() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let doc: Value = serde_norway::from_str(&text).unwrap();
    let mut declared = BTreeSet::new();
    let mut binaries = BTreeSet::new();
    for (_, res) in doc["Resources"].as_mapping().unwrap() {
        if res["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = res["Metadata"]["BuildProperties"]["Binary"].as_str().expect("every function names its binary").to_owned();
        binaries.insert(binary.clone());
        if let Some(events) = res["Properties"]["Events"].as_mapping() {
            for (_, ev) in events {
                if ev["Type"].as_str() == Some("HttpApi") {
                    let p = &ev["Properties"];
                    declared.insert((format!("{} {}", p["Method"].as_str().unwrap(), p["Path"].as_str().unwrap()), binary.clone()));
                }
            }
        }
    }
    let mut expected: BTreeSet<(String, String)> = ROUTES.iter().map(|r| (r.key.to_owned(), r.function.name().to_owned())).collect();
    expected.insert(("ANY $default".to_owned(), Function::Fallback.name().to_owned()));
    assert_eq!(declared, expected);
    let mut all: BTreeSet<String> = Function::ALL.iter().map(|f| f.name().to_owned()).collect();
    // The mailer serves no route: the table's stream and a schedule trigger it.
    all.insert("mailer".to_owned());
    assert_eq!(binaries, all, "one function per crate in functions/");
    for f in Function::ALL {
        assert!(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../functions")).join(f.name()).join("Cargo.toml").exists());
    }
}

#[test]
fn a_mail_lease_outlasts_the_mailers_timeout() {
    // Then a lease runs out only when the mailer holding it is gone: no two sends of one mail at once.
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let doc: Value = serde_norway::from_str(&text).unwrap();
    let timeout = doc["Resources"]["MailerFunction"]["Properties"]["Timeout"]
        .as_i64()
        .or_else(|| doc["Globals"]["Function"]["Timeout"].as_i64())
        .expect("the mailer's timeout");
    let lease = secboard_domain::flows::deliver_mail::LEASE;
    assert!(jiff::SignedDuration::from_secs(timeout) < lease, "the mailer may run {timeout} s, a lease holds {lease:#}");
}

#[test]
fn the_bucket_is_private_and_exports_expire_by_lifecycle() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let doc: Value = serde_norway::from_str(&text).unwrap();
    let bucket = &doc["Resources"]["DataBucket"]["Properties"];
    let block = &bucket["PublicAccessBlockConfiguration"];
    for k in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert_eq!(block[k].as_bool(), Some(true), "{k}");
    }
    let rules = bucket["LifecycleConfiguration"]["Rules"].as_sequence().unwrap();
    let exports = rules.iter().find(|r| r["Prefix"].as_str() == Some("exports/")).expect("a rule for exports");
    assert_eq!(exports["Status"].as_str(), Some("Enabled"));
    assert!(exports["ExpirationInDays"].as_u64().is_some_and(|d| d <= 1), "exports are deleted within a day");
}
