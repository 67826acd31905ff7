//! The organisation (`OrgStore`): companies with their settings, departments, positions, platform
//! roles, quizzes and access groups (`COMPANY#<id>`, `GLOBAL`). Each item counts who refers to it
//! (`users`, `roles`, `children`) in the same transaction as the reference, so a delete refuses
//! atomically while anything still refers to it.

use super::{DynamoStore, TxOutcome, conv, n, s, sdk, unexpected};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, TransactWriteItem, Update};
use secboard_domain::ids::{CompanyId, GroupId, OrgItemId};
use secboard_domain::model::{AccessGroup, AuditEvent, CabinetSettings, Company, ItemKind, OrgItem};
use secboard_domain::ports::{OrgStore, RefTarget, Reference};
use secboard_domain::{Error, Result};
use std::collections::HashMap;

impl DynamoStore {
    fn counts(item: &Item) -> (i64, i64) {
        let get = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
        (get("users"), get("roles"))
    }

    /// Deletes an organisation item unless something refers to it, decrementing the company's
    /// child count, with its audit event, in one transaction.
    async fn delete_org_entry(
        &self,
        pk: String,
        sk: String,
        what: &str,
        parent: Option<&CompanyId>,
        audit: &AuditEvent,
        extra: Vec<TransactWriteItem>,
    ) -> Result<()> {
        let del = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk.clone(), sk.clone())))
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(#u) OR #u = :z) AND (attribute_not_exists(#r) OR #r = :z)",
            )
            .expression_attribute_names("#u", "users")
            .expression_attribute_names("#r", "roles")
            .expression_attribute_values(":z", n(0))
            .build()
            .map_err(unexpected("delete"))?;
        let mut items = vec![TransactWriteItem::builder().delete(del).build()];
        if let Some(c) = parent {
            items.push(self.counter_update(company_pk(c), "COMPANY".into(), "children", -1, None)?);
        }
        items.extend(extra);
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if !f.contains(&0) => Err(Error::concurrent_change()),
            TxOutcome::Failed(_) => {
                let Some(current) = self.get(pk, &sk).await? else { return Err(Error::NotFound("organisation item")) };
                let (users, roles) = Self::counts(&current);
                Err(Error::still_referred(what, users, roles))
            }
        }
    }
}

impl DynamoStore {
    /// Moves the rights epoch on, inside the transaction that changes a group's rights.
    fn next_rights_epoch(&self) -> Result<TransactWriteItem> {
        let u = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(RIGHTS_PK, RIGHTS_EPOCH_SK)))
            .update_expression("SET #n = if_not_exists(#n, :z) + :one")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":z", n(0))
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(unexpected("update"))?;
        Ok(TransactWriteItem::builder().update(u).build())
    }
}

/// The epoch an `RIGHTS`/`EPOCH` item holds.
/// The rights epoch as the domain sees it: the stored counter (0 before any change of rights)
/// plus the version of the rights' derivation, so that stamps made under an older derivation are
/// stale (see `RIGHTS_DERIVATION`).
pub(super) fn epoch_of(item: Option<&Item>) -> u64 {
    let stored = item.and_then(|i| i.get("n")).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    stored + secboard_domain::permissions::RIGHTS_DERIVATION
}

