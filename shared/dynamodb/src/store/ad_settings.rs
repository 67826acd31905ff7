//! Active Directory: the connection's settings (`DIRECTORY` / `SETTINGS`, one item for the
//! deployment, guarded by its version; the bind password in it sealed by the domain) and the
//! GUID markers that link accounts to directory entries (`ADGUID#<hex>` / `ADGUID`, written with
//! the account in one transaction, so one entry never gets two accounts).

use super::accounts::marker;
use super::links::link_sk;
use super::{DynamoStore, TxOutcome, conv, sdk, unexpected};
use crate::items::{DbAccountV1, DbAdSettingsV1, Item, email_pk, key, to_item, user_pk};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};
use secboard_domain::active_directory::AdSettings;
use secboard_domain::ids::UserId;
use secboard_domain::links::LinkKind;
use secboard_domain::model::{Account, AuditEvent, Profile};
use secboard_domain::ports::{AdAccountStore, AdSettingsStore, Reference};
use secboard_domain::{Error, Result};

pub(crate) const PK: &str = "DIRECTORY";
pub(crate) const SK: &str = "SETTINGS";

#[async_trait]
impl AdSettingsStore for DynamoStore {
    async fn get_ad_settings(&self) -> Result<Option<AdSettings>> {
        let Some(item) = self.get(PK.to_owned(), SK).await? else { return Ok(None) };
        Ok(Some(DbAdSettingsV1::from_item(item).map_err(conv)?.into()))
    }

    async fn save_ad_settings(&self, settings: &AdSettings, expected_version: Option<u64>, audit: &AuditEvent) -> Result<()> {
        let item = to_item(&DbAdSettingsV1::from(settings)).map_err(conv)?;
        let put = match expected_version {
            None => self.put(item, Some("attribute_not_exists(pk)"))?,
            Some(v) => {
                let mut p = self.put(item, Some("version = :v"))?;
                if let Some(put) = p.put.as_mut() {
                    put.expression_attribute_values = Some([(":v".to_owned(), AttributeValue::N(v.to_string()))].into());
                }
                p
            }
        };
        match self.transact(vec![put, self.audit_put(audit)?]).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }

    async fn delete_ad_settings(&self, audit: &AuditEvent) -> Result<bool> {
        let items = vec![self.delete_item(PK.to_owned(), SK, Some("attribute_exists(pk)"))?, self.audit_put(audit)?];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(true),
            TxOutcome::Failed(_) => Ok(false),
        }
    }
}

/// The index partition (gsi1) of the GUID markers, which the scheduled sync Queries. Sparse:
/// markers written before it lack the key until a sign-in puts them on it.
const LINKED_PK: &str = "ADGUIDS";

/// `ADGUID#<hex>` / `ADGUID`: which account an entry of the directory is linked to.
fn guid_marker(guid: &str, user: &UserId) -> Item {
    let mut m = key(format!("ADGUID#{guid}"), "ADGUID");
    m.insert("user_id".into(), AttributeValue::S(user.to_string()));
    m.insert("gsi1pk".into(), AttributeValue::S(LINKED_PK.to_owned()));
    m.insert("gsi1sk".into(), AttributeValue::S(format!("ADGUID#{guid}")));
    m
}

#[async_trait]
impl AdAccountStore for DynamoStore {
    async fn ad_link(&self, guid: &str) -> Result<Option<(UserId, bool)>> {
        let Some(item) = self.get(format!("ADGUID#{guid}"), "ADGUID").await? else { return Ok(None) };
        let id = item.get("user_id").and_then(|v| v.as_s().ok()).ok_or_else(|| Error::unexpected("a GUID marker without its user"))?;
        Ok(Some((UserId::parse("user_id", id)?, item.contains_key("gsi1pk"))))
    }

