//! Issue 14: a file too large for a request body (Lambda takes 6 MB) goes to storage by a
//! presigned PUT and is imported as a job, by the same code as the inline import, whose status,
//! totals and report the API shows.

use secboard_tests::django::vectors;
use secboard_tests::*;
use serde_json::{Value, json};

async fn put(url: &str, content_type: &str, body: Vec<u8>) {
    let r = reqwest::Client::new().put(url).header("content-type", content_type).body(body).send().await.unwrap();
    assert!(r.status().is_success(), "the presigned upload: {r:?}");
}

async fn report(url: &str) -> Vec<Value> {
    let text = reqwest::get(url).await.unwrap().error_for_status().unwrap().text().await.unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

async fn job(t: &TestApp, id: &str) -> Reply {
    t.get(&format!("/api/users/import/jobs/{id}")).await
}

#[tokio::test]
async fn a_spreadsheet_uploaded_by_presigned_put_is_imported_once_as_a_job_whose_report_names_each_row() {
    let t = TestApp::spawn().await;
    t.company("Acme").await;
    let up = t.post("/api/users/import/uploads", json!({ "media_type": "text/csv", "send_links": true })).await;
    assert_eq!(up.status, 201, "{up:?}");
    let id = up.body["job_id"].as_str().unwrap().to_owned();
    assert_eq!((up.body["method"].as_str(), up.body["content_type"].as_str()), (Some("PUT"), Some("text/csv")));
    let waiting = job(&t, &id).await;
    assert_eq!((waiting.status, waiting.body["status"].as_str()), (200, Some("waiting")), "{waiting:?}");
    assert!(t.run_import_jobs().await.is_empty(), "nothing runs before the file lands");

    let csv = "Email,First Name,Last Name,Company\nbig@example.com,Big,File,Acme\nnot-an-email,Bad,Row,Acme\n";
    put(up.body["url"].as_str().unwrap(), "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(t.run_import_jobs().await, vec![json!("done")]);
    assert!(t.run_import_jobs().await.is_empty(), "the upload is not kept once read");

    let done = job(&t, &id).await;
    assert_eq!(done.body["status"], "done", "{done:?}");
    let s = &done.body["summary"];
    assert_eq!((s["created"].as_u64(), s["skipped"].as_u64(), s["links_queued"].as_u64()), (Some(1), Some(1), Some(1)), "{done:?}");
    let rows = report(done.body["report_url"].as_str().unwrap()).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!((rows[0]["row"].as_u64(), rows[0]["outcome"].as_str()), (Some(2), Some("created")));
    assert_eq!((rows[1]["row"].as_u64(), rows[1]["field"].as_str()), (Some(3), Some("email")));
    assert!(!t.mails_to("big@example.com").await.is_empty(), "send_links worked in the job too");
    let r = t.get("/api/users").await;
    assert!(r.body["users"].as_array().unwrap().iter().any(|u| u["email"] == "big@example.com"), "{r:?}");
}

#[tokio::test]
async fn a_django_dump_job_reports_what_the_inline_import_reports_and_a_file_that_is_not_a_dump_fails_naming_why() {
    let v = vectors();
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let inline = t.upload(&format!("/api/users/import?company_id={c}&dry_run=true"), v.dump(), "application/json", &t.admin_cookie).await;
    assert_eq!(inline.status, 200, "{inline:?}");

    let up = t.post("/api/users/import/uploads", json!({ "media_type": "application/json", "company_id": c, "dry_run": true })).await;
    assert_eq!(up.status, 201, "{up:?}");
    put(up.body["url"].as_str().unwrap(), "application/json", v.dump()).await;
    t.run_import_jobs().await;
    let done = job(&t, up.body["job_id"].as_str().unwrap()).await;
    assert_eq!(done.body["status"], "done", "{done:?}");
    let mut expected = inline.body.clone();
    let inline_rows = expected.as_object_mut().unwrap().remove("rows").unwrap();
    assert_eq!(done.body["summary"], expected, "the same totals as the inline import");
    // A dry run's ids are made afresh each time: the rest of each line is the same.
    let without_ids = |rows: Vec<Value>| -> Vec<Value> {
        rows.into_iter()
            .map(|mut r| {
                r.as_object_mut().unwrap().remove("user_id");
                r
            })
            .collect()
    };
    let rows = without_ids(report(done.body["report_url"].as_str().unwrap()).await);
    assert_eq!(rows, without_ids(inline_rows.as_array().unwrap().clone()), "and the same rows");

    let up = t.post("/api/users/import/uploads", json!({ "media_type": "application/json" })).await;
    put(up.body["url"].as_str().unwrap(), "application/json", b"{\"not\": \"a dump\"".to_vec()).await;
    assert_eq!(t.run_import_jobs().await, vec![json!("failed")]);
    let failed = job(&t, up.body["job_id"].as_str().unwrap()).await;
    assert_eq!((failed.body["status"].as_str(), failed.body["field"].as_str()), (Some("failed"), Some("body")), "{failed:?}");
    assert!(failed.body.get("report_url").is_none());
}

#[tokio::test]
async fn only_superusers_start_or_see_import_jobs_and_bad_input_is_refused_naming_the_field() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let admins = t.group(Some(&c), "Admins", json!({ "view": true, "add": true, "edit": true })).await;
    let (_, admin) = t.member(&c, "admin@acme.test", &[&admins]).await;
    let r = t.request("POST", "/api/users/import/uploads", Some(json!({ "media_type": "text/csv" })), Some(&admin)).await;
    assert_eq!((r.status, r.field()), (403, Some("file")), "{r:?}");
    let r = t.post("/api/users/import/uploads", json!({ "media_type": "image/png" })).await;
    assert_eq!((r.status, r.field()), (400, Some("media_type")), "{r:?}");
    let r = t.post("/api/users/import/uploads", json!({ "media_type": "text/csv", "company_id": "nope" })).await;
    assert_eq!((r.status, r.field()), (400, Some("company_id")), "{r:?}");
    let r = t.post("/api/users/import/uploads", json!({ "media_type": "text/csv", "shoe_size": 9 })).await;
    assert_eq!(r.status, 400, "{r:?}");
    let r = t.get("/api/users/import/jobs/not-an-id").await;
    assert_eq!((r.status, r.field()), (400, Some("id")), "{r:?}");
    let up = t.post("/api/users/import/uploads", json!({ "media_type": "text/csv" })).await;
    let id = up.body["job_id"].as_str().unwrap();
    let r = t.request("GET", &format!("/api/users/import/jobs/{id}"), None, Some(&admin)).await;
    assert_eq!(r.status, 403, "{r:?}");
    let r = t.get(&format!("/api/users/import/jobs/{}", ulid::Ulid::new())).await;
    assert_eq!(r.status, 404, "{r:?}");
}

/// Storage announces an upload twice at once (its events are at-least-once): one run claims the
/// job in a conditional write, the other leaves it alone, and a late one finds nothing to do.
#[tokio::test]
async fn two_concurrent_announcements_of_one_upload_run_its_job_once() {
    let t = TestApp::spawn().await;
    t.company("Acme").await;
    let up = t.post("/api/users/import/uploads", json!({ "media_type": "text/csv" })).await;
    let csv = "Email,First Name,Last Name,Company\nonce@example.com,Once,Only,Acme\n";
    put(up.body["url"].as_str().unwrap(), "text/csv", csv.as_bytes().to_vec()).await;
    let ctx = import_job::Context { app: t.app.clone().with_blobs(t.blobs.clone()) };
    let key = t.blobs.keys("imports/uploads/").await.unwrap().pop().expect("the upload landed");
    let event = json!({ "detail": { "object": { "key": key } } });
    let (a, b) = tokio::join!(import_job::handler(&ctx, event.clone()), import_job::handler(&ctx, event.clone()));
    let mut ran: Vec<Value> = a.unwrap()["ran"].as_array().unwrap().clone();
    ran.extend(b.unwrap()["ran"].as_array().unwrap().iter().cloned());
    assert_eq!(ran, vec![json!("done")], "one run");
    assert_eq!(import_job::handler(&ctx, event).await.unwrap()["ran"], json!([]), "and a late one runs nothing");
    let done = job(&t, up.body["job_id"].as_str().unwrap()).await;
    assert_eq!(done.body["summary"]["created"], 1, "{done:?}");
}
