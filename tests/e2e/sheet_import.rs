//! Issue 14: users created from a spreadsheet (CSV or .xlsx) row by row through "Create User",
//! with a report naming the row and the field of every problem.

use secboard_tests::*;
use serde_json::{Value, json};

async fn import(t: &TestApp, body: Vec<u8>, media: &str, query: &str) -> Reply {
    t.upload(&format!("/api/users/import{query}"), body, media, &t.admin_cookie).await
}

fn line(report: &Value, row: u64) -> &Value {
    report["rows"].as_array().unwrap().iter().find(|r| r["row"] == row).unwrap_or_else(|| panic!("no row {row}: {report}"))
}

async fn users_of(t: &TestApp, c: &str) -> usize {
    t.get(&format!("/api/users?company={c}")).await.body["users"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_csv_creates_each_good_row_and_names_the_row_and_field_of_each_bad_one_after_a_dry_run_that_writes_nothing() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.item(&c, "departments", "Security").await;
    t.item(&c, "positions", "Analyst").await;
    let csv = "Email,First Name,Last Name,Company,Department,Position,Start Date\r\n\
        ada@example.com,Ada,Lovelace,Acme,Security,Analyst,2026-01-01\r\n\
        not-an-email,Bad,Email,Acme,,,\r\n\
        bob@example.com,Bob,Nodept,Acme,Nope,,\r\n\
        formula@example.com,=1+1,\"Text, quoted\",acme,,,\r\n\
        ADA@example.com,Ada,Twice,Acme,,,\r\n\
        date@example.com,Dee,Date,Acme,,,31/02/2026\r\n\
        who@example.com,Who,Knows,Globex,,,\r\n";

    let dry = import(&t, csv.as_bytes().to_vec(), "text/csv", "?dry_run=true").await;
    assert_eq!(dry.status, 200, "{dry:?}");
    assert_eq!(line(&dry.body, 2)["outcome"], "would_create", "{}", dry.body);
    assert_eq!(users_of(&t, &c).await, 0, "a dry run writes nothing");

    let r = import(&t, csv.as_bytes().to_vec(), "text/csv", "").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!((r.body["created"].as_u64(), r.body["skipped"].as_u64()), (Some(2), Some(5)), "{}", r.body);
    for (row, outcome, field) in [
        (2, "created", None),
        (3, "skipped", Some("email")),
        (4, "skipped", Some("department")),
        (5, "created", None),
        (6, "skipped", Some("email")),
        (7, "skipped", Some("start_date")),
        (8, "skipped", Some("company")),
    ] {
        let l = line(&r.body, row);
        assert_eq!((l["outcome"].as_str(), l["field"].as_str()), (Some(outcome), field), "row {row}: {l}");
        assert_eq!(line(&dry.body, row)["field"], l["field"], "the dry run said the same of row {row}");
    }
    // The same message "Create User" gives for the same field.
    let direct = t.user(json!({ "email": "not-an-email", "first_name": "B", "last_name": "E", "company_id": c })).await;
    assert_eq!(line(&r.body, 3)["message"].as_str(), direct.body["detail"].as_str().and_then(|d| d.strip_prefix("email: ")), "{direct:?}");
    // A formula typed in a cell is kept as the text it is.
    let id = line(&r.body, 5)["user_id"].as_str().unwrap().to_owned();
    let u = t.get(&format!("/api/users/{id}")).await;
    assert_eq!(u.body["profile"]["first_name"], "=1+1", "{u:?}");
    assert_eq!(u.body["profile"]["last_name"], "Text, quoted");
    assert_eq!(users_of(&t, &c).await, 2);
}

#[tokio::test]
async fn headers_in_ukrainian_or_the_exports_own_columns_are_read_too() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let csv = "Електронна пошта;Ім'я;Прізвище;Компанія\noksana@example.com;Оксана;Коваль;Acme\n";
    let r = import(&t, csv.as_bytes().to_vec(), "text/csv", "").await;
    assert_eq!((r.status, r.body["created"].as_u64()), (200, Some(1)), "{r:?}");
    let csv = "Full Name,Email,Phone,Company,Department,Position,Account Status,Cabinet Groups,Other Groups,Start Date,End Date\n\
        Grace Hopper,grace@example.com,,Acme,,,Active,,,,\n";
    let r = import(&t, csv.as_bytes().to_vec(), "text/csv", "").await;
    assert_eq!((r.status, r.body["created"].as_u64()), (200, Some(1)), "{r:?}");
    let unknown = import(&t, b"Email,Shoe size\n".to_vec(), "text/csv", "").await;
    assert_eq!((unknown.status, unknown.field()), (400, Some("file")), "{unknown:?}");
    let _ = c;
}

#[tokio::test]
async fn an_xlsx_reads_excel_dates_and_dates_as_text_and_keeps_formula_text_as_text() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in ["Email", "First Name", "Last Name", "Company", "Start Date"].iter().enumerate() {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, "excel@example.com").unwrap();
    ws.write_string(1, 1, "=HYPERLINK(\"http://x\")").unwrap();
    ws.write_string(1, 2, "Dates").unwrap();
    ws.write_string(1, 3, "Acme").unwrap();
    ws.write_datetime_with_format(1, 4, ExcelDateTime::from_ymd(2026, 3, 1).unwrap(), &date).unwrap();
    ws.write_string(2, 0, "text@example.com").unwrap();
    ws.write_string(2, 1, "Text").unwrap();
    ws.write_string(2, 2, "Date").unwrap();
    ws.write_string(2, 3, "Acme").unwrap();
    ws.write_string(2, 4, "2026-04-01").unwrap();
    ws.write_string(3, 0, "bad@example.com").unwrap();
    ws.write_string(3, 3, "Acme").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let r = import(&t, bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "").await;
    assert_eq!(r.status, 200, "{r:?}");
    let (first, second) = (line(&r.body, 2), line(&r.body, 3));
    assert_eq!((first["outcome"].as_str(), second["outcome"].as_str()), (Some("created"), Some("created")), "{}", r.body);
    assert_eq!(line(&r.body, 4)["field"], "first_name", "{}", r.body);
    let get = async |l: &Value| t.get(&format!("/api/users/{}", l["user_id"].as_str().unwrap())).await.body;
    let a = get(first).await;
    assert_eq!(
        (a["profile"]["start_date"].as_str(), a["profile"]["first_name"].as_str()),
        (Some("2026-03-01"), Some("=HYPERLINK(\"http://x\")"))
    );
    assert_eq!(get(second).await["profile"]["start_date"], "2026-04-01");
    let _ = c;
    let junk = import(&t, b"not a workbook".to_vec(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "").await;
    assert_eq!((junk.status, junk.field()), (400, Some("file")), "{junk:?}");
}