    async fn index_ad_guid(&self, guid: &str, user: &UserId) -> Result<()> {
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(format!("ADGUID#{guid}"), "ADGUID")))
            .update_expression("SET gsi1pk = :pk, gsi1sk = :sk")
            .condition_expression("user_id = :id")
            .expression_attribute_values(":pk", AttributeValue::S(LINKED_PK.to_owned()))
            .expression_attribute_values(":sk", AttributeValue::S(format!("ADGUID#{guid}")))
            .expression_attribute_values(":id", AttributeValue::S(user.to_string()))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            // Linked to another account meanwhile: that link's own write indexed it.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(sdk("index a GUID marker")(e)),
        }
    }

    async fn ad_links(&self) -> Result<Vec<(String, UserId)>> {
        let mut out = vec![];
        let mut start = None;
        loop {
            let r = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("gsi1")
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(LINKED_PK.to_owned()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk("query linked directory entries"))?;
            for item in r.items.unwrap_or_default() {
                let guid = item.get("pk").and_then(|v| v.as_s().ok()).and_then(|pk| pk.strip_prefix("ADGUID#"));
                let id = item.get("user_id").and_then(|v| v.as_s().ok());
                if let (Some(guid), Some(id)) = (guid, id) {
                    out.push((guid.to_owned(), UserId::parse("user_id", id)?));
                }
            }
            start = r.last_evaluated_key;
            if start.is_none() {
                return Ok(out);
            }
        }
    }

    async fn create_ad_account(
        &self,
        account: &Account,
        profile: Option<(&Profile, &[Reference])>,
        guid: &str,
        stale: Option<&UserId>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guid_put = self.put(guid_marker(guid, &account.id), Some("attribute_not_exists(pk) OR user_id = :stale"))?;
        if let Some(put) = guid_put.put.as_mut() {
            let stale = stale.map(ToString::to_string).unwrap_or_default();
            put.expression_attribute_values = Some([(":stale".to_owned(), AttributeValue::S(stale))].into());
        }
        let mut items = vec![
            self.put(marker(account), Some("attribute_not_exists(pk)"))?,
            self.put(to_item(&DbAccountV1::from(account)).map_err(conv)?, Some("attribute_not_exists(pk)"))?,
            guid_put,
        ];
        let mut fixed = vec!["email", "id", "guid"];
        let refs = profile.map(|(_, r)| r).unwrap_or_default();
        if let Some((p, refs)) = profile {
            items.push(self.put(self.profile_item(p, account)?, Some("attribute_not_exists(pk)"))?);
            fixed.push("id");
            for r in refs {
                items.push(self.ref_update(r, 1)?);
            }
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&0) => Err(Error::email_taken()),
            TxOutcome::Failed(f) if f.iter().any(|i| *i >= fixed.len()) => Err(Self::user_tx_error(&f, &fixed, refs)),
            TxOutcome::Failed(_) => Err(Error::concurrent_change()),
        }
    }

    async fn refresh_ad_account(&self, before: &Account, account: &Account, audit: &AuditEvent) -> Result<()> {
        let mut items = vec![self.account_put(account, before.version)?];
        let (old_email, new_email) = (before.email.normalized(), account.email.normalized());
        if old_email != new_email {
            let del = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(email_pk(&old_email), "EMAIL")))
                .condition_expression("user_id = :id")
                .expression_attribute_values(":id", AttributeValue::S(before.id.to_string()))
                .build()
                .map_err(unexpected("delete"))?;
            items.push(TransactWriteItem::builder().delete(del).build());
            items.push(self.put(marker(account), Some("attribute_not_exists(pk)"))?);
            // As an edit of the email: the links sent to the old address end with it.
            for kind in LinkKind::ALL {
                items.push(self.delete_item(user_pk(&account.id), &link_sk(kind), None)?);
            }
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&2) => Err(Error::email_taken()),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }

    async fn link_ad_account(&self, account: &Account, read_version: u64, guid: &str, audit: &AuditEvent) -> Result<()> {
        let items = vec![
            self.account_put(account, read_version)?,
            self.put(guid_marker(guid, &account.id), Some("attribute_not_exists(pk)"))?,
            self.audit_put(audit)?,
        ];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&0) => Err(Error::stale()),
            TxOutcome::Failed(_) => Err(Error::concurrent_change()),
        }
    }
}
