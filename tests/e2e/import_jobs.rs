//! Issue 14: a file too large for a request body (Lambda takes 6 MB) goes to storage by a
//! presigned PUT and is imported as a job, by the same code as the inline import, whose status,
//! totals and report the API shows.

use secboard_tests::django::vectors;
use secboard_tests::*;
use serde_json::{Value, json};

async fn put(url: &str, content_type: &str, body: Vec<u8>) {
    let r = try_put(url, content_type, body).await;
    assert!(r.is_success(), "the presigned upload: {r:?}");
}

async fn try_put(url: &str, content_type: &str, body: Vec<u8>) -> reqwest::StatusCode {
    reqwest::Client::new().put(url).header("content-type", content_type).body(body).send().await.unwrap().status()
}

/// Starts a job for a file of `size` bytes with these options.
async fn start(t: &TestApp, media_type: &str, size: usize, options: Value) -> Reply {
    let mut body = json!({ "media_type": media_type, "size": size });
    body.as_object_mut().unwrap().extend(options.as_object().unwrap().clone());
    t.post("/api/users/import/uploads", body).await
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
    let csv = "Email,First Name,Last Name,Company\nbig@example.com,Big,File,Acme\nnot-an-email,Bad,Row,Acme\n";
    let up = start(&t, "text/csv", csv.len(), json!({ "send_links": true })).await;
    assert_eq!(up.status, 201, "{up:?}");
    let id = up.body["job_id"].as_str().unwrap().to_owned();
    assert_eq!((up.body["method"].as_str(), up.body["content_type"].as_str()), (Some("PUT"), Some("text/csv")));
    assert_eq!(up.body["content_length"].as_u64(), Some(csv.len() as u64));
    let waiting = job(&t, &id).await;
    assert_eq!((waiting.status, waiting.body["status"].as_str()), (200, Some("waiting")), "{waiting:?}");
    assert!(t.run_import_jobs().await.is_empty(), "nothing runs before the file lands");

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

    let up = start(&t, "application/json", v.dump().len(), json!({ "company_id": c, "dry_run": true })).await;
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

    let not_a_dump = b"{\"not\": \"a dump\"".to_vec();
    let up = start(&t, "application/json", not_a_dump.len(), json!({})).await;
    put(up.body["url"].as_str().unwrap(), "application/json", not_a_dump).await;
    assert_eq!(t.run_import_jobs().await, vec![json!("failed")]);
    let failed = job(&t, up.body["job_id"].as_str().unwrap()).await;
    assert_eq!((failed.body["status"].as_str(), failed.body["field"].as_str()), (Some("failed"), Some("body")), "{failed:?}");
    assert_eq!(failed.body["reason"], "refused", "{failed:?}");
    assert!(failed.body.get("report_url").is_none());
}

#[tokio::test]
async fn only_superusers_start_or_see_import_jobs_and_bad_input_is_refused_naming_the_field() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let admins = t.group(Some(&c), "Admins", json!({ "view": true, "add": true, "edit": true })).await;
    let (_, admin) = t.member(&c, "admin@acme.test", &[&admins]).await;
    let r = t.request("POST", "/api/users/import/uploads", Some(json!({ "media_type": "text/csv", "size": 10 })), Some(&admin)).await;
    assert_eq!((r.status, r.field()), (403, Some("file")), "{r:?}");
    let r = start(&t, "image/png", 10, json!({})).await;
    assert_eq!((r.status, r.field()), (400, Some("media_type")), "{r:?}");
    let r = start(&t, "text/csv", 10, json!({ "company_id": "nope" })).await;
    assert_eq!((r.status, r.field()), (400, Some("company_id")), "{r:?}");
    let r = start(&t, "text/csv", 10, json!({ "shoe_size": 9 })).await;
    assert_eq!(r.status, 400, "{r:?}");
    let r = t.get("/api/users/import/jobs/not-an-id").await;
    assert_eq!((r.status, r.field()), (400, Some("id")), "{r:?}");
    let up = start(&t, "text/csv", 10, json!({})).await;
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
    let csv = "Email,First Name,Last Name,Company\nonce@example.com,Once,Only,Acme\n";
    let up = start(&t, "text/csv", csv.len(), json!({})).await;
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

