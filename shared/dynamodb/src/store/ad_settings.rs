//! The directory connection's settings: `DIRECTORY` / `SETTINGS`, one item for the deployment,
//! guarded by its version; the bind password in it is sealed (the domain seals it).

use super::{DynamoStore, TxOutcome, conv};
use crate::items::{DbAdSettingsV1, from_item, to_item};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use secboard_domain::active_directory::AdSettings;
use secboard_domain::model::AuditEvent;
use secboard_domain::ports::AdSettingsStore;
use secboard_domain::{Error, Result};

pub(crate) const PK: &str = "DIRECTORY";
pub(crate) const SK: &str = "SETTINGS";

#[async_trait]
impl AdSettingsStore for DynamoStore {
    async fn get_ad_settings(&self) -> Result<Option<AdSettings>> {
        let Some(item) = self.get(PK.to_owned(), SK).await? else { return Ok(None) };
        Ok(Some(from_item::<DbAdSettingsV1>(item).map_err(conv)?.into()))
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
