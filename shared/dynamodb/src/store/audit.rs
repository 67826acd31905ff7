//! The audit log (`AuditStore`): `AUDIT#<target>` / `EVENT#<ulid>`, newest last; the whole
//! organisation's by time on `gsi1` (`AUDITLOG#<UTC day>` / `EVENT#<ulid>`).

use super::{DynamoStore, TxOutcome, conv, s, sdk, unexpected};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};
use secboard_domain::model::{AuditEvent, AuditTarget};
use secboard_domain::ports::AuditStore;
use secboard_domain::{Error, Result};

impl DynamoStore {
    pub(super) async fn append_audit(&self, e: &AuditEvent) -> Result<()> {
        let item = to_item(&DbAuditV1::from(e)).map_err(conv)?;
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(sdk("audit"))?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for DynamoStore {
    async fn append(&self, event: &AuditEvent) -> Result<()> {
        self.append_audit(event).await
    }

    async fn append_padded(&self, event: &AuditEvent) -> Result<()> {
        let mut items = vec![self.audit_put(event)?];
        for i in 0..3 {
            // Keys that never exist: the checks pass and write nothing.
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key(format!("PAD#{}", event.id), format!("PAD#{i}"))))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(unexpected("check"))?;
            items.push(TransactWriteItem::builder().condition_check(check).build());
        }
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::unexpected("a padding key exists")),
        }
    }

    async fn list_audit(&self, target: &AuditTarget, limit: usize) -> Result<Vec<AuditEvent>> {
        let r = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(audit_pk(target)))
            .scan_index_forward(false)
            .limit(limit as i32)
            .send()
            .await
            .map_err(sdk("audit list"))?;
        r.items.unwrap_or_default().into_iter().map(|i| DbAuditV1::from_item(i).map(AuditEvent::from).map_err(conv)).collect()
    }

    async fn list_audit_day(
        &self,
        day: jiff::civil::Date,
        action: Option<&str>,
        limit: usize,
        read_budget: usize,
    ) -> Result<Vec<AuditEvent>> {
        let mut out = Vec::new();
        let (mut start, mut read) = (None, 0usize);
        while out.len() < limit && read < read_budget {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("gsi1")
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", s(audit_day_pk(day)))
                .scan_index_forward(false)
                .set_exclusive_start_key(start.take())
                .limit((read_budget - read).min(100) as i32);
            if let Some(a) = action {
                q = q
                    .filter_expression("begins_with(#action, :a)")
                    .expression_attribute_names("#action", "action")
                    .expression_attribute_values(":a", s(a));
            }
            let r = q.send().await.map_err(sdk("audit by time"))?;
            read += r.scanned_count.max(r.count).max(1) as usize;
            for i in r.items.unwrap_or_default() {
                if out.len() < limit {
                    out.push(DbAuditV1::from_item(i).map(AuditEvent::from).map_err(conv)?);
                }
            }
            match r.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        Ok(out)
    }
}