#[async_trait]
impl OrgStore for DynamoStore {
    async fn create_company(&self, company: &Company, audit: &AuditEvent) -> Result<()> {
        let items =
            vec![self.put(to_item(&DbCompanyV1::from(company)).map_err(conv)?, Some("attribute_not_exists(pk)"))?, self.audit_put(audit)?];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::already_exists("id")),
        }
    }

    async fn get_company(&self, id: &CompanyId) -> Result<Option<Company>> {
        self.get(company_pk(id), "COMPANY").await?.map(|i| DbCompanyV1::from_item(i).map(Company::from).map_err(conv)).transpose()
    }

    async fn list_companies(&self) -> Result<Vec<Company>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let r = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("gsi1")
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", s(COMPANIES_PK))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk("list companies"))?;
            for i in r.items.unwrap_or_default() {
                out.push(DbCompanyV1::from_item(i).map(Company::from).map_err(conv)?);
            }
            start = r.last_evaluated_key;
            if start.is_none() {
                return Ok(out);
            }
        }
    }

    async fn update_company(&self, company: &Company, expected_version: u64, audit: &AuditEvent) -> Result<()> {
        let db = DbCompanyV1::from(company);
        let u = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(db.pk, db.sk)))
            .update_expression("SET #n = :n, version = :v, gsi1sk = :s")
            .condition_expression("version = :e")
            .expression_attribute_names("#n", "name")
            .expression_attribute_values(":n", s(company.name.as_str()))
            .expression_attribute_values(":v", n(company.version as i64))
            .expression_attribute_values(":s", s(db.gsi1sk))
            .expression_attribute_values(":e", n(expected_version as i64))
            .build()
            .map_err(unexpected("update"))?;
        match self.transact(vec![TransactWriteItem::builder().update(u).build(), self.audit_put(audit)?]).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }

    async fn delete_company(&self, id: &CompanyId, audit: &AuditEvent) -> Result<()> {
        let del = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(company_pk(id), "COMPANY")))
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(#u) OR #u = :z) AND (attribute_not_exists(#c) OR #c = :z)",
            )
            .expression_attribute_names("#u", "users")
            .expression_attribute_names("#c", "children")
            .expression_attribute_values(":z", n(0))
            .build()
            .map_err(unexpected("delete"))?;
        let settings = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(company_pk(id), "SETTINGS")))
            .build()
            .map_err(unexpected("delete"))?;
        let items = vec![
            TransactWriteItem::builder().delete(del).build(),
            TransactWriteItem::builder().delete(settings).build(),
            self.audit_put(audit)?,
        ];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => {
                let Some(current) = self.get(company_pk(id), "COMPANY").await? else { return Err(Error::NotFound("company")) };
                let get = |k: &str| current.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
                Err(Error::company_not_empty(get("users"), get("children")))
            }
        }
    }

    async fn create_item(&self, item: &OrgItem, refs: &[Reference], audit: &AuditEvent) -> Result<()> {
        let mut items = vec![
            self.put(to_item(&DbOrgItemV1::from(item)).map_err(conv)?, Some("attribute_not_exists(pk)"))?,
            self.counter_update(company_pk(&item.company_id), "COMPANY".into(), "children", 1, None)?,
        ];
        for r in refs {
            items.push(self.group_role_ref(r, 1)?);
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&1) => Err(Error::NotFound("company")),
            TxOutcome::Failed(f) => Err(Self::user_tx_error(&f, &["id", "company_id"], refs)),
        }
    }

    async fn get_item(&self, company: &CompanyId, kind: ItemKind, id: &OrgItemId) -> Result<Option<OrgItem>> {
        self.get(company_pk(company), &item_sk(kind, id))
            .await?
            .map(|i| DbOrgItemV1::from_item(i).map(OrgItem::from).map_err(conv))
            .transpose()
    }

    async fn list_items(&self, company: &CompanyId, kind: ItemKind) -> Result<Vec<OrgItem>> {
        let items = self.query_all(company_pk(company), &format!("{}#", kind_prefix(kind))).await?;
        let mut out: Vec<OrgItem> =
            items.into_iter().map(|i| DbOrgItemV1::from_item(i).map(OrgItem::from).map_err(conv)).collect::<Result<_>>()?;
        out.sort_by_key(|i| i.name.as_str().to_lowercase());
        Ok(out)
    }

    async fn get_items(&self, company: &CompanyId, keys: &[(ItemKind, OrgItemId)]) -> Result<Vec<OrgItem>> {
        if keys.is_empty() {
            return Ok(vec![]);
        }
        let keys = keys.iter().map(|(k, id)| key(company_pk(company), item_sk(*k, id))).collect();
        self.batch_get(keys).await?.into_iter().map(|i| DbOrgItemV1::from_item(i).map(OrgItem::from).map_err(conv)).collect()
    }

    async fn find_groups(&self, company: &CompanyId, ids: &[GroupId]) -> Result<Vec<AccessGroup>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut keys = vec![];
        for id in ids {
            let (pk, sk) = group_key(Some(company), id);
            keys.push(key(pk, sk));
            let (pk, sk) = group_key(None, id);
            keys.push(key(pk, sk));
        }
        self.batch_get(keys).await?.into_iter().map(|i| DbGroupV1::from_item(i).map(AccessGroup::from).map_err(conv)).collect()
    }

    async fn update_item(
        &self,
        item: &OrgItem,
        expected_version: u64,
        refs: &[Reference],
        released: &[Reference],
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut items = vec![self.put_versioned(to_item(&DbOrgItemV1::from(item)).map_err(conv)?, expected_version)?];
        for r in refs {
            items.push(self.group_role_ref(r, 1)?);
        }
        for r in released {
            items.push(self.group_role_release(r)?);
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&0) => Err(Error::stale()),
            TxOutcome::Failed(f) => Err(Self::user_tx_error(&f, &["version"], refs)),
        }
    }

    async fn delete_item(&self, item: &OrgItem, audit: &AuditEvent) -> Result<()> {
        // A role releases its hold on its groups as it goes.
        let mut extra = vec![];
        if item.kind == ItemKind::Role {
            for g in self.find_groups(&item.company_id, &item.groups).await? {
                let (pk, sk) = group_key(g.company_id.as_ref(), &g.id);
                extra.push(self.counter_update(pk, sk, "roles", -1, None)?);
            }
        }
        self.delete_org_entry(
            company_pk(&item.company_id),
            item_sk(item.kind, &item.id),
            item.kind.as_str(),
            Some(&item.company_id),
            audit,
            extra,
        )
        .await
    }

    async fn create_group(&self, group: &AccessGroup, audit: &AuditEvent) -> Result<()> {
        let mut items = vec![self.put(to_item(&DbGroupV1::from(group)).map_err(conv)?, Some("attribute_not_exists(pk)"))?];
        if let Some(c) = &group.company_id {
            items.push(self.counter_update(company_pk(c), "COMPANY".into(), "children", 1, None)?);
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&1) => Err(Error::NotFound("company")),
            TxOutcome::Failed(_) => Err(Error::already_exists("id")),
        }
    }

    async fn get_group(&self, company: Option<&CompanyId>, id: &GroupId) -> Result<Option<AccessGroup>> {
        let (pk, sk) = group_key(company, id);
        self.get(pk, &sk).await?.map(|i| DbGroupV1::from_item(i).map(AccessGroup::from).map_err(conv)).transpose()
    }

    async fn list_groups(&self, company: Option<&CompanyId>) -> Result<Vec<AccessGroup>> {
        let pk = company.map(company_pk).unwrap_or_else(|| GLOBAL_PK.to_owned());
        let mut out: Vec<AccessGroup> = self
            .query_all(pk, "GROUP#")
            .await?
            .into_iter()
            .map(|i| DbGroupV1::from_item(i).map(AccessGroup::from).map_err(conv))
            .collect::<Result<_>>()?;
        out.sort_by_key(|g| g.name.as_str().to_lowercase());
        Ok(out)
    }

    async fn rights_epoch(&self) -> Result<u64> {
        Ok(epoch_of(self.get(RIGHTS_PK.into(), RIGHTS_EPOCH_SK).await?.as_ref()))
    }

    async fn update_group(&self, group: &AccessGroup, expected_version: u64, audit: &AuditEvent) -> Result<()> {
        let items = vec![
            self.put_versioned(to_item(&DbGroupV1::from(group)).map_err(conv)?, expected_version)?,
            self.next_rights_epoch()?,
            self.audit_put(audit)?,
        ];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }

    async fn delete_group(&self, group: &AccessGroup, audit: &AuditEvent) -> Result<()> {
        let (pk, sk) = group_key(group.company_id.as_ref(), &group.id);
        self.delete_org_entry(pk, sk, "access group", group.company_id.as_ref(), audit, vec![self.next_rights_epoch()?]).await
    }

    async fn get_settings(&self, company: &CompanyId) -> Result<Option<CabinetSettings>> {
        self.get(company_pk(company), "SETTINGS")
            .await?
            .map(|i| DbSettingsV1::from_item(i).map(CabinetSettings::from).map_err(conv))
            .transpose()
    }

    async fn save_settings(&self, settings: &CabinetSettings, expected_version: u64, audit: &AuditEvent) -> Result<()> {
        let item = to_item(&DbSettingsV1::from(settings)).map_err(conv)?;
        let put = if expected_version == 0 {
            self.put(item, Some("attribute_not_exists(pk)"))?
        } else {
            self.put_versioned(item, expected_version)?
        };
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(company_pk(&settings.company_id), "COMPANY")))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(unexpected("check"))?;
        match self.transact(vec![put, TransactWriteItem::builder().condition_check(check).build(), self.audit_put(audit)?]).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&1) => Err(Error::NotFound("company")),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }
}

