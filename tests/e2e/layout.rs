//! The house's layout, held by tests: each Lambda's dependency graph (from `cargo metadata`)
//! links only the heavy parts it uses, the HTTP glue depends on the domain alone, the mailer is no
//! HTTP function, the flows import each other without a circle, and our crates are built for size.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Every package's normal (not dev, not build) dependencies, by name.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(format!("{ROOT}/Cargo.toml"))
        .output()
        .expect("running cargo metadata");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: BTreeMap<&str, &str> =
        meta["packages"].as_array().unwrap().iter().map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap())).collect();
    let mut g = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()))
            .map(|d| names[d["pkg"].as_str().unwrap()].to_owned())
            .collect();
        g.insert(names[node["id"].as_str().unwrap()].to_owned(), deps);
    }
    g
}

/// Everything `package` links, itself excluded.
fn links(g: &BTreeMap<String, BTreeSet<String>>, package: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![package.to_owned()];
    while let Some(p) = todo.pop() {
        for d in g.get(&p).unwrap_or_else(|| panic!("no package {p}")) {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

/// The heavy parts, and the only functions that may link each.
const HEAVY: &[(&str, &[&str])] = &[
    ("image", &["profile", "update-user", "totp-setup"]),
    ("zxcvbn", &["profile", "update-user", "reset-confirm"]),
    ("qrcode", &["totp-setup"]),
    ("rust_xlsxwriter", &["export-users"]),
    // Spreadsheet imports (POST /api/users/import) are the import-users function's, and its
    // reader is shared with the import function that runs the large ones as jobs.
    ("calamine", &["import-users", "import-job"]),
    // Imported Django hashes are checked at sign-in only.
    ("djangohashers", &["login"]),
    ("ldap3", &["active-directory", "directory-sync", "login"]),
    ("lettre", &["mailer"]),
    ("fluent-bundle", &["mailer"]),
    ("aws-sdk-sesv2", &["mailer"]),
    // The embedded engines are the local server's and the tests', never a Lambda's.
    ("dynoxide-rs", &[]),
    ("s3s", &[]),
    ("s3s-fs", &[]),
];

fn functions() -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(format!("{ROOT}/functions")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert!(names.len() >= 17, "{names:?}");
    names
}

#[test]
fn each_lambda_links_only_the_heavy_parts_it_uses() {
    let g = graph();
    let mut wrong = vec![];
    for f in functions() {
        let linked = links(&g, &f);
        for (part, allowed) in HEAVY {
            if linked.contains(*part) && !allowed.contains(&f.as_str()) {
                wrong.push(format!("{f} links {part}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // And the ones that need a part do link it (the table above is not vacuous).
    assert!(links(&g, "export-users").contains("rust_xlsxwriter"));
    assert!(links(&g, "totp-setup").contains("qrcode"));
    assert!(links(&g, "reset-confirm").contains("zxcvbn"));
    assert!(links(&g, "import-users").contains("calamine"));
    assert!(links(&g, "login").contains("djangohashers"));
}

/// The level the root manifest's release profile sets for `package`, if it sets one.
fn release_opt_level(manifest: &str, package: &str) -> Option<String> {
    let header = format!("[profile.release.package.{package}]");
    let rest = &manifest[manifest.find(&header)? + header.len()..];
    let section = &rest[..rest.find("\n[").unwrap_or(rest.len())];
    section.lines().find_map(|l| l.trim().strip_prefix("opt-level = ").map(|v| v.trim_matches('"').to_owned()))
}

/// Crates of ours whose speed matters stay at the profile's level: photo resizing (`image`'s
/// generic code is instantiated in secboard-photos) and the Django verifier's dispatch. The derive
/// crate runs in the compiler and ships in no binary.
const NOT_FOR_SIZE: &[&str] = &["secboard-photos", "secboard-django", "secboard-dynamodb-derive"];

#[test]
fn every_crate_of_ours_a_lambda_links_is_built_for_size() {
    let g = graph();
    let manifest = std::fs::read_to_string(format!("{ROOT}/Cargo.toml")).unwrap();
    let mut wrong = BTreeSet::new();
    let mut checked = 0;
    for f in functions() {
        for p in links(&g, &f).into_iter().filter(|p| p.starts_with("secboard-")).chain([f.clone()]) {
            let want = (!NOT_FOR_SIZE.contains(&p.as_str())).then_some("z");
            let level = release_opt_level(&manifest, &p);
            if level.as_deref() != want {
                wrong.insert(format!("{p}: opt-level {level:?}, want {want:?}"));
            }
            checked += 1;
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(checked > 40, "only {checked} crates checked");
    // The crates whose speed is the product keep full speed.
    for fast in ["argon2", "aes-gcm", "image", "rust_xlsxwriter"] {
        assert_eq!(release_opt_level(&manifest, fast).as_deref(), Some("3"), "{fast}");
    }
}

#[test]
fn the_mailer_is_not_an_http_function() {
    let linked = links(&graph(), "mailer");
    for http in ["lambda_http", "secboard-http"] {
        assert!(!linked.contains(http), "the mailer links {http}");
    }
    assert!(linked.contains("lambda_runtime"));
}

#[test]
fn the_domain_knows_no_aws_and_no_http_and_the_glue_knows_only_the_domain() {
    let g = graph();
    let domain = links(&g, "secboard-domain");
    let foreign: Vec<_> =
        domain.iter().filter(|d| d.starts_with("aws-") || d.starts_with("lambda_") || *d == "http" || *d == "hyper").collect();
    assert!(foreign.is_empty(), "the domain links {foreign:?}");
    let ours: BTreeSet<_> = links(&g, "secboard-http").into_iter().filter(|d| d.starts_with("secboard-")).collect();
    assert_eq!(ours, BTreeSet::from(["secboard-domain".to_owned()]));
    let http = links(&g, "secboard-http");
    assert!(!http.contains("aws-config") && !http.contains("aws-sdk-dynamodb"), "the HTTP glue builds no clients");
}

/// `use super::X` edges between the flows, from the source.
fn flow_imports() -> BTreeMap<String, BTreeSet<String>> {
    let dir = format!("{ROOT}/shared/domain/src/flows");
    let mut modules = BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "mod" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let used: BTreeSet<String> = text
            .match_indices("super::")
            .map(|(i, _)| text[i + 7..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>())
            .filter(|m| !m.is_empty() && m != &name && m.chars().next().is_some_and(|c| c.is_lowercase()))
            .collect();
        modules.insert(name, used);
    }
    modules
}

#[test]
fn the_flows_import_each_other_without_a_circle() {
    let g = flow_imports();
    assert!(g.len() > 10 && g["reset"].contains("notices"), "the reader found the flows: {g:?}");
    // Depth-first search for a back edge.
    fn visit<'a>(g: &'a BTreeMap<String, BTreeSet<String>>, n: &'a str, path: &mut Vec<&'a str>, done: &mut BTreeSet<&'a str>) {
        if let Some(i) = path.iter().position(|p| *p == n) {
            panic!("import circle: {} -> {n}", path[i..].join(" -> "));
        }
        if !done.insert(n) {
            return;
        }
        path.push(n);
        for d in g.get(n).into_iter().flatten() {
            if g.contains_key(d) {
                visit(g, d, path, done);
            }
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for n in g.keys() {
        visit(&g, n, &mut vec![], &mut done);
    }
}

#[test]
fn s35_only_the_directory_adapter_speaks_ldap() {
    // S35: every filter and DN is made in one place, the adapter, whose unit tests prove the
    // escaping; nothing else may reach ldap3 directly and build its own.
    let g = graph();
    let talking: Vec<&String> = g.iter().filter(|(_, deps)| deps.contains("ldap3")).map(|(p, _)| p).collect();
    assert_eq!(talking, vec!["secboard-ldap"], "only the adapter links ldap3");
}

#[test]
fn the_security_table_names_a_test_for_every_row_and_every_test_it_names_exists() {
    let table = std::fs::read_to_string(format!("{ROOT}/docs/security.md")).expect("docs/security.md");
    let mut sources = String::new();
    let mut todo = vec![std::path::PathBuf::from(ROOT)];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() && !name.starts_with('.') && name != "target" && name != "node_modules" {
                todo.push(path);
            } else if name.ends_with(".rs") {
                sources.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    for n in 1..=35 {
        let id = format!("| S{n:02} |");
        let row = table.lines().find(|l| l.starts_with(&id)).unwrap_or_else(|| panic!("no row {id}"));
        let named: Vec<&str> = row.split('`').skip(1).step_by(2).filter(|t| t.contains("::")).collect();
        assert!(!named.is_empty(), "row S{n:02} names no test");
        for t in named {
            let last = t.rsplit("::").next().unwrap();
            if last == "*" {
                continue;
            }
            assert!(sources.contains(&format!("fn {last}(")), "S{n:02} names `{t}`, which no test defines");
        }
    }
}