/// The upload link is signed for the size and type the job was started with: storage refuses a
/// body of any other length or type, so nobody PUTs more than was declared. (moto checks no
/// signature, so this one is the embedded engine's, whose SigV4 check is s3s's; the link's own
/// signed headers are checked on every engine by the next test.)
#[tokio::test]
async fn signed_upload_storage_refuses_a_body_of_another_size_or_type_than_declared() {
    let t = TestApp::spawn().await;
    t.company("Acme").await;
    let csv = "Email,First Name,Last Name,Company\nsized@example.com,Sized,Right,Acme\n";
    let up = start(&t, "text/csv", csv.len(), json!({})).await;
    let url = up.body["url"].as_str().unwrap();
    let mut longer = csv.as_bytes().to_vec();
    longer.extend_from_slice(b"padding@example.com,Pad,Ding,Acme\n");
    let refused = try_put(url, "text/csv", longer).await;
    assert_eq!(refused.as_u16(), 403, "a longer body than declared");
    let refused = try_put(url, "text/csv", csv.as_bytes()[..csv.len() - 1].to_vec()).await;
    assert_eq!(refused.as_u16(), 403, "a shorter one");
    let refused = try_put(url, "application/json", csv.as_bytes().to_vec()).await;
    assert_eq!(refused.as_u16(), 403, "another type");
    assert!(t.blobs.keys("imports/uploads/").await.unwrap().is_empty(), "nothing landed");
    put(url, "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(t.run_import_jobs().await, vec![json!("done")]);
}

#[tokio::test]
async fn the_upload_link_signs_the_declared_length_and_type() {
    let t = TestApp::spawn().await;
    let up = start(&t, "text/csv", 1234, json!({})).await;
    let url = reqwest::Url::parse(up.body["url"].as_str().unwrap()).unwrap();
    let signed = url.query_pairs().find(|(k, _)| k == "X-Amz-SignedHeaders").map(|(_, v)| v.into_owned()).unwrap_or_default();
    let signed: Vec<&str> = signed.split(';').collect();
    assert!(signed.contains(&"content-length") && signed.contains(&"content-type"), "{signed:?}");
}

#[tokio::test]
async fn a_declared_size_over_the_cap_or_empty_is_refused_naming_size_with_the_limit() {
    let t = TestApp::spawn().await;
    let sheet_max = secboard_domain::flows::import_job::SHEET_MAX as usize;
    let dump_max = secboard_domain::flows::import_job::DUMP_MAX as usize;
    let r = start(&t, "text/csv", sheet_max + 1, json!({})).await;
    assert_eq!((r.status, r.field()), (400, Some("size")), "{r:?}");
    assert!(r.body["detail"].as_str().unwrap().contains("at most 50 MB"), "{r:?}");
    let xlsx = secboard_domain::flows::import_job::XLSX;
    let r = start(&t, xlsx, sheet_max + 1, json!({})).await;
    assert_eq!((r.status, r.field()), (400, Some("size")), "{r:?}");
    assert_eq!(start(&t, xlsx, sheet_max, json!({})).await.status, 201, "the cap itself is fine");
    let r = start(&t, "application/json", dump_max + 1, json!({})).await;
    assert_eq!((r.status, r.field()), (400, Some("size")), "{r:?}");
    assert!(r.body["detail"].as_str().unwrap().contains("at most 1024 MB"), "{r:?}");
    assert_eq!(start(&t, "application/json", sheet_max + 1, json!({})).await.status, 201, "a dump may be larger than a sheet");
    let r = start(&t, "text/csv", 0, json!({})).await;
    assert_eq!((r.status, r.field()), (400, Some("size")), "{r:?}");
    for bad in [
        json!({ "media_type": "text/csv" }),
        json!({ "media_type": "text/csv", "size": -1 }),
        json!({ "media_type": "text/csv", "size": "big" }),
    ] {
        let r = t.post("/api/users/import/uploads", bad.clone()).await;
        assert_eq!((r.status, r.field()), (400, Some("size")), "{bad}: {r:?}");
    }
}

/// What lands is checked before it is read: an object larger than its kind may be, or not of the
/// size declared, fails its job and is deleted unread (on an engine that would take any body).
#[tokio::test]
async fn a_job_refuses_an_object_over_its_cap_or_of_another_size_than_declared_without_reading_it() {
    use secboard_domain::ports::BlobStore;
    let t = TestApp::spawn().await;
    t.company("Acme").await;
    let me = t.get("/api/me").await.body["id"].as_str().unwrap().to_owned();
    let csv = "Email,First Name,Last Name,Company\nsmall@example.com,Small,File,Acme\n";

    let up = start(&t, "text/csv", csv.len(), json!({})).await;
    let id = up.body["job_id"].as_str().unwrap();
    let key = format!("imports/uploads/{me}/{id}");
    let big = vec![b'x'; secboard_domain::flows::import_job::SHEET_MAX as usize + 1];
    t.blobs.put(&key, big, "text/csv", None).await.unwrap();
    assert_eq!(t.run_import_jobs().await, vec![json!("failed")]);
    let failed = job(&t, id).await;
    assert_eq!((failed.body["reason"].as_str(), failed.body["field"].as_str()), (Some("too_large"), Some("size")), "{failed:?}");
    assert!(failed.body["message"].as_str().unwrap().contains("at most 50 MB"), "{failed:?}");
    assert!(t.blobs.keys("imports/uploads/").await.unwrap().is_empty(), "deleted unread");

    let up = start(&t, "text/csv", csv.len(), json!({})).await;
    let id = up.body["job_id"].as_str().unwrap();
    t.blobs
        .put(&format!("imports/uploads/{me}/{id}"), format!("{csv}x@example.com,X,Y,Acme\n").into_bytes(), "text/csv", None)
        .await
        .unwrap();
    assert_eq!(t.run_import_jobs().await, vec![json!("failed")]);
    let failed = job(&t, id).await;
    assert_eq!((failed.body["reason"].as_str(), failed.body["field"].as_str()), (Some("refused"), Some("size")), "{failed:?}");
    assert!(t.blobs.keys("imports/uploads/").await.unwrap().is_empty());
    let users = t.get("/api/users").await;
    assert!(!users.body.to_string().contains("small@example.com"), "nothing imported: {users:?}");
}

/// A job whose file never comes reads as failed once its upload link (and a grace for a late
/// event) is past; a file that comes later still is deleted unread.
#[tokio::test]
async fn a_job_whose_file_never_comes_reads_as_failed_after_its_link_and_grace_and_a_late_file_is_deleted_unread() {
    let t = TestApp::spawn().await;
    t.company("Acme").await;
    let csv = "Email,First Name,Last Name,Company\nlate@example.com,Late,Comer,Acme\n";
    let up = start(&t, "text/csv", csv.len(), json!({})).await;
    let id = up.body["job_id"].as_str().unwrap();
    t.clock.advance(jiff::SignedDuration::from_mins(29));
    assert_eq!(job(&t, id).await.body["status"], "waiting", "15 minutes of link and 15 of grace");
    t.clock.advance(jiff::SignedDuration::from_mins(2));
    let expired = job(&t, id).await;
    assert_eq!(
        (expired.body["status"].as_str(), expired.body["reason"].as_str(), expired.body["field"].as_str()),
        (Some("failed"), Some("upload_expired"), Some("file")),
        "{expired:?}"
    );
    assert!(expired.body["finished_at"].is_string(), "{expired:?}");
    // The link is signed at the real time, so storage still takes the file here: the job does not.
    put(up.body["url"].as_str().unwrap(), "text/csv", csv.as_bytes().to_vec()).await;
    assert!(t.run_import_jobs().await.is_empty(), "an expired job does not run");
    assert!(t.blobs.keys("imports/uploads/").await.unwrap().is_empty(), "its file is deleted unread");
    assert_eq!(job(&t, id).await.body["reason"], "upload_expired");
    assert!(!t.get("/api/users").await.body.to_string().contains("late@example.com"), "nothing imported");
}

/// A run that dies (its function timed out) leaves its job running: past the bound of any run it
/// reads as failed, and its file is deleted.
#[tokio::test]
async fn a_job_whose_run_died_reads_as_failed_after_the_bound_of_any_run() {
    use secboard_domain::model::ImportJobStatus;
    use secboard_domain::ports::ImportJobStore;
    let t = TestApp::spawn().await;
    t.company("Acme").await;
    let me = secboard_domain::ids::UserId::parse("id", t.get("/api/me").await.body["id"].as_str().unwrap()).unwrap();
    let csv = "Email,First Name,Last Name,Company\nlost@example.com,Lost,Run,Acme\n";
    let up = start(&t, "text/csv", csv.len(), json!({})).await;
    let id = up.body["job_id"].as_str().unwrap();
    put(up.body["url"].as_str().unwrap(), "text/csv", csv.as_bytes().to_vec()).await;
    // A run claims the job, then dies before it ends.
    let mut claimed = t.store.get_job(&me, id).await.unwrap().unwrap();
    claimed.status = ImportJobStatus::Running;
    claimed.started_at = Some(t.clock_now());
    assert!(t.store.save_job(&claimed, Some(ImportJobStatus::Waiting)).await.unwrap());
    t.clock.advance(jiff::SignedDuration::from_mins(19));
    assert_eq!(job(&t, id).await.body["status"], "running");
    assert!(t.run_import_jobs().await.is_empty(), "a run still going is left alone");
    assert_eq!(t.blobs.keys("imports/uploads/").await.unwrap().len(), 1, "and so is its file");
    t.clock.advance(jiff::SignedDuration::from_mins(2));
    let lost = job(&t, id).await;
    assert_eq!((lost.body["status"].as_str(), lost.body["reason"].as_str()), (Some("failed"), Some("run_lost")), "{lost:?}");
    assert!(t.run_import_jobs().await.is_empty());
    assert!(t.blobs.keys("imports/uploads/").await.unwrap().is_empty(), "its file is deleted");
}

/// Jobs carry the table's TTL attribute: a day while they wait or run (long past any link or run,
/// so the table deletes the ones nobody looks at again), seven days once ended, as their reports.
#[tokio::test]
async fn import_jobs_carry_the_tables_ttl_a_day_unfinished_and_seven_days_once_ended() {
    let t = TestApp::spawn().await;
    t.company("Acme").await;
    let me = t.get("/api/me").await.body["id"].as_str().unwrap().to_owned();
    let csv = "Email,First Name,Last Name,Company\nttl@example.com,Tee,Tee,Acme\n";
    let up = start(&t, "text/csv", csv.len(), json!({})).await;
    let id = up.body["job_id"].as_str().unwrap();
    let ttl = |item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>| -> i64 {
        item.get("ttl").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).expect("a ttl attribute")
    };
    let created = t.clock_now().as_second();
    let waiting = ttl(t.raw_get(&format!("USER#{me}"), &format!("IMPORTJOB#{id}")).await.expect("the job item"));
    assert!((waiting - (created + 24 * 3600)).abs() <= 2, "a day from its start: {waiting} vs {created}");
    t.clock.advance(jiff::SignedDuration::from_mins(5));
    put(up.body["url"].as_str().unwrap(), "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(t.run_import_jobs().await, vec![json!("done")]);
    let ended = t.clock_now().as_second();
    let done = ttl(t.raw_get(&format!("USER#{me}"), &format!("IMPORTJOB#{id}")).await.unwrap());
    assert!((done - (ended + 7 * 24 * 3600)).abs() <= 2, "seven days from its end: {done} vs {ended}");
}

/// The local S3 engine answers CORS as the data bucket's rule does on AWS: the console's origin
/// may PUT with its Content-Type, nobody else may, and nothing but PUT.
#[tokio::test]
async fn the_local_storage_lets_the_console_alone_put_across_origins() {
    use secboard_domain::ports::BlobStore;
    let dir = tempfile::tempdir().unwrap();
    let console = "http://127.0.0.1:3999";
    let s3 = secboard_infra::embedded::EmbeddedS3::start_with_cors(&dir.path().join("blobs"), vec![console.to_owned()]).await.unwrap();
    let blobs = secboard_blobs::S3Blobs::new(&secboard_infra::embedded::local_sdk_config(&s3.endpoint), "cors");
    blobs.ensure_bucket().await.unwrap();
    let url = blobs.presign_put("imports/uploads/x", "text/csv", 3, jiff::SignedDuration::from_mins(15)).await.unwrap();
    let client = reqwest::Client::new();
    let preflight = |origin: &str, method: &str, headers: &str| {
        client
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", method)
            .header("access-control-request-headers", headers)
            .send()
    };
    let ok = preflight(console, "PUT", "content-type").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["access-control-allow-origin"], console);
    assert!(ok.headers()["access-control-allow-methods"].to_str().unwrap().contains("PUT"));
    assert_eq!(preflight("http://evil.test", "PUT", "content-type").await.unwrap().status(), 403, "another origin");
    assert_eq!(preflight(console, "DELETE", "").await.unwrap().status(), 403, "another method");
    assert_eq!(preflight(console, "PUT", "content-type,x-amz-acl").await.unwrap().status(), 403, "another header");
    let put = client.put(&url).header("origin", console).header("content-type", "text/csv").body("a,b").send().await.unwrap();
    assert_eq!(put.status(), 200);
    assert_eq!(put.headers()["access-control-allow-origin"], console, "the page may read the answer");
    let other = client.put(&url).header("origin", "http://evil.test").header("content-type", "text/csv").body("a,b").send().await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    // Without the rule (the engine the tests use), no origin is allowed.
    let plain = secboard_infra::embedded::EmbeddedS3::start(&dir.path().join("plain")).await.unwrap();
    let r = client
        .request(reqwest::Method::OPTIONS, format!("{}/cors/x", plain.endpoint))
        .header("origin", console)
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// A CSV job is read as a stream, counted first: a file with more rows than a job takes is
/// refused whole before a row is written (not after the rows that fit).
#[tokio::test]
async fn a_csv_job_over_the_rows_a_job_takes_is_refused_before_a_row_is_written() {
    let t = TestApp::spawn().await;
    t.company("Acme").await;
    let max = secboard_domain::flows::import_job::JOB_ROWS_MAX;
    let mut csv = String::from("Email,First Name,Last Name,Company\n");
    for i in 0..=max {
        csv.push_str(&format!("many{i}@example.com,Many,Rows,Acme\n"));
    }
    let up = start(&t, "text/csv", csv.len(), json!({})).await;
    put(up.body["url"].as_str().unwrap(), "text/csv", csv.into_bytes()).await;
    assert_eq!(t.run_import_jobs().await, vec![json!("failed")]);
    let failed = job(&t, up.body["job_id"].as_str().unwrap()).await;
    assert_eq!((failed.body["reason"].as_str(), failed.body["field"].as_str()), (Some("refused"), Some("file")), "{failed:?}");
    assert!(failed.body["message"].as_str().unwrap().contains(&format!("at most {max} rows")), "{failed:?}");
    use secboard_domain::ports::AccountStore;
    for email in ["many0@example.com", &format!("many{}@example.com", max - 1)] {
        let email = secboard_domain::email::Email::parse("email", email).unwrap();
        assert_eq!(t.store.user_id_by_email(&email).await.unwrap(), None, "no row was written: {email:?}");
    }
}
