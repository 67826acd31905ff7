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
    // Nor does the import function: the data bucket's uploads (through EventBridge) trigger it.
    all.insert("import-job".to_owned());
    // Nor does the directory sync: an hourly schedule triggers it.
    all.insert("directory-sync".to_owned());
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

/// A value with its CloudFormation tag (`!Sub`, `!Ref`) taken off.
fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => &t.value,
        v => v,
    }
}

#[test]
fn cloudfront_sends_exactly_the_security_headers_the_local_server_does() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let doc: Value = serde_norway::from_str(&text).unwrap();
    let policy = &doc["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"];
    let sec = &policy["SecurityHeadersConfig"];
    let mut got: Vec<(String, String)> = vec![];
    let csp = untag(&sec["ContentSecurityPolicy"]["ContentSecurityPolicy"]).as_str().unwrap();
    got.push(("content-security-policy".into(), csp.replace("${DataBucket.RegionalDomainName}", "BUCKET")));
    let sts = &sec["StrictTransportSecurity"];
    let mut v = format!("max-age={}", sts["AccessControlMaxAgeSec"].as_u64().unwrap());
    if sts["IncludeSubdomains"].as_bool() == Some(true) {
        v.push_str("; includeSubDomains");
    }
    if sts["Preload"].as_bool() == Some(true) {
        v.push_str("; preload");
    }
    got.push(("strict-transport-security".into(), v));
    got.push(("referrer-policy".into(), sec["ReferrerPolicy"]["ReferrerPolicy"].as_str().unwrap().to_owned()));
    if !sec["ContentTypeOptions"].is_null() {
        got.push(("x-content-type-options".into(), "nosniff".into()));
    }
    got.push(("x-frame-options".into(), sec["FrameOptions"]["FrameOption"].as_str().unwrap().to_owned()));
    let xss = &sec["XSSProtection"];
    got.push(("x-xss-protection".into(), if xss["Protection"].as_bool() == Some(true) { "1".into() } else { "0".into() }));
    for item in policy["CustomHeadersConfig"]["Items"].as_sequence().unwrap() {
        got.push((item["Header"].as_str().unwrap().to_ascii_lowercase(), item["Value"].as_str().unwrap().to_owned()));
        assert_eq!(item["Override"].as_bool(), Some(true));
    }
    for (_, h) in sec.as_mapping().unwrap() {
        assert_eq!(h["Override"].as_bool(), Some(true), "CloudFront overrides what the origin sent");
    }
    let mut want: Vec<(String, String)> =
        secboard_http::headers::all("https://BUCKET").into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn import_jobs_are_cleaned_up_by_the_tables_ttl_and_the_buckets_lifecycle_and_no_run_outlives_the_bound() {
    use secboard_domain::flows::import_job::{KEPT, RUN_BOUND};
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let doc: Value = serde_norway::from_str(&text).unwrap();
    let ttl = &doc["Resources"]["Table"]["Properties"]["TimeToLiveSpecification"];
    assert_eq!((ttl["AttributeName"].as_str(), ttl["Enabled"].as_bool()), (Some("ttl"), Some(true)), "the store writes `ttl`");
    // A job running longer than any run can is failed (`run_lost`): the function must stop first.
    let timeout = doc["Resources"]["ImportJobFunction"]["Properties"]["Timeout"].as_i64().expect("the import function's timeout");
    assert!(jiff::SignedDuration::from_secs(timeout) < RUN_BOUND, "the import function may run {timeout} s, the bound is {RUN_BOUND:#}");
    let rules = doc["Resources"]["DataBucket"]["Properties"]["LifecycleConfiguration"]["Rules"].as_sequence().unwrap();
    let rule = |prefix: &str| {
        let r = rules.iter().find(|r| r["Prefix"].as_str() == Some(prefix)).unwrap_or_else(|| panic!("a rule for {prefix}"));
        assert_eq!(r["Status"].as_str(), Some("Enabled"));
        r["ExpirationInDays"].as_i64().unwrap()
    };
    // Uploads nobody ran (their job expired or was let go) go within a day.
    assert_eq!(rule("imports/uploads/"), 1);
    // Reports are kept as long as their jobs, which link to them.
    assert_eq!(jiff::SignedDuration::from_hours(rule("imports/") * 24), KEPT);
}

/// The console PUTs large imports straight to the data bucket: the bucket's CORS rule is the one
/// the local S3 engine applies, for the console's origin alone, and nothing else is allowed.
#[test]
fn the_data_buckets_cors_rule_is_the_local_engines_for_the_consoles_origin_alone() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let doc: Value = serde_norway::from_str(&text).unwrap();
    let cors = &doc["Resources"]["DataBucketCors"]["Properties"];
    assert_eq!(untag(&cors["Bucket"]).as_str(), Some("DataBucket"));
    let rules = cors["CorsRules"].as_sequence().unwrap();
    assert_eq!(rules.len(), 1, "one rule");
    let rule = &rules[0];
    let strings =
        |v: &Value| -> Vec<String> { v.as_sequence().unwrap().iter().map(|s| s.as_str().unwrap().to_ascii_lowercase()).collect() };
    let want = secboard_http::headers::STORAGE_CORS;
    assert_eq!(strings(&rule["AllowedMethods"]), want.methods.iter().map(|m| m.to_ascii_lowercase()).collect::<Vec<_>>());
    assert_eq!(strings(&rule["AllowedHeaders"]), want.headers.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    assert_eq!(rule["MaxAgeSeconds"].as_u64(), Some(u64::from(want.max_age_secs)));
    assert!(rule.get("ExposedHeaders").is_none());
    // The console's origin: the custom domain when there is one, else the distribution's.
    let origins = rule["AllowedOrigins"].as_sequence().unwrap();
    assert_eq!(origins.len(), 1);
    let origin = serde_norway::to_string(&origins[0]).unwrap();
    assert!(origin.contains("HasConsoleUrl") && origin.contains("https://${Distribution.DomainName}") && !origin.contains('*'), "{origin}");
    // The bucket names no function and no rule of its own for it (a cycle through the distribution).
    assert!(doc["Resources"]["DataBucket"]["Properties"].get("CorsConfiguration").is_none());
}
