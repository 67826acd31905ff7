//! The directory export: columns, typed cells, fills, filter and scope, the link, the audit.

use calamine::{Data, Reader, Xlsx};
use secboard_tests::*;
use serde_json::{Value, json};
use std::io::Read;

async fn export(t: &TestApp, body: Value, cookie: &str) -> Reply {
    t.request("POST", "/api/users/export", Some(body), Some(cookie)).await
}

async fn workbook(r: &Reply) -> (Xlsx<std::io::Cursor<Vec<u8>>>, Vec<u8>, http::HeaderMap) {
    assert_eq!(r.status, 200, "{r:?}");
    let (status, bytes, headers) = fetch(r.body["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    (Xlsx::new(std::io::Cursor::new(bytes.clone())).expect("an xlsx"), bytes, headers)
}

#[tokio::test]
async fn the_export_has_the_manuals_columns_typed_cells_and_each_row_in_the_users_colour() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let d = t.item(&c, "departments", "Security").await;
    let p = t.item(&c, "positions", "Analyst").await;
    let cg = t.group(Some(&c), "Risk", json!({})).await;
    let gg = t.group(None, "Everyone", json!({})).await;
    for body in [
        json!({ "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "phone": "+44 20 7946 0958", "department_id": d,
                "position_id": p, "groups": [cg, gg], "colour": "#1F3A93", "start_date": "2026-01-01", "end_date": "2026-12-31" }),
        json!({ "email": "evil@example.com", "first_name": "=HYPERLINK(\"http://x\")", "last_name": "+1+1", "colour": "#FFEB3B", "active": false }),
        json!({ "email": "plain@example.com", "first_name": "@Plain", "last_name": "-Jane", "start_date": "2027-01-01" }),
    ] {
        let mut body = body;
        body["company_id"] = json!(c);
        assert_eq!(t.user(body).await.status, 201);
    }
    let r = export(&t, json!({ "company": c }), &t.admin_cookie).await;
    assert_eq!(r.body["rows"], 3);
    let (mut wb, bytes, headers) = workbook(&r).await;
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("secboard-users-2026-06-15.xlsx"), "{disposition}");

    let cells = wb.worksheet_range("Users").unwrap();
    let header: Vec<String> = (0..11).map(|col| cells.get_value((0, col)).unwrap().to_string()).collect();
    assert_eq!(
        header,
        vec![
            "Full Name",
            "Email",
            "Phone",
            "Company",
            "Department",
            "Position",
            "Account Status",
            "Cabinet Groups",
            "Other Groups",
            "Start Date",
            "End Date"
        ]
    );
    // Sorted by last name: "+1+1", "-Jane", "Lovelace".
    let row = |r: u32| (0..11).map(|col| cells.get_value((r, col)).cloned().unwrap_or(Data::Empty)).collect::<Vec<_>>();
    let ada = row(3);
    assert_eq!(ada[0], Data::String("Ada Lovelace".into()));
    assert_eq!(ada[2], Data::String("+442079460958".into()), "a phone is text, not a number");
    assert_eq!(
        (ada[3].to_string(), ada[4].to_string(), ada[5].to_string(), ada[6].to_string()),
        ("Acme".into(), "Security".into(), "Analyst".into(), "Active".into())
    );
    assert_eq!((ada[7].to_string(), ada[8].to_string()), ("Risk".into(), "Everyone".into()));
    assert!(matches!(&ada[9], Data::DateTime(d) if d.is_datetime() && d.as_f64() == 46023.0), "2026-01-01 as an Excel date: {:?}", ada[9]);
    assert!(matches!(&ada[10], Data::DateTime(d) if d.as_f64() == 46387.0), "{:?}", ada[10]);
    let evil = row(1);
    assert_eq!(evil[0], Data::String("=HYPERLINK(\"http://x\") +1+1".into()), "formula-looking text stays text");
    assert_eq!(evil[6].to_string(), "Inactive");
    assert_eq!(row(2)[6].to_string(), "Not yet active");
    assert!(wb.worksheet_formula("Users").unwrap().used_cells().next().is_none(), "no formulas at all");

    let styles = wb.worksheet_style("Users").unwrap();
    let fill = |r: u32, c: u32| {
        styles.get((r, c)).and_then(|s| s.fill.as_ref()).filter(|f| f.is_visible()).and_then(|f| f.get_color()).map(|c| c.to_argb())
    };
    let font = |r: u32, c: u32| styles.get((r, c)).and_then(|s| s.font.as_ref()).and_then(|f| f.color).map(|c| c.to_argb());
    for col in 0..11 {
        assert_eq!(fill(3, col), Some(0xFF1F_3A93), "Ada's row is dark blue in column {col}");
        assert_eq!(font(3, col), Some(0xFFFF_FFFF), "white text on dark blue");
        assert_eq!(fill(1, col), Some(0xFFFF_EB3B), "yellow");
        assert_eq!(font(1, col), Some(0xFF00_0000), "black text on yellow");
        assert_eq!(fill(2, col), None, "no colour, no fill");
    }
    assert!(styles.get((0, 0)).and_then(|s| s.font.as_ref()).is_some_and(|f| f.is_bold()), "a bold header");

    // Frozen header and autofilter, read from the sheet's XML.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
    assert!(xml.contains(r#"state="frozen""#) && xml.contains(r#"ySplit="1""#), "frozen header");
    assert!(xml.contains(r#"<autoFilter ref="A1:K4"/>"#), "autofilter over the rows");
    assert!(xml.contains("<cols>"), "column widths");
}

#[tokio::test]
async fn the_export_applies_the_filter_and_the_exporters_company_scope() {
    let t = TestApp::spawn().await;
    let a = t.company("A").await;
    let b = t.company("B").await;
    for (email, c) in [("a1@example.com", &a), ("a2@example.com", &a), ("b1@example.com", &b)] {
        t.user(json!({ "email": email, "first_name": "F", "last_name": email, "company_id": c })).await;
    }
    let exporters = t.group(Some(&a), "Exporters", json!({ "view": true, "export": true })).await;
    let viewers = t.group(Some(&a), "Viewers", json!({ "view": true })).await;
    let (_, exporter) = t.member(&a, "exporter@example.com", &[&exporters]).await;
    let (_, viewer) = t.member(&a, "viewer@example.com", &[&viewers]).await;

    let r = export(&t, json!({}), &exporter).await;
    assert_eq!(r.body["rows"], 4, "A's two users and the two members: {r:?}");
    let r = export(&t, json!({ "search": "a1@" }), &exporter).await;
    assert_eq!(r.body["rows"], 1);
    let (mut wb, _, _) = workbook(&r).await;
    assert_eq!(wb.worksheet_range("Users").unwrap().get_value((1, 1)).unwrap().to_string(), "a1@example.com");
    assert_eq!(export(&t, json!({ "company": b }), &exporter).await.status, 404);
    let denied = export(&t, json!({}), &viewer).await;
    assert_eq!((denied.status, denied.body["right"].as_str()), (403, Some("users.export")));
    let bad = export(&t, json!({ "status": "sleeping" }), &exporter).await;
    assert_eq!((bad.status, bad.field()), (400, Some("status")));
    let unknown = export(&t, json!({ "colour": "red" }), &exporter).await;
    assert_eq!((unknown.status, unknown.field()), (400, Some("colour")));
    // Every user, not one page: the superuser exports all companies.
    assert_eq!(export(&t, json!({}), &t.admin_cookie).await.body["rows"], 6);
}

#[tokio::test]
async fn every_export_is_in_the_exporters_audit_log_with_its_filter_and_row_count() {
    let t = TestApp::spawn().await;
    let c = t.company("A").await;
    t.user(json!({ "email": "x@example.com", "first_name": "X", "last_name": "Y", "company_id": c })).await;
    let r = export(&t, json!({ "company": c, "status": "active" }), &t.admin_cookie).await;
    assert_eq!(r.status, 200);
    let expires: jiff::Timestamp = r.body["expires_at"].as_str().unwrap().parse().unwrap();
    let now = t.clock_now();
    assert!(expires.duration_since(now) <= jiff::SignedDuration::from_mins(15), "a link of at most 15 minutes");
    let me = t.get("/api/me").await.body["id"].as_str().unwrap().to_owned();
    let audit = t.get(&format!("/api/audit?user={me}")).await.body;
    let ev = audit["events"].as_array().unwrap().iter().find(|e| e["action"] == "users.exported").expect("the export is audited").clone();
    assert_eq!((ev["detail"]["rows"].as_u64(), ev["detail"]["filter"]["status"].as_str()), (Some(1), Some("active")));
    assert!(t.blobs.keys("exports/2026-06-15/").await.unwrap().len() == 1, "under the exports prefix the lifecycle rule empties");
}
