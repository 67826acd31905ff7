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

fn names(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn platform_roles_access_groups_and_quizzes_are_named_by_name_several_to_a_cell_and_an_unknown_name_is_reported_with_its_row_and_column()
 {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let other = t.company("Globex").await;
    t.item(&other, "quizzes", "Elsewhere").await;
    t.item(&c, "quizzes", "Phishing").await;
    t.item(&c, "quizzes", "Passwords").await;
    let risk = t.group(Some(&c), "Risk", json!({ "view": true })).await;
    t.group(Some(&c), "Audit, internal", json!({})).await;
    t.group(None, "Everyone", json!({})).await;
    t.post(&format!("/api/org/companies/{c}/roles"), json!({ "name": "CISO", "groups": [risk] })).await.id();
    t.item(&c, "roles", "Analyst").await;
    // Ukrainian headers; Russian ones below; the export's own columns last.
    let csv = "Електронна пошта;Ім'я;Прізвище;Компанія;Ролі платформи;Групи доступу;Тести\n\
        ada@example.com;Ada;Lovelace;Acme;ciso, Analyst;Everyone;Phishing, passwords\n\
        comma@example.com;Com;Ma;Acme;;Audit, internal;\n\
        role@example.com;No;Role;Acme;CISO, Janitor;;\n\
        group@example.com;No;Group;Acme;;Nobody;\n\
        quiz@example.com;No;Quiz;Acme;;;Elsewhere\n";
    let dry = import(&t, csv.as_bytes().to_vec(), "text/csv", "?dry_run=true&apply_role_groups=true").await;
    let r = import(&t, csv.as_bytes().to_vec(), "text/csv", "?apply_role_groups=true").await;
    assert_eq!((r.status, r.body["created"].as_u64()), (200, Some(2)), "{r:?}");
    for (row, field, name) in [(4, "roles", "Janitor"), (5, "groups", "Nobody"), (6, "quizzes", "Elsewhere")] {
        for report in [&dry.body, &r.body] {
            let l = line(report, row);
            assert_eq!((l["outcome"].as_str(), l["field"].as_str()), (Some("skipped"), Some(field)), "row {row}: {l}");
            assert!(l["message"].as_str().unwrap().contains(&format!("\"{name}\"")), "the message names the unknown name: {l}");
        }
    }
    let get = async |row: u64| t.get(&format!("/api/users/{}", line(&r.body, row)["user_id"].as_str().unwrap())).await.body;
    let ada = get(2).await;
    let pr = &ada["profile"];
    assert_eq!(names(&pr["roles"]), vec!["CISO", "Analyst"], "{ada}");
    assert_eq!(names(&pr["groups"]), vec!["Everyone", "Risk"], "the named group, then the role's (apply_role_groups)");
    assert_eq!(names(&pr["quizzes"]), vec!["Phishing", "Passwords"]);
    assert_eq!(names(&get(3).await["profile"]["groups"]), vec!["Audit, internal"], "a name with a comma in it, whole");

    // Russian headers, and without apply_role_groups a role gives no groups.
    let csv = "Электронная почта,Имя,Фамилия,Компания,Роли платформы,Группы доступа,Тесты\n\
        boris@example.com,Борис,Петров,Acme,CISO,,Phishing\n";
    let r = import(&t, csv.as_bytes().to_vec(), "text/csv", "").await;
    assert_eq!((r.status, r.body["created"].as_u64()), (200, Some(1)), "{r:?}");
    let b = get_user(&t, &r.body, 2).await;
    assert_eq!((names(&b["profile"]["roles"]), names(&b["profile"]["groups"])), (vec!["CISO"], vec![]), "{b}");

    // An export's own columns: Cabinet Groups (the company's) and Other Groups (global ones).
    let csv = "Full Name,Email,Phone,Company,Department,Position,Account Status,Cabinet Groups,Other Groups,Start Date,End Date\n\
        Grace Hopper,grace@example.com,,Acme,,,Active,Risk,Everyone,,\n";
    let r = import(&t, csv.as_bytes().to_vec(), "text/csv", "").await;
    assert_eq!((r.status, r.body["created"].as_u64()), (200, Some(1)), "{r:?}");
    assert_eq!(names(&get_user(&t, &r.body, 2).await["profile"]["groups"]), vec!["Risk", "Everyone"]);
}

async fn get_user(t: &TestApp, report: &Value, row: u64) -> Value {
    t.get(&format!("/api/users/{}", line(report, row)["user_id"].as_str().unwrap())).await.body
}

#[tokio::test]
async fn send_links_queues_a_first_access_link_for_each_row_created_and_for_no_other_and_never_on_a_dry_run() {
    let t = TestApp::spawn().await;
    t.company("Acme").await;
    let csv = "Email,First Name,Last Name,Company\n\
        new@example.com,New,User,Acme\n\
        bad-email,Bad,Row,Acme\n";
    let dry = import(&t, csv.as_bytes().to_vec(), "text/csv", "?dry_run=true&send_links=true").await;
    assert_eq!((dry.status, dry.body["links_queued"].as_u64()), (200, Some(0)), "{dry:?}");
    assert!(line(&dry.body, 2).get("link").is_none(), "{}", dry.body);
    assert!(t.mails_to("new@example.com").await.is_empty(), "a dry run sends nothing");

    let r = import(&t, csv.as_bytes().to_vec(), "text/csv", "?send_links=true").await;
    assert_eq!((r.status, r.body["links_queued"].as_u64()), (200, Some(1)), "{r:?}");
    assert_eq!(line(&r.body, 2)["link"], "queued", "{}", r.body);
    assert!(line(&r.body, 3).get("link").is_none(), "a row skipped gets no link: {}", r.body);
    // The link is a real first-access link: it sets the first password.
    let token = t.last_link("new@example.com").await;
    let set = t
        .request("POST", "/api/auth/password-reset/confirm", Some(json!({ "token": token, "password": "a fresh first password 9" })), None)
        .await;
    assert_eq!(set.status, 200, "{set:?}");
    t.sign_in("new@example.com", "a fresh first password 9").await;
    assert!(t.mails_to("bad-email").await.is_empty());

    // Without the option nobody is mailed; and a re-run's rows are skipped, so no second link.
    let csv2 = "Email,First Name,Last Name,Company\nquiet@example.com,Quiet,User,Acme\n";
    let r = import(&t, csv2.as_bytes().to_vec(), "text/csv", "").await;
    assert_eq!(r.body["created"].as_u64(), Some(1), "{r:?}");
    assert!(t.mails_to("quiet@example.com").await.is_empty(), "no link unless asked");
    let before = t.mails_to("new@example.com").await.len();
    let again = import(&t, csv.as_bytes().to_vec(), "text/csv", "?send_links=true").await;
    assert_eq!((again.body["created"].as_u64(), again.body["links_queued"].as_u64()), (Some(0), Some(0)), "{again:?}");
    assert_eq!(t.mails_to("new@example.com").await.len(), before, "no second link");
    let bad = import(&t, csv.as_bytes().to_vec(), "text/csv", "?send_links=maybe").await;
    assert_eq!((bad.status, bad.field()), (400, Some("send_links")), "{bad:?}");
}

/// The console's form labels, in its order, as the template names them.
const TEMPLATE_FIELDS: [&str; 13] = [
    "email",
    "first_name",
    "last_name",
    "company_id",
    "department_id",
    "position_id",
    "phone",
    "colour",
    "start_date",
    "end_date",
    "roles",
    "groups",
    "quizzes",
];

#[tokio::test]
async fn the_downloadable_templates_carry_the_creation_forms_labels_in_each_language_and_import_back() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    t.item(&c, "departments", "Security").await;
    t.item(&c, "quizzes", "Phishing").await;
    let console = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../console");
    for (n, lang) in ["en", "uk", "ru"].into_iter().enumerate() {
        let template = std::fs::read(console.join(format!("templates/users-{lang}.csv"))).unwrap();
        let messages: Value = serde_json::from_slice(&std::fs::read(console.join(format!("messages/{lang}.json"))).unwrap()).unwrap();
        let text = String::from_utf8(template.clone()).unwrap();
        let header: Vec<&str> = text.trim_start_matches('\u{feff}').trim_end().split(',').collect();
        let labels: Vec<&str> = TEMPLATE_FIELDS.iter().map(|f| messages[format!("field.{f}")].as_str().unwrap()).collect();
        assert_eq!(header, labels, "the {lang} template names the form's fields as the console labels them");

        let empty = import(&t, template.clone(), "text/csv", "").await;
        assert_eq!((empty.status, empty.body["rows"].as_array().map(Vec::len)), (200, Some(0)), "{lang}: {empty:?}");

        let mut filled = template;
        let row = format!("user{n}@example.com,Ada,Lovelace,Acme,Security,,+44 20 7946 0958,#aabbcc,2026-01-01,,,,Phishing\r\n");
        filled.extend_from_slice(row.as_bytes());
        let r = import(&t, filled, "text/csv", "").await;
        assert_eq!((r.status, line(&r.body, 2)["outcome"].as_str()), (200, Some("created")), "{lang}: {r:?}");
        let u = get_user(&t, &r.body, 2).await;
        assert_eq!(
            (u["profile"]["department"]["name"].as_str(), u["profile"]["quizzes"][0]["name"].as_str()),
            (Some("Security"), Some("Phishing"))
        );
    }
}
