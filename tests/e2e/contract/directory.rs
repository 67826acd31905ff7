//! DirectoryStore: one Query page of a company's users, sorted by name, filtered in the store.

use super::{Fx, date};
use jiff::civil::Date;
use secboard_domain::activation::{Employment, overlaps};
use secboard_domain::filter::UserFilter;
use secboard_domain::model::Company;
use secboard_domain::ports::{AccountStore, DirectoryStore, Listed};
use secboard_tests::TestApp;
use std::collections::BTreeSet;

const TODAY: &str = "2026-06-15";

/// A user per (start, end) pair around today, unset included, and an end before its start.
async fn date_cases(fx: &Fx<'_>) -> (Company, Vec<(String, Option<Date>, Option<Date>)>) {
    let company = fx.company("Acme").await;
    let days = [None, Some(date("2026-06-14")), Some(date(TODAY)), Some(date("2026-06-16"))];
    let mut cases = vec![];
    for (i, start) in days.iter().enumerate() {
        for (j, end) in days.iter().enumerate() {
            let mut account = fx.account(&format!("u{i}{j}@example.com"));
            account.has_profile = true;
            let mut profile = fx.profile(&account, &company, &format!("N{i}{j}"));
            (profile.start_date, profile.end_date) = (*start, *end);
            fx.t.store.create_user(&account, &profile, &[], &fx.audit()).await.unwrap();
            cases.push((account.email.as_str().to_owned(), *start, *end));
        }
    }
    (company, cases)
}

async fn listed(t: &TestApp, company: &Company, filter: &UserFilter) -> Vec<Listed> {
    let mut out = vec![];
    let mut start = None;
    loop {
        let page = t.store.list_users(Some(&company.id), filter, date(TODAY), start, 100).await.unwrap();
        out.extend(page.items);
        match page.next {
            Some(n) => start = Some(n),
            None => return out,
        }
    }
}

fn emails(rows: &[Listed]) -> BTreeSet<String> {
    rows.iter().map(|l| l.email.as_str().to_owned()).collect()
}

#[tokio::test]
async fn employment_filter_matches_the_domain_rule() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (company, cases) = date_cases(&fx).await;
    for status in Employment::ALL {
        let filter = UserFilter { employment: Some(status), ..Default::default() };
        let want: BTreeSet<String> =
            cases.iter().filter(|(_, s, e)| Employment::of(*s, *e, date(TODAY)) == status).map(|(m, ..)| m.clone()).collect();
        assert!(!want.is_empty(), "{status:?} has a case");
        assert_eq!(emails(&listed(&t, &company, &filter).await), want, "{status:?}");
    }
}

#[tokio::test]
async fn the_activity_range_filter_matches_the_domain_overlap() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let (company, cases) = date_cases(&fx).await;
    let bounds = [(Some(date(TODAY)), Some(date(TODAY))), (Some(date("2026-06-16")), None), (None, Some(date("2026-06-14")))];
    for (from, to) in bounds {
        let filter = UserFilter { date_from: from, date_to: to, ..Default::default() };
        let rule = overlaps(from, to).unwrap();
        let want: BTreeSet<String> = cases.iter().filter(|(_, s, e)| rule.holds(*s, *e, date(TODAY))).map(|(m, ..)| m.clone()).collect();
        assert_eq!(emails(&listed(&t, &company, &filter).await), want, "from {from:?} to {to:?}");
    }
}

#[tokio::test]
async fn a_page_is_one_query_sorted_by_name_that_resumes_after_its_last_row() {
    let t = TestApp::spawn().await;
    let fx = Fx { t: &t };
    let company = fx.company("Acme").await;
    for last in ["Turing", "Hopper", "Lovelace", "Dijkstra", "Liskov"] {
        let mut account = fx.account(&format!("{}@example.com", last.to_lowercase()));
        account.has_profile = true;
        let profile = fx.profile(&account, &company, last);
        t.store.create_user(&account, &profile, &[], &fx.audit()).await.unwrap();
    }
    let today = date(TODAY);
    let filter = UserFilter::default();
    let before = t.store.operations().len();
    let first = t.store.list_users(Some(&company.id), &filter, today, None, 3).await.unwrap();
    assert_eq!(t.store.operations()[before..], ["Query"]);
    assert!(first.items_read <= 3);
    let rest = t.store.list_users(Some(&company.id), &filter, today, first.next.clone(), 3).await.unwrap();
    let names: Vec<&str> = first.items.iter().chain(&rest.items).map(|l| l.profile.last_name.as_str()).collect();
    assert_eq!(names, ["Dijkstra", "Hopper", "Liskov", "Lovelace", "Turing"]);
    assert!(first.next.is_some());
    assert!(!t.store.operations().iter().any(|o| o == "Scan"));
}
