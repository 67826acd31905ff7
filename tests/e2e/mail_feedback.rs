//! SES's bounces and complaints, as SNS delivers them to the mailer: a permanent bounce or a
//! complaint stops mail to the address (dead-lettered unsent, shown on the user's card) until an
//! administrator clears it; a transient bounce does not.

use secboard_tests::*;
use serde_json::{Value, json};

fn sns(message: Value) -> Value {
    json!({ "Records": [{ "EventSource": "aws:sns", "EventVersion": "1.0", "Sns": { "Type": "Notification", "Message": message.to_string() } }] })
}

fn bounce(address: &str, kind: &str) -> Value {
    sns(
        json!({ "eventType": "Bounce", "bounce": { "bounceType": kind, "bounceSubType": "General", "bouncedRecipients": [{ "emailAddress": address }] }, "mail": { "messageId": "x" } }),
    )
}

async fn first_access(t: &TestApp, id: &str) {
    let r = t.post(&format!("/api/users/{id}/first-access-link"), json!({})).await;
    assert_eq!(r.status, 202, "{r:?}");
}

#[tokio::test]
async fn a_permanent_bounce_stops_mail_to_the_address_until_an_administrator_clears_it() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "gone@acme.test", &[]).await;
    let mailer = mailer::Context { app: t.app.clone(), sender: Box::new(t.outbox.clone()) };

    // A full mailbox says nothing.
    let r = mailer::handler(&mailer, bounce("gone@acme.test", "Transient")).await.unwrap();
    assert_eq!(r["suppressed"], 0);
    first_access(&t, &id).await;
    assert_eq!(t.mails_to("gone@acme.test").await.len(), 1);

    // A permanent bounce (the address as SES writes it, whatever its case) stops the next mail.
    let r = mailer::handler(&mailer, bounce("GONE@Acme.test", "Permanent")).await.unwrap();
    assert_eq!(r["suppressed"], 1);
    first_access(&t, &id).await;
    let delivered = t.deliver().await;
    assert_eq!((delivered.sent, delivered.dead), (0, 1), "{delivered:?}");
    assert_eq!(t.mails_to("gone@acme.test").await.len(), 1, "nothing more was sent");
    let card = t.get(&format!("/api/users/{id}")).await.body;
    assert_eq!(card["mail_suppressed"], "bounce", "{card}");
    let audit = t.get(&format!("/api/audit?user={id}")).await.body.to_string();
    assert!(audit.contains("mail.suppressed"), "{audit}");
    // Nothing in the table holds the address in the clear beyond the account's own items.
    let stored =
        format!("{:?}", t.all_items().await.iter().filter(|i| i["pk"].as_s().unwrap().starts_with("SUPPRESSED#")).collect::<Vec<_>>());
    assert!(!stored.to_lowercase().contains("gone@acme.test"), "{stored}");

    // The administrator clears it on the card; mail goes again.
    let v = card["profile"]["version"].as_u64().unwrap();
    let r = t.patch(&format!("/api/users/{id}"), json!({ "version": v, "clear_mail_suppression": true })).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(t.get(&format!("/api/users/{id}")).await.body.get("mail_suppressed").is_none());
    first_access(&t, &id).await;
    assert_eq!(t.mails_to("gone@acme.test").await.len(), 2);
}

#[tokio::test]
async fn a_complaint_stops_mail_too() {
    let t = TestApp::spawn().await;
    let c = t.company("Acme").await;
    let (id, _) = t.member(&c, "angry@acme.test", &[]).await;
    let mailer = mailer::Context { app: t.app.clone(), sender: Box::new(t.outbox.clone()) };
    let complaint =
        sns(json!({ "notificationType": "Complaint", "complaint": { "complainedRecipients": [{ "emailAddress": "angry@acme.test" }] } }));
    assert_eq!(mailer::handler(&mailer, complaint).await.unwrap()["suppressed"], 1);
    first_access(&t, &id).await;
    assert_eq!(t.mails_to("angry@acme.test").await.len(), 0);
    assert_eq!(t.get(&format!("/api/users/{id}")).await.body["mail_suppressed"], "complaint");
}
