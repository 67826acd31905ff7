//! The mailer's delivery loops: however many run at once (stream batches, the retry schedule),
//! each queued mail is sent by one of them, and what the table says afterwards is what happened.

use secboard_domain::clock::{OsEntropy, random_bytes};
use secboard_domain::flows::Deps;
use secboard_domain::flows::deliver_mail::deliver_pending;
use secboard_domain::ids::EventId;
use secboard_domain::mail::{Mail, MailKind, QueuedMail};
use secboard_domain::ports::{MailSender, MailStore, Store};
use secboard_domain::text::Language;
use secboard_tests::TestApp;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// A mail service that counts what it was asked to send, per mail, and takes a moment to answer
/// (as SES does), so that loops running at once overlap.
struct Recording {
    fails: bool,
    sends: Mutex<HashMap<String, u32>>,
}

impl Recording {
    fn new(fails: bool) -> Self {
        Recording { fails, sends: Mutex::new(HashMap::new()) }
    }
    fn sends(&self) -> HashMap<String, u32> {
        self.sends.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl MailSender for Recording {
    async fn send(&self, _: &Mail, message_id: &str, _: jiff::Timestamp) -> anyhow::Result<()> {
        *self.sends.lock().unwrap().entry(message_id.to_owned()).or_default() += 1;
        tokio::time::sleep(Duration::from_millis(2)).await;
        if self.fails {
            anyhow::bail!("the mail service is down");
        }
        Ok(())
    }
}

/// Queues a real (sealed) mail directly, as a flow would, with `attempts` already made.
async fn queue(t: &TestApp, n: usize, attempts: u32) -> QueuedMail {
    let deps = &t.app.deps;
    t.clock.advance(jiff::SignedDuration::from_millis(1));
    let mail = Mail {
        to: format!("m{n}@example.com"),
        from: "no-reply@secboard.test".into(),
        language: Language::default(),
        first_name: "M".into(),
        kind: MailKind::PasswordChanged,
    };
    let id = EventId::new(t.clock.as_ref(), &OsEntropy);
    let sealed = mail.seal(&deps.key, &id, random_bytes::<12>(&OsEntropy));
    let q = QueuedMail { id, user: None, kind: mail.kind.name().into(), queued_at: t.clock_now(), sealed, attempts };
    t.store.queue_mail(&q, None).await.unwrap();
    q
}

/// One mailer: rounds until a round finds nothing left to do.
async fn delivery_loop(deps: &Deps<impl Store + ?Sized>, sender: &dyn MailSender) -> usize {
    let mut sent = 0;
    loop {
        let d = deliver_pending(deps, sender).await.expect("a delivery round");
        sent += d.sent;
        if d.sent + d.failed + d.dead == 0 {
            return sent;
        }
    }
}

async fn status(t: &TestApp, m: &QueuedMail) -> String {
    let item = t.raw_get(&format!("MAIL#{}", m.id), "MAIL").await.expect("the mail item");
    item["status"].as_s().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_delivery_loops_send_each_of_100_queued_mails_once() {
    let t = TestApp::spawn().await;
    let mut queued = vec![];
    for n in 0..100 {
        queued.push(queue(&t, n, 0).await);
    }
    let sender = Recording::new(false);
    let deps = &t.app.deps;
    let (a, b) = tokio::join!(delivery_loop(deps, &sender), delivery_loop(deps, &sender));

    let sends = sender.sends();
    let twice: Vec<_> = sends.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{} of 100 mails were sent more than once: {twice:?}", twice.len());
    assert_eq!(sends.len(), 100, "every queued mail was sent");
    assert_eq!(a + b, 100, "the loops counted each send once (a: {a}, b: {b})");
    for m in &queued {
        assert_eq!(status(&t, m).await, "sent");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_loops_one_tries_a_mail_and_a_sent_mail_is_never_dead_lettered() {
    let t = TestApp::spawn().await;
    // Its last try: a failure dead-letters it.
    let m = queue(&t, 0, 4).await;
    let (up, down) = (Recording::new(false), Recording::new(true));
    let deps = &t.app.deps;
    let (sent, failed) = tokio::join!(deliver_pending(deps, &up), deliver_pending(deps, &down));
    let (sent, failed) = (sent.unwrap(), failed.unwrap());

    let (ups, downs) = (up.sends().len(), down.sends().len());
    assert_eq!(ups + downs, 1, "one loop tried the mail (sent by one: {ups}, failed by the other: {downs})");
    if ups == 1 {
        assert_eq!((sent.sent, failed.dead), (1, 0));
        assert_eq!(status(&t, &m).await, "sent");
    } else {
        assert_eq!((sent.sent, failed.dead), (0, 1));
        assert_eq!(status(&t, &m).await, "dead");
    }
}
