//! The mail queue (`MailStore`): `MAIL#<id>` / `MAIL`, sealed content, in the `gsi1` queue
//! (`MAILQ`, oldest first) while queued; sent mail is kept a week, dead mail under `MAILDEAD`.
//!
//! A claim sets `lease_owner` (the claim's token) and `lease_until` (epoch milliseconds, a
//! number, so it compares as time) by a conditional UpdateItem: `status = queued` and no lease
//! running. The marks are conditional on `lease_owner`. Items queued before leases existed have
//! neither attribute and are claimable as they are; every write names its attributes, so an item
//! keeps what it had.

use super::{CondUpdate, DynamoStore, TxOutcome, n, s, sdk};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use jiff::Timestamp;
use secboard_domain::ids::{EventId, UserId};
use secboard_domain::mail::{MailLease, QueuedMail};
use secboard_domain::model::AuditEvent;
use secboard_domain::ports::MailStore;
use secboard_domain::{Error, Result};
use std::collections::HashMap;

/// How long sent mail stays in the table (for the audit trail of deliveries), in seconds.
const SENT_MAIL_KEPT_SECS: i64 = 7 * 24 * 3600;

fn mail_pk(id: &EventId) -> String {
    format!("MAIL#{id}")
}

/// A lease's end as stored: epoch milliseconds.
fn lease_ms(at: Timestamp) -> AttributeValue {
    n(at.as_millisecond())
}

/// An update of a mail item held by `lease` (the claim that took it), with `status` as `#s`.
fn held(id: &EventId, lease: &MailLease, expr: &str, cond: &str, values: Item) -> CondUpdate {
    let mut values = values;
    values.insert(":me".into(), s(lease.token.clone()));
    CondUpdate {
        key: key(mail_pk(id), "MAIL"),
        expr: expr.to_owned(),
        cond: format!("lease_owner = :me AND {cond}"),
        names: HashMap::from([("#s".to_owned(), "status".to_owned())]),
        values,
    }
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

    async fn pending_mail(&self, limit: usize, now: Timestamp) -> Result<Vec<QueuedMail>> {
        // Leased mail is filtered out after the read, so a page can come back short: read on
        // until `limit` or the end. Few are leased at a time (one per running mailer).
        let mut out = vec![];
        let mut start = None;
        loop {
            let r = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("gsi1")
                .key_condition_expression("gsi1pk = :q")
                .filter_expression("attribute_not_exists(lease_until) OR lease_until <= :now")
                .expression_attribute_values(":q", s("MAILQ"))
                .expression_attribute_values(":now", lease_ms(now))
                .limit(limit as i32)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk("pending mail"))?;
            out.extend(r.items.unwrap_or_default().iter().filter_map(queued_from));
            start = r.last_evaluated_key;
            if out.len() >= limit || start.is_none() {
                out.truncate(limit);
                return Ok(out);
            }
        }
    }

    async fn claim_mail(&self, id: &EventId, lease: &MailLease, now: Timestamp) -> Result<Option<QueuedMail>> {
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(mail_pk(id), "MAIL")))
            .update_expression("SET lease_owner = :me, lease_until = :until")
            .condition_expression("#s = :queued AND (attribute_not_exists(lease_until) OR lease_until <= :now)")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":queued", s("queued"))
            .expression_attribute_values(":me", s(lease.token.clone()))
            .expression_attribute_values(":until", lease_ms(lease.until))
            .expression_attribute_values(":now", lease_ms(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match r {
            Ok(out) => match out.attributes.as_ref().and_then(queued_from) {
                Some(m) => Ok(Some(m)),
                None => Err(Error::unexpected("a claimed mail item cannot be read")),
            },
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(None),
            Err(e) => Err(sdk("claim mail")(e)),
        }
    }

    async fn mail_sent(&self, id: &EventId, lease: &MailLease, now: Timestamp) -> Result<bool> {
        // `status` may already be `sent` by this same claim: a repeated mark (an SDK retry after a
        // lost answer) holds. `lease_owner` stays, so that it can.
        let values = HashMap::from([
            (":sent".to_owned(), s("sent")),
            (":queued".to_owned(), s("queued")),
            (":now".to_owned(), s(now.to_string())),
            (":ttl".to_owned(), n(now.as_second() + SENT_MAIL_KEPT_SECS)),
        ]);
        let mut u = held(
            id,
            lease,
            "SET #s = :sent, sent_at = :now, #t = :ttl REMOVE gsi1pk, gsi1sk, sealed, lease_until",
            "#s IN (:queued, :sent)",
            values,
        );
        u.names.insert("#t".into(), "ttl".into());
        self.update_if(u).await
    }

    async fn mail_failed(&self, id: &EventId, lease: &MailLease, attempts: u32, dead: bool, now: Timestamp) -> Result<bool> {
        let mut values = HashMap::from([
            (":a".to_owned(), n(attempts as i64)),
            (":now".to_owned(), s(now.to_string())),
            (":queued".to_owned(), s("queued")),
        ]);
        let expr = if dead {
            // Out of the queue, kept (with its sealed content) for an administrator to see.
            values.insert(":dead".into(), s("dead"));
            values.insert(":dl".into(), s("MAILDEAD"));
            "SET attempts = :a, #s = :dead, failed_at = :now, gsi1pk = :dl REMOVE gsi1sk, lease_until"
        } else {
            // Back in the queue for a later round: the lease is let go.
            "SET attempts = :a, failed_at = :now REMOVE lease_owner, lease_until"
        };
        self.update_if(held(id, lease, expr, "#s = :queued", values)).await
    }

    async fn suppress_address(&self, address_key: &str, reason: &str, at: Timestamp, audit: &AuditEvent) -> Result<()> {
        let mut item = key(suppression_pk(address_key), "MAIL");
        item.insert("reason".into(), s(reason));
        item.insert("at".into(), s(at.to_string()));
        let items = vec![self.put(item, None)?, self.audit_put(audit)?];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::unexpected("suppressing an address was refused")),
        }
    }

    async fn suppressed(&self, address_key: &str) -> Result<Option<(String, Timestamp)>> {
        let Some(item) = self.get(suppression_pk(address_key), "MAIL").await? else { return Ok(None) };
        let reason = item.get("reason").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let at = item.get("at").and_then(|v| v.as_s().ok()).and_then(|v| v.parse().ok()).unwrap_or_default();
        Ok(Some((reason, at)))
    }

    async fn clear_suppression(&self, address_key: &str, audit: &AuditEvent) -> Result<bool> {
        let items = vec![self.delete_item(suppression_pk(address_key), "MAIL", Some("attribute_exists(pk)"))?, self.audit_put(audit)?];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(true),
            TxOutcome::Failed(_) => Ok(false),
        }
    }
}

/// `SUPPRESSED#<keyed digest of the address>` / `MAIL`: mail no longer goes there.
fn suppression_pk(address_key: &str) -> String {
    format!("SUPPRESSED#{address_key}")
}