impl DynamoStore {
    /// A put that replaces the item only at the version it was read at, keeping its counters.
    fn put_versioned(&self, mut item: Item, expected_version: u64) -> Result<TransactWriteItem> {
        // Counters are not part of the domain item: carry them over with an update instead of a put.
        let pk = item.remove("pk").ok_or_else(|| Error::unexpected("item without pk"))?;
        let sk = item.remove("sk").ok_or_else(|| Error::unexpected("item without sk"))?;
        let key = HashMap::from([("pk".to_owned(), pk), ("sk".to_owned(), sk)]);
        let u = self
            .set_update(key, item, &[], "attribute_exists(pk) AND version = :expected")
            .expression_attribute_values(":expected", n(expected_version as i64))
            .build()
            .map_err(unexpected("update"))?;
        Ok(TransactWriteItem::builder().update(u).build())
    }

    /// A role's hold on one of its groups (the group's `roles` counter).
    fn group_role_ref(&self, r: &Reference, delta: i64) -> Result<TransactWriteItem> {
        match &r.target {
            RefTarget::Group { company, id, version } => {
                let (pk, sk) = group_key(company.as_ref(), id);
                self.counter_update(pk, sk, "roles", delta, Some(*version))
            }
            _ => self.ref_update(r, delta),
        }
    }

    fn group_role_release(&self, r: &Reference) -> Result<TransactWriteItem> {
        match &r.target {
            RefTarget::Group { company, id, .. } => {
                let (pk, sk) = group_key(company.as_ref(), id);
                self.counter_update(pk, sk, "roles", -1, None)
            }
            _ => self.ref_update(r, -1),
        }
    }
}
