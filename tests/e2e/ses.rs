//! Sending through SES v2, against moto (the test command runs these in its moto phase only).

use secboard_tests::*;
use serde_json::json;

fn moto() -> String {
    ses_endpoint().expect("SES tests need moto: run them through infra/test-all.sh, which starts it and sets SECBOARD_TEST_SES")
}

#[tokio::test]
async fn the_mailer_sends_queued_mail_through_ses_as_raw_mime() {
    let endpoint = moto();
    let t = TestApp::spawn().await;
    let sdk = secboard_infra::embedded::local_sdk_config(&endpoint);
    let ses = secboard_mail::Ses::new(&sdk);
    // moto accepts mail only from a verified identity.
    ses.client().create_email_identity().email_identity("secboard.test").send().await.expect("an identity");
    let c = t.company("Acme").await;
    t.member(&c, "ses@example.com", &[]).await;
    let r = t.request("POST", "/api/auth/password-reset", Some(json!({ "email": "ses@example.com" })), None).await;
    assert_eq!(r.status, 202);
    let ctx = mailer::Context { app: t.app.clone(), sender: Box::new(ses) };
    let out = mailer::handler(&ctx, json!({ "Records": [] })).await.expect("the mailer ran");
    assert_eq!(out["sent"], 1, "{out}");
    let dump: serde_json::Value =
        serde_json::from_slice(&reqwest::get(format!("{endpoint}/moto-api/data.json")).await.unwrap().bytes().await.unwrap()).unwrap();
    let text = dump["ses"].to_string();
    assert!(text.contains("ses@example.com") && text.contains("no-reply@secboard.test"), "the raw message reached SES");
    assert!(text.contains("multipart/alternative") || text.contains("multipart\\/alternative"), "as MIME");
}
