use secboard_tests::*;
use serde_json::{Value, json};
use std::collections::HashSet;

async fn ids(t: &TestApp, query: &str) -> Vec<String> {
    let r = t.get(&format!("/api/users?{query}")).await;
    assert_eq!(r.status, 200, "{query}: {r:?}");
    assert!(r.body["next_cursor"].is_null() || r.body["users"].as_array().unwrap().len() <= 100);
    let mut out: Vec<String> = r.body["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()).collect();
    // Follow the cursor to the end, so a short page does not hide matches.
    let mut next = r.body["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = next {
        let r = t.get(&format!("/api/users?{query}&cursor={c}")).await;
        assert_eq!(r.status, 200, "{r:?}");
        out.extend(r.body["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()));
        next = r.body["next_cursor"].as_str().map(str::to_owned);
    }
    out
}

struct Dir {
    c: String,
    d: String,
    p: String,
    g: String,
}

async fn directory(t: &TestApp) -> Dir {
    let c = t.company("Acme").await;
    let d = t.item(&c, "departments", "Security").await;
    let p = t.item(&c, "positions", "Engineer").await;
    let g = t.group(Some(&c), "Risk", json!({})).await;
    let users: Vec<Value> = vec![
        json!({ "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "department_id": d, "phone": "+44 20 7946 0958", "groups": [g], "staff": true }),
        json!({ "email": "alan@example.com", "first_name": "Alan", "last_name": "Turing", "position_id": p, "start_date": "2026-07-01" }),
        json!({ "email": "grace@example.com", "first_name": "Grace", "last_name": "Hopper", "department_id": d, "end_date": "2026-06-01", "start_date": "2026-01-01" }),
        json!({ "email": "edsger@example.com", "first_name": "Edsger", "last_name": "Dijkstra", "active": false, "start_date": "2026-01-01", "end_date": "2026-12-31" }),
        json!({ "email": "barbara@example.com", "first_name": "Barbara", "last_name": "Liskov" }),
    ];
    for mut u in users {
        u["company_id"] = json!(c);
        let r = t.user(u).await;
        assert_eq!(r.status, 201, "{r:?}");
    }
    Dir { c, d, p, g }
}

#[tokio::test]
async fn every_filter_of_the_manual_selects_what_it_says() {
    let t = TestApp::spawn().await;
    let Dir { c, d, p, g } = directory(&t).await;
    let q = |s: &str| format!("company={c}&{s}");
    let set = |v: Vec<String>| v.into_iter().collect::<HashSet<_>>();
    let want = |v: &[&str]| v.iter().map(|s| format!("{s}@example.com")).collect::<HashSet<_>>();
    assert_eq!(
        ids(&t, &q("")).await,
        vec!["edsger@example.com", "grace@example.com", "barbara@example.com", "ada@example.com", "alan@example.com"],
        "sorted by last name"
    );
    assert_eq!(set(ids(&t, &q("search=LOVE")).await), want(&["ada"]), "name, case-insensitive");
    assert_eq!(set(ids(&t, &q("search=GRACE@")).await), want(&["grace"]), "email");
    assert_eq!(set(ids(&t, &q("search=7946")).await), want(&["ada"]), "phone");
    assert_eq!(set(ids(&t, &q(&format!("department={d}"))).await), want(&["ada", "grace"]));
    assert_eq!(set(ids(&t, &q(&format!("position={p}"))).await), want(&["alan"]));
    assert_eq!(set(ids(&t, &q(&format!("group={g}"))).await), want(&["ada"]));
    assert_eq!(set(ids(&t, &q("status=inactive")).await), want(&["edsger"]));
    assert_eq!(set(ids(&t, &q("status=active")).await), want(&["ada", "alan", "grace", "barbara"]));
    assert_eq!(set(ids(&t, &q("status=staff")).await), want(&["ada"]));
    assert_eq!(set(ids(&t, &q("status=profile_completed")).await), want(&[]));
    assert_eq!(set(ids(&t, &q("employment=future")).await), want(&["alan"]));
    assert_eq!(set(ids(&t, &q("employment=past")).await), want(&["grace"]));
    assert_eq!(set(ids(&t, &q("employment=currently_active")).await), want(&["edsger"]));
    assert_eq!(set(ids(&t, &q("employment=no_dates")).await), want(&["ada", "barbara"]));
    // The activity range overlaps [from, to]; open ends overlap everything.
    assert_eq!(set(ids(&t, &q("date_from=2026-06-10&date_to=2026-06-20")).await), want(&["ada", "barbara", "edsger"]));
    assert_eq!(set(ids(&t, &q("date_to=2026-05-01")).await), want(&["ada", "barbara", "grace", "edsger"]));
    assert_eq!(set(ids(&t, &q(&format!("department={d}&employment=past"))).await), want(&["grace"]), "filters combine");
}

#[tokio::test]
async fn cursor_paging_visits_every_user_once_and_a_page_reads_at_most_its_size() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    for i in 0..23 {
        let r = t
            .user(json!({ "email": format!("u{i:02}@example.com"), "first_name": "U", "last_name": format!("N{i:02}"), "company_id": c }))
            .await;
        assert_eq!(r.status, 201);
    }
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/api/users?company={c}&per_page=10&cursor={cur}"),
            None => format!("/api/users?company={c}&per_page=10"),
        };
        let before = t.store.operations().len();
        let r = t.get(&path).await;
        let ops = t.store.operations()[before..].to_vec();
        assert_eq!(ops, vec!["BatchGetItem", "Query"], "authorise, then one Query page: {ops:?}");
        assert!(r.body["items_read"].as_u64().unwrap() <= 10);
        seen.extend(r.body["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()));
        pages += 1;
        match r.body["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_owned()),
            None => break,
        }
    }
    assert!(pages >= 3);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (23, 23), "{seen:?}");
    let mut sorted = seen.clone();
    sorted.sort_by_key(|e| e[1..3].parse::<u32>().unwrap());
    assert_eq!(seen, sorted, "pages follow the name order");
    assert!(!t.store.operations().iter().any(|o| o == "Scan"), "the directory never scans");
}

#[tokio::test]
async fn a_cursor_is_bound_to_its_filter_and_cannot_be_forged() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    for i in 0..12 {
        t.user(json!({ "email": format!("p{i}@example.com"), "first_name": "P", "last_name": format!("Q{i}"), "company_id": c })).await;
    }
    let r = t.get(&format!("/api/users?company={c}&per_page=10")).await;
    let cursor = r.body["next_cursor"].as_str().expect("a second page").to_owned();
    let other = t.get(&format!("/api/users?company={c}&per_page=10&search=p&cursor={cursor}")).await;
    assert_eq!((other.status, other.field()), (400, Some("cursor")));
    let mut forged = cursor.clone().into_bytes();
    forged[3] = if forged[3] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let r = t.get(&format!("/api/users?company={c}&per_page=10&cursor={forged}")).await;
    assert_eq!((r.status, r.field()), (400, Some("cursor")));
}

#[tokio::test]
async fn an_admin_of_company_a_sees_and_finds_nothing_of_company_b() {
    let t = TestApp::spawn().await;
    let a = t.company("A").await;
    let b = t.company("B").await;
    let viewers = t.group(Some(&a), "A viewers", json!({ "view": true })).await;
    let (_, cookie) = t.member(&a, "a-admin@example.com", &[&viewers]).await;
    let in_b = t.user(json!({ "email": "b-user@example.com", "first_name": "B", "last_name": "User", "company_id": b })).await.id();
    let in_a = t.user(json!({ "email": "a-user@example.com", "first_name": "A", "last_name": "User", "company_id": a })).await.id();

    let list = t.request("GET", "/api/users", None, Some(&cookie)).await;
    let emails: HashSet<String> = list.body["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()).collect();
    assert_eq!(emails, HashSet::from(["a-user@example.com".to_owned(), "a-admin@example.com".to_owned()]));
    assert_eq!(t.request("GET", &format!("/api/users?company={b}"), None, Some(&cookie)).await.status, 404);
    assert_eq!(t.request("GET", &format!("/api/users/{in_b}"), None, Some(&cookie)).await.status, 404);
    assert_eq!(t.request("GET", &format!("/api/audit?user={in_b}"), None, Some(&cookie)).await.status, 404);
    assert_eq!(t.request("GET", &format!("/api/users/{in_a}"), None, Some(&cookie)).await.status, 200);

    // A global group's right reaches every company.
    let global = t.group(None, "Auditors", json!({ "view": true })).await;
    let (_, auditor) = t.member(&a, "auditor@example.com", &[&global]).await;
    assert_eq!(t.request("GET", &format!("/api/users/{in_b}"), None, Some(&auditor)).await.status, 200);
    let all = t.request("GET", "/api/users?per_page=100", None, Some(&auditor)).await;
    assert!(all.body["users"].as_array().unwrap().len() >= 5, "{all:?}");
}

#[tokio::test]
async fn without_the_view_right_the_list_answers_403_naming_it() {
    let t = TestApp::spawn().await;
    let a = t.company("A").await;
    let (_, cookie) = t.member(&a, "plain@example.com", &[]).await;
    let r = t.request("GET", "/api/users", None, Some(&cookie)).await;
    assert_eq!((r.status, r.body["right"].as_str()), (403, Some("users.view")));
}

#[tokio::test]
async fn the_audit_log_records_sign_ins_creations_and_org_changes_with_actor_and_time() {
    let t = TestApp::spawn().await;
    let c = t.company("A").await;
    let (id, _) = t.member(&c, "m@example.com", &[]).await;
    let r = t.get(&format!("/api/audit?user={id}")).await;
    let actions: Vec<&str> = r.body["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["profile.completed", "sign_in.succeeded", "user.created"], "newest first");
    let created = &r.body["events"][2];
    assert!(created["actor"].is_string() && created["at"].is_string());
    let bad = t.get("/api/audit?user=not-an-id").await;
    assert_eq!((bad.status, bad.field()), (400, Some("user")), "{bad:?}");
}

#[tokio::test]
async fn a_filtered_page_is_filled_from_further_index_pages_within_a_read_budget() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    // One user in three is staff: an index page of ten holds three or four of them.
    for i in 0..30 {
        let body = json!({ "email": format!("f{i:02}@example.com"), "first_name": "F", "last_name": format!("N{i:02}"), "company_id": c, "staff": i % 3 == 0 });
        assert_eq!(t.user(body).await.status, 201);
    }
    let before = t.store.operations().len();
    let r = t.get(&format!("/api/users?company={c}&status=staff&per_page=10")).await;
    let ops = t.store.operations()[before..].to_vec();
    assert_eq!(r.status, 200, "{r:?}");
    let names: Vec<&str> = r.body["users"].as_array().unwrap().iter().map(|u| u["profile"]["last_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["N00", "N03", "N06", "N09", "N12", "N15", "N18", "N21", "N24", "N27"], "ten asked, ten shown");
    assert_eq!(r.body["complete"], true);
    assert!(r.body["items_read"].as_u64().unwrap() <= 50, "{}", r.body["items_read"]);
    assert!(ops.iter().filter(|o| *o == "Query").count() >= 2, "filled from further index pages: {ops:?}");
    assert!(!ops.iter().any(|o| o == "Scan"));
    // The cursor goes on after the last row shown: nothing is skipped or shown twice.
    if let Some(cursor) = r.body["next_cursor"].as_str() {
        let rest = t.get(&format!("/api/users?company={c}&status=staff&per_page=10&cursor={cursor}")).await;
        assert_eq!(rest.body["users"].as_array().unwrap().len(), 0, "{rest:?}");
    }
}

#[tokio::test]
async fn a_page_that_spends_its_read_budget_says_it_stopped_short_and_the_cursor_goes_on() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    // Sixty users sorted by last name; only the last one is staff, past a ten-row page's budget.
    for i in 0..60 {
        let body = json!({ "email": format!("b{i:02}@example.com"), "first_name": "B", "last_name": format!("M{i:02}"), "company_id": c, "staff": i == 59 });
        assert_eq!(t.user(body).await.status, 201);
    }
    let r = t.get(&format!("/api/users?company={c}&status=staff&per_page=10")).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["users"].as_array().unwrap().len(), 0);
    assert_eq!(r.body["complete"], false, "stopped short: {r:?}");
    let read = r.body["items_read"].as_u64().unwrap();
    assert!((10..=50).contains(&read), "the budget bounds the reads: {read}");
    let cursor = r.body["next_cursor"].as_str().expect("a cursor to go on").to_owned();
    let next = t.get(&format!("/api/users?company={c}&status=staff&per_page=10&cursor={cursor}")).await;
    let emails: Vec<&str> = next.body["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["b59@example.com"]);
    assert_eq!(next.body["complete"], true);
}

#[tokio::test]
async fn the_organisation_wide_audit_log_reads_every_target_by_time_for_those_who_view_every_company() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.item(&c, "departments", "Ops").await;
    assert_eq!(t.user(json!({ "email": "logged@example.com", "first_name": "L", "last_name": "G", "company_id": c })).await.status, 201);
    let before = t.store.operations().len();
    let all = t.get("/api/audit").await;
    let ops = t.store.operations()[before..].to_vec();
    assert_eq!(all.status, 200, "{all:?}");
    let actions: Vec<&str> = all.body["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    let at = |a: &str| actions.iter().position(|x| *x == a).unwrap_or_else(|| panic!("{a} in {actions:?}"));
    assert!(
        at("user.created") < at("org.department.created") && at("org.department.created") < at("org.company.created"),
        "newest first: {actions:?}"
    );
    assert!(!ops.iter().any(|o| o == "Scan"), "the index by time, never a Scan: {ops:?}");
    let org = t.get("/api/audit?action=org.").await;
    let org: Vec<&str> = org.body["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(!org.is_empty() && org.iter().all(|a| a.starts_with("org.")), "{org:?}");
    let long_ago = t.get("/api/audit?date_from=2000-01-01&date_to=2000-01-07").await;
    assert_eq!((long_ago.status, long_ago.body["events"].as_array().map(Vec::len)), (200, Some(0)));
    for (query, field) in [
        ("date_from=2026-02-10&date_to=2026-02-01", "date_to"),
        ("date_from=2026-01-01&date_to=2026-03-01", "date_from"),
        ("date_from=yesterday", "date_from"),
    ] {
        let r = t.get(&format!("/api/audit?{query}")).await;
        assert_eq!((r.status, r.field()), (400, Some(field)), "{query}: {r:?}");
    }
    // Events carry no company: a company's viewer reads users' logs one by one, not this one.
    let viewers = t.group(Some(&c), "Viewers", json!({ "view": true, "show_link": true })).await;
    let (_, cookie) = t.member(&c, "viewer@example.com", &[&viewers]).await;
    let r = t.request("GET", "/api/audit", None, Some(&cookie)).await;
    assert_eq!((r.status, r.body["code"].as_str()), (403, Some("missing_right")), "{r:?}");
}
