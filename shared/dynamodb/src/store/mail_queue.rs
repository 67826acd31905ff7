//! The mail queue (`MailStore`): `MAIL#<id>` / `MAIL`, sealed content, in the `gsi1` queue
//! (`MAILQ`, oldest first) while queued; sent mail is kept a week, dead mail under `MAILDEAD`.

use super::{DynamoStore, TxOutcome, n, s, sdk};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use secboard_domain::ids::{EventId, UserId};
use secboard_domain::mail::QueuedMail;
use secboard_domain::model::AuditEvent;
use secboard_domain::ports::MailStore;
use secboard_domain::{Error, Result};

/// How long sent mail stays in the table (for the audit trail of deliveries), in seconds.
const SENT_MAIL_KEPT_SECS: i64 = 7 * 24 * 3600;

fn mail_pk(id: &EventId) -> String {
    format!("MAIL#{id}")
}

pub(super) fn mail_item(m: &QueuedMail) -> Item {
    let mut item = key(mail_pk(&m.id), "MAIL");
    item.insert("id".into(), s(m.id.to_string()));
    item.insert("queued_at".into(), s(m.queued_at.to_string()));
    item.insert("sealed".into(), AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(m.sealed.clone())));
    item.insert("attempts".into(), n(m.attempts as i64));
    item.insert("status".into(), s("queued"));
    item.insert("kind".into(), s(m.kind.clone()));
    if let Some(u) = &m.user {
        item.insert("user_id".into(), s(u.to_string()));
    }
    // In the queue index while queued.
    item.insert("gsi1pk".into(), s("MAILQ"));
    item.insert("gsi1sk".into(), s(format!("{}#{}", m.queued_at, m.id)));
    item
}

fn queued_from(item: &Item) -> Option<QueuedMail> {
    Some(QueuedMail {
        id: EventId::parse("id", item.get("id")?.as_s().ok()?).ok()?,
        queued_at: item.get("queued_at")?.as_s().ok()?.parse().ok()?,
        sealed: item.get("sealed")?.as_b().ok()?.as_ref().to_vec(),
        user: item.get("user_id").and_then(|v| v.as_s().ok()).and_then(|v| UserId::parse("user_id", v).ok()),
        kind: item.get("kind").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default(),
        attempts: item.get("attempts").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0),
    })
}

#[async_trait]
impl MailStore for DynamoStore {
    async fn queue_mail(&self, mail: &QueuedMail, audit: Option<&AuditEvent>) -> Result<()> {
        let mut items = vec![self.put(mail_item(mail), Some("attribute_not_exists(pk)"))?];
        if let Some(a) = audit {
            items.push(self.audit_put(a)?);
        }
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::unexpected("a mail id was used twice")),
        }
    }

    async fn pending_mail(&self, limit: usize) -> Result<Vec<QueuedMail>> {
        let r = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("gsi1")
            .key_condition_expression("gsi1pk = :q")
            .expression_attribute_values(":q", s("MAILQ"))
            .limit(limit as i32)
            .send()
            .await
            .map_err(sdk("pending mail"))?;
        Ok(r.items.unwrap_or_default().iter().filter_map(queued_from).collect())
    }

    async fn mail_sent(&self, id: &EventId, now: Timestamp) -> Result<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(mail_pk(id), "MAIL")))
            .update_expression("SET #s = :sent, sent_at = :now, #t = :ttl REMOVE gsi1pk, gsi1sk, sealed")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#s", "status")
            .expression_attribute_names("#t", "ttl")
            .expression_attribute_values(":sent", s("sent"))
            .expression_attribute_values(":now", s(now.to_string()))
            .expression_attribute_values(":ttl", n(now.as_second() + SENT_MAIL_KEPT_SECS))
            .send()
            .await
            .map_err(sdk("mail sent"))?;
        Ok(())
    }

    async fn mail_failed(&self, id: &EventId, attempts: u32, dead: bool, now: Timestamp) -> Result<()> {
        let req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(mail_pk(id), "MAIL")))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":a", n(attempts as i64))
            .expression_attribute_values(":now", s(now.to_string()));
        let req = if dead {
            // Out of the queue, kept (with its sealed content) for an administrator to see.
            req.update_expression("SET attempts = :a, #s = :dead, failed_at = :now, gsi1pk = :dl REMOVE gsi1sk")
                .expression_attribute_names("#s", "status")
                .expression_attribute_values(":dead", s("dead"))
                .expression_attribute_values(":dl", s("MAILDEAD"))
        } else {
            req.update_expression("SET attempts = :a, failed_at = :now")
        };
        req.send().await.map_err(sdk("mail failed"))?;
        Ok(())
    }
}
