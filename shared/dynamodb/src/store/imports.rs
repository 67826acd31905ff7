//! Imports (`ImportStore`): accounts brought over in batches, each batch one transaction with
//! every account's email marker (only while the email is free), the superuser markers, each
//! group's member count moved once by the batch's total, the superuser count moved once, and one
//! audit event; and the reads a re-run needs to recognise its own rows.

use super::{DynamoStore, TxOutcome, conv, s};
use crate::items::*;
use async_trait::async_trait;
use secboard_domain::email::Email;
use secboard_domain::ids::{CompanyId, GroupId, UserId};
use secboard_domain::model::{Account, AuditEvent};
use secboard_domain::ports::ImportStore;
use secboard_domain::{Error, Result, superusers};

#[async_trait]
impl ImportStore for DynamoStore {
    async fn accounts_by_emails(&self, emails: &[Email]) -> Result<Vec<Account>> {
        if emails.is_empty() {
            return Ok(vec![]);
        }
        let markers = self.batch_get(emails.iter().map(|e| key(email_pk(&e.normalized()), "EMAIL")).collect()).await?;
        let ids: Vec<UserId> = markers
            .iter()
            .filter_map(|m| m.get("user_id").and_then(|v| v.as_s().ok()).and_then(|v| UserId::parse("user_id", v).ok()))
            .collect();
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let items = self.batch_get(ids.iter().map(|id| key(user_pk(id), "ACCOUNT")).collect()).await?;
        items.into_iter().map(|i| DbAccountV1::from_item(i).map(Account::from).map_err(conv)).collect()
    }

    async fn import_accounts(&self, accounts: &[Account], members: &[(CompanyId, GroupId, i64)], audit: &AuditEvent) -> Result<()> {
        let mut items = vec![];
        let mut standing = 0;
        for a in accounts {
            items.push(self.put(imported_marker(a), Some("attribute_not_exists(pk)"))?);
            items.push(self.put(to_item(&DbAccountV1::from(a)).map_err(conv)?, Some("attribute_not_exists(pk)"))?);
            if a.superuser {
                items.push(self.put(key(SUPERUSERS_PK, user_pk(&a.id)), None)?);
            }
            if superusers::standing(a, None) {
                standing += 1;
            }
        }
        let markers = items.len();
        for (company, group, count) in members {
            let (pk, sk) = group_key(Some(company), group);
            items.push(self.counter_update(pk, sk, "users", *count, None)?);
        }
        if standing > 0 {
            items.push(self.superuser_count(standing)?);
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            // A marker or account taken: the email (the id is new); a group count: the group is gone.
            TxOutcome::Failed(f) if f.iter().all(|i| *i < markers) => Err(Error::email_taken()),
            TxOutcome::Failed(_) => {
                Err(Error::conflict("company_id", "an access group of the import was deleted meanwhile").coded("group_gone"))
            }
        }
    }
}

fn imported_marker(a: &Account) -> Item {
    let mut m = key(email_pk(&a.email.normalized()), "EMAIL");
    m.insert("user_id".into(), s(a.id.to_string()));
    m
}
