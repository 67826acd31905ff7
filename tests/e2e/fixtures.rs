//! Every event fixture in events/ runs through its function's handler and gets the status its
//! file name promises (`events/<function>/<case>.<status>.json`).

use secboard_http::routes::Function;
use secboard_tests::*;
use serde_json::json;

#[tokio::test]
async fn every_event_fixture_gets_its_expected_status() {
    let t = TestApp::spawn().await;
    let c = t.company("Fixture Co").await;
    let d = t.item(&c, "departments", "Fixture dept").await;
    let u = t.user(json!({ "email": "fixture.user@example.com", "first_name": "F", "last_name": "U", "company_id": c })).await.id();
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../events"));
    let mut ran = 0;
    let mut folders: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    folders.sort();
    for folder in folders {
        let name = folder.file_name().unwrap().to_string_lossy().to_string();
        if name == "mailer" || name == "import-job" {
            continue; // a stream event and a storage event, not HTTP ones: see the tests below
        }
        let function = Function::ALL.into_iter().find(|f| f.name() == name).unwrap_or_else(|| panic!("events/{name} is no function"));
        let mut files: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            let fname = file.file_name().unwrap().to_string_lossy().to_string();
            let status: u16 =
                fname.trim_end_matches(".json").rsplit('.').next().unwrap().parse().unwrap_or_else(|_| panic!("{fname}: no status"));
            // Each fixture is the first request of a fresh session, like a cold Lambda.
            let cookie = t.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
            let text = std::fs::read_to_string(&file)
                .unwrap()
                .replace("{{ADMIN_COOKIE}}", &cookie)
                .replace("{{COMPANY_ID}}", &c)
                .replace("{{DEPARTMENT_ID}}", &d)
                .replace("{{USER_ID}}", &u);
            let req = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{fname}: {e}"));
            let resp = t.functions.call(function, req).await;
            assert_eq!(resp.status().as_u16(), status, "events/{name}/{fname}: {:?}", resp.body());
            ran += 1;
        }
    }
    assert!(ran >= 7, "one fixture per function at least, ran {ran}");
}

#[tokio::test]
async fn the_mailer_fixture_drains_the_queue() {
    let t = TestApp::spawn().await;
    let c = t.company("Fixture Co").await;
    t.member(&c, "queued@example.com", &[]).await;
    let r = t.request("POST", "/api/auth/password-reset", Some(json!({ "email": "queued@example.com" })), None).await;
    assert_eq!(r.status, 202);
    let event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/mailer/mail-queued.json")).unwrap())
            .unwrap();
    let ctx = mailer::Context { app: t.app.clone(), sender: Box::new(t.outbox.clone()) };
    let out = mailer::handler(&ctx, event).await.expect("the mailer ran");
    assert_eq!((out["sent"].as_u64(), out["failed"].as_u64()), (Some(1), Some(0)), "{out}");
    assert_eq!(t.outbox.messages().unwrap().len(), 1);
}

#[tokio::test]
async fn the_import_job_fixture_runs_the_uploaded_import() {
    let t = TestApp::spawn().await;
    t.company("Fixture Co").await;
    let csv = "Email,First Name,Last Name,Company\nfixture.job@example.com,Fix,Ture,Fixture Co\n";
    let up = t.post("/api/users/import/uploads", json!({ "media_type": "text/csv", "size": csv.len() })).await;
    assert_eq!(up.status, 201, "{up:?}");
    let put =
        reqwest::Client::new().put(up.body["url"].as_str().unwrap()).header("content-type", "text/csv").body(csv).send().await.unwrap();
    assert!(put.status().is_success(), "{put:?}");
    let key = t.blobs.keys("imports/uploads/").await.unwrap().pop().expect("the upload landed");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/import-job/object-created.json")).unwrap();
    let event: serde_json::Value = serde_json::from_str(&text.replace("{{KEY}}", &key)).unwrap();
    let ctx = import_job::Context { app: t.app.clone().with_blobs(t.blobs.clone()) };
    let out = import_job::handler(&ctx, event).await.expect("the import function ran");
    assert_eq!(out["ran"], json!(["done"]), "{out}");
}
