//! Accounts and profiles (`AccountStore`): `USER#<id>` / `ACCOUNT` and `PROFILE`, the email
//! marker `EMAIL#<lower-case email>` written and moved with the account, the superuser markers
//! and their count under `SUPERUSERS`, and the first-admin setup tokens under `SETUP`.

use super::links::link_sk;
use super::mail_queue::mail_item;
use super::two_factor::{PENDING_SK, TOTP_SK};
use super::{DynamoStore, TxOutcome, conv, n, s, sdk, unexpected};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, ReturnValue, TransactWriteItem, Update};
use jiff::Timestamp;
use secboard_domain::email::Email;
use secboard_domain::ids::UserId;
use secboard_domain::links::LinkKind;
use secboard_domain::mail::QueuedMail;
use secboard_domain::model::{Account, AuditEvent, Profile, User};
use secboard_domain::permissions::Rights;
use secboard_domain::ports::{AccountChange, AccountStore, RefTarget, Reference, SessionMove, UserChange};
use secboard_domain::superusers;
use secboard_domain::{Error, Result};
use std::collections::HashMap;

impl DynamoStore {
    /// Writes accounts, their profiles and email markers in batches of 25, with no reference
    /// counting and no uniqueness check: for seeding benchmarks on an empty table only.
    pub async fn seed_users(&self, users: &[(Account, Profile)]) -> Result<()> {
        let mut requests = Vec::with_capacity(users.len() * 3);
        for (a, p) in users {
            for item in [to_item(&DbAccountV1::from(a)).map_err(conv)?, self.profile_item(p, a)?, marker(a)] {
                let put = aws_sdk_dynamodb::types::PutRequest::builder().set_item(Some(item)).build().map_err(unexpected("put"))?;
                requests.push(aws_sdk_dynamodb::types::WriteRequest::builder().put_request(put).build());
            }
        }
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            while !pending.is_empty() {
                let r = self.client.batch_write_item().request_items(&self.table, pending).send().await.map_err(sdk("batch write"))?;
                pending = r.unprocessed_items.and_then(|mut u| u.remove(&self.table)).unwrap_or_default();
            }
        }
        Ok(())
    }

    pub(super) fn profile_item(&self, profile: &Profile, account: &Account) -> Result<Item> {
        DbProfileV1::of(profile, account).to_item().map_err(conv)
    }

    /// A conditional delete that reports whether its condition held.
    async fn delete_if(&self, pk: String, sk: String, cond: &str, values: HashMap<String, AttributeValue>) -> Result<bool> {
        let r = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .condition_expression(cond)
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .send()
            .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(sdk("delete")(e)),
        }
    }
}

#[async_trait]
impl AccountStore for DynamoStore {
    async fn user_id_by_email(&self, email: &Email) -> Result<Option<UserId>> {
        let item = self.get(email_pk(&email.normalized()), "EMAIL").await?;
        Ok(item.and_then(|i| i.get("user_id").and_then(|v| v.as_s().ok()).and_then(|v| UserId::parse("user_id", v).ok())))
    }

    async fn get_user(&self, id: &UserId) -> Result<Option<User>> {
        let items = self.batch_get(vec![key(user_pk(id), "ACCOUNT"), key(user_pk(id), "PROFILE")]).await?;
        user_from_items(items)
    }

    async fn create_account(&self, account: &Account, audit: &AuditEvent) -> Result<()> {
        let mut items = vec![
            self.put(marker(account), Some("attribute_not_exists(pk)"))?,
            self.put(to_item(&DbAccountV1::from(account)).map_err(conv)?, Some("attribute_not_exists(pk)"))?,
        ];
        if account.superuser {
            items.push(self.put(key(SUPERUSERS_PK, user_pk(&account.id)), None)?);
        }
        if superusers::standing(account, None) {
            items.push(self.superuser_count(1)?);
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) => Err(Self::user_tx_error(&f, &["email", "id"], &[])),
        }
    }

    async fn create_user(&self, account: &Account, profile: &Profile, refs: &[Reference], audit: &AuditEvent) -> Result<()> {
        let mut items = vec![
            self.put(marker(account), Some("attribute_not_exists(pk)"))?,
            self.put(to_item(&DbAccountV1::from(account)).map_err(conv)?, Some("attribute_not_exists(pk)"))?,
            self.put(self.profile_item(profile, account)?, Some("attribute_not_exists(pk)"))?,
        ];
        let mut fixed = vec!["email", "id", "id"];
        if account.superuser {
            items.push(self.put(key(SUPERUSERS_PK, user_pk(&account.id)), None)?);
            fixed.push("id");
        }
        if superusers::standing(account, Some(profile)) {
            items.push(self.superuser_count(1)?);
            fixed.push("id");
        }
        for r in refs {
            items.push(self.ref_update(r, 1)?);
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) => Err(Self::user_tx_error(&f, &fixed, refs)),
        }
    }

    async fn attach_profile(
        &self,
        account: &Account,
        profile: &Profile,
        refs: &[Reference],
        released: &[Reference],
        audit: &AuditEvent,
    ) -> Result<()> {
        // The account as read (one version back) and still without a profile.
        let account_put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&DbAccountV1::from(account)).map_err(conv)?))
            .condition_expression("version = :v AND has_profile = :f")
            .expression_attribute_values(":v", n(account.version as i64 - 1))
            .expression_attribute_values(":f", AttributeValue::Bool(false))
            .build()
            .map_err(unexpected("put"))?;
        let mut items = vec![
            TransactWriteItem::builder().put(account_put).build(),
            self.put(self.profile_item(profile, account)?, Some("attribute_not_exists(pk)"))?,
        ];
        for r in refs {
            items.push(self.ref_update(r, 1)?);
        }
        for r in released {
            items.push(self.release(r)?);
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) => Err(Self::user_tx_error(&f, &["version", "user_id"], refs)),
        }
    }

    async fn save_profile(&self, profile: &Profile, expected_version: u64, audit: Option<&AuditEvent>) -> Result<()> {
        // Only the profile's own attributes: the account facts beside them stay as they are.
        let fields = to_item(&DbProfileFields::of(profile)).map_err(conv)?;
        let removes: Vec<&str> = PROFILE_OPTIONAL.iter().copied().filter(|k| !fields.contains_key(*k)).collect();
        let mut u = self.set_update(key(user_pk(&profile.user_id), "PROFILE"), fields, &removes, "version = :expected");
        u = u.expression_attribute_values(":expected", n(expected_version as i64));
        let mut items = vec![TransactWriteItem::builder().update(u.build().map_err(unexpected("update"))?).build()];
        if let Some(a) = audit {
            items.push(self.audit_put(a)?);
        }
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }

    async fn update_user(&self, c: &UserChange<'_>) -> Result<()> {
        let before = &c.before.account;
        let old_profile = c.before.profile.as_ref().ok_or_else(|| Error::unexpected("update of a user without a profile"))?;
        let account_put = self.account_put(c.account, before.version)?;
        // The profile's own fields and the account facts beside them; the photo key stays.
        let mut fields = to_item(&DbProfileFields::of(c.profile)).map_err(conv)?;
        fields.extend(to_item(&DbAccountFacts::from(c.account)).map_err(conv)?);
        let removes: Vec<&str> = PROFILE_OPTIONAL.iter().copied().filter(|k| !fields.contains_key(*k)).collect();
        let profile_update = self
            .set_update(key(user_pk(&c.profile.user_id), "PROFILE"), fields, &removes, "version = :expected")
            .expression_attribute_values(":expected", n(old_profile.version as i64))
            .build()
            .map_err(unexpected("update"))?;
        let mut items = vec![account_put, TransactWriteItem::builder().update(profile_update).build()];
        let mut fixed = vec!["version", "version"];
        let (old_email, new_email) = (before.email.normalized(), c.account.email.normalized());
        if old_email != new_email {
            let del = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(email_pk(&old_email), "EMAIL")))
                .condition_expression("user_id = :id")
                .expression_attribute_values(":id", s(before.id.to_string()))
                .build()
                .map_err(unexpected("delete"))?;
            items.push(TransactWriteItem::builder().delete(del).build());
            items.push(self.put(marker(c.account), Some("attribute_not_exists(pk)"))?);
            fixed.extend(["version", "email"]);
        }
        let mut refs: Vec<Reference> = vec![];
        for r in c.added {
            items.push(self.ref_update(r, 1)?);
            refs.push(r.clone());
        }
        for r in c.released {
            items.push(self.release(r)?);
            refs.push(r.clone());
        }
        for r in c.kept {
            if let RefTarget::Group { company, id, version } = &r.target {
                let (pk, sk) = group_key(company.as_ref(), id);
                let version = *version;
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(pk, sk)))
                    .condition_expression("version = :v")
                    .expression_attribute_values(":v", n(version as i64))
                    .build()
                    .map_err(unexpected("check"))?;
                items.push(TransactWriteItem::builder().condition_check(check).build());
                refs.push(r.clone());
            }
        }
        if c.reset_two_factor {
            let pk = user_pk(&c.account.id);
            items.push(self.delete_item(pk.clone(), TOTP_SK, None)?);
            items.push(self.delete_item(pk, PENDING_SK, None)?);
        }
        if c.end_links {
            for kind in LinkKind::ALL {
                items.push(self.delete_item(user_pk(&c.account.id), &link_sk(kind), None)?);
            }
        }
        let mut last_superuser_at = None;
        match c.standing_superusers {
            d if d < 0 => {
                last_superuser_at = Some(items.len());
                items.push(self.superuser_count_down()?);
            }
            d if d > 0 => items.push(self.superuser_count(d)?),
            _ => {}
        }
        let (last, earlier) = c.mails.split_last().map_or((None, &[][..]), |(l, e)| (Some(l), e));
        for m in earlier {
            items.push(self.put(mail_item(m), None)?);
        }
        self.push_mail_and_audit(&mut items, last, c.audit)?;
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if last_superuser_at.is_some_and(|i| f.contains(&i)) => Err(superusers::last_superuser()),
            TxOutcome::Failed(f) => Err(Self::user_tx_error(&f, &fixed, &refs)),
        }
    }

    async fn delete_user(&self, user: &User, released: &[Reference], audit: &AuditEvent) -> Result<()> {
        let a = &user.account;
        let pk = user_pk(&a.id);
        let del = |k: Item, cond: Option<&str>| -> Result<TransactWriteItem> {
            let d = Delete::builder().table_name(&self.table).set_key(Some(k)).set_condition_expression(cond.map(str::to_owned));
            Ok(TransactWriteItem::builder().delete(d.build().map_err(unexpected("delete"))?).build())
        };
        let account_del = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk.clone(), "ACCOUNT")))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", n(a.version as i64))
            .build()
            .map_err(unexpected("delete"))?;
        let mut items = vec![TransactWriteItem::builder().delete(account_del).build(), del(key(pk.clone(), "PROFILE"), None)?];
        let marker_del = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(email_pk(&a.email.normalized()), "EMAIL")))
            .condition_expression("user_id = :id")
            .expression_attribute_values(":id", s(a.id.to_string()))
            .build()
            .map_err(unexpected("delete"))?;
        items.push(TransactWriteItem::builder().delete(marker_del).build());
        let mut last_superuser_at = None;
        if a.superuser {
            items.push(del(key(SUPERUSERS_PK, user_pk(&a.id)), None)?);
        }
        if superusers::standing(a, user.profile.as_ref()) {
            last_superuser_at = Some(items.len());
            items.push(self.superuser_count_down()?);
        }
        for r in released {
            items.push(self.release(r)?);
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => {}
            TxOutcome::Failed(f) if last_superuser_at.is_some_and(|i| f.contains(&i)) => {
                return Err(superusers::last_superuser());
            }
            TxOutcome::Failed(_) => return Err(Error::stale()),
        }
        // The rest of the partition (sessions and whatever later items live there).
        let rest = self.query_all(pk.clone(), "").await?;
        for chunk in rest.chunks(25) {
            let mut pending: Vec<aws_sdk_dynamodb::types::WriteRequest> = chunk
                .iter()
                .filter_map(|i| {
                    let k = key(i.get("pk")?.as_s().ok()?.clone(), i.get("sk")?.as_s().ok()?.clone());
                    let d = aws_sdk_dynamodb::types::DeleteRequest::builder().set_key(Some(k)).build().ok()?;
                    Some(aws_sdk_dynamodb::types::WriteRequest::builder().delete_request(d).build())
                })
                .collect();
            let mut tries = 0;
            while !pending.is_empty() {
                let r = self.client.batch_write_item().request_items(&self.table, pending).send().await.map_err(sdk("batch delete"))?;
                pending = r.unprocessed_items.and_then(|mut u| u.remove(&self.table)).unwrap_or_default();
                tries += 1;
                if tries > 8 {
                    return Err(Error::unexpected("batch delete: items left unprocessed"));
                }
            }
        }
        Ok(())
    }

    async fn set_avatar(&self, user: &UserId, avatar: Option<&str>, audit: &AuditEvent) -> Result<Option<String>> {
        // One conditional update that answers the key it replaced, then the audit event.
        let req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(user), "PROFILE")))
            .condition_expression("attribute_exists(pk)")
            .return_values(ReturnValue::UpdatedOld);
        let req = match avatar {
            Some(k) => req.update_expression("SET avatar_key = :k").expression_attribute_values(":k", s(k)),
            None => req.update_expression("REMOVE avatar_key"),
        };
        let old = match req.send().await {
            Ok(out) => out.attributes.and_then(|a| a.get("avatar_key").and_then(|v| v.as_s().ok()).cloned()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                return Err(Error::NotFound("profile"));
            }
            Err(e) => return Err(sdk("set avatar")(e)),
        };
        self.append_audit(audit).await?;
        Ok(old)
    }

    async fn save_account(&self, c: &AccountChange<'_>) -> Result<()> {
        let mut items = vec![self.account_put(c.account, c.read_version)?];
        self.push_mail_and_audit(&mut items, c.mail, c.audit)?;
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }

    async fn stamp_rights(&self, user: &UserId, rights: &Rights, epoch: u64, version: u64) -> Result<()> {
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(user), "PROFILE")))
            .update_expression("SET rights = :r, rights_epoch = :e")
            .condition_expression("version = :v AND (attribute_not_exists(rights_epoch) OR rights_epoch < :e)")
            .expression_attribute_values(":r", serde_dynamo::to_attribute_value(rights).map_err(|e| conv(e.into()))?)
            .expression_attribute_values(":e", n(epoch as i64))
            .expression_attribute_values(":v", n(version as i64))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(sdk("stamp rights")(e)),
        }
    }

    async fn has_superuser(&self) -> Result<bool> {
        let r = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(SUPERUSERS_PK))
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk("query superusers"))?;
        Ok(r.count > 0)
    }

    async fn put_setup_token(&self, digest: &str, expires_at: Timestamp) -> Result<()> {
        let mut item = key(SETUP_PK, format!("TOKEN#{digest}"));
        item.insert("expires_at".into(), n(expires_at.as_second()));
        item.insert("ttl".into(), n(expires_at.as_second()));
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(sdk("put setup token"))?;
        Ok(())
    }

    async fn take_setup_token(&self, digest: &str, now: Timestamp) -> Result<bool> {
        self.delete_if(
            SETUP_PK.into(),
            format!("TOKEN#{digest}"),
            "attribute_exists(pk) AND expires_at > :now",
            HashMap::from([(":now".into(), n(now.as_second()))]),
        )
        .await
    }

    async fn change_password(
        &self,
        account: &Account,
        read_version: u64,
        keep: SessionMove<'_>,
        mail: Option<&QueuedMail>,
        audit: &AuditEvent,
    ) -> Result<()> {
        // The caller's session moves on to the new epoch under a new secret; the others stay on
        // the old epoch and end.
        let mut items = vec![self.account_put(account, read_version)?];
        items.extend(super::sessions::session_move(self, keep)?);
        self.push_mail_and_audit(&mut items, mail, audit)?;
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&1) && !f.contains(&0) => Err(Error::Unauthenticated),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }
}

impl DynamoStore {
    /// The domain's rule, enforced atomically: one standing superuser less only while more than
    /// must remain.
    fn superuser_count_down(&self) -> Result<TransactWriteItem> {
        let u = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(SUPERUSERS_PK, SUPERUSER_COUNT_SK)))
            .update_expression("SET #n = #n - :one")
            .condition_expression("#n > :keep")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":keep", n(superusers::MUST_REMAIN as i64))
            .build()
            .map_err(unexpected("update"))?;
        Ok(TransactWriteItem::builder().update(u).build())
    }

    pub(super) fn superuser_count(&self, delta: i64) -> Result<TransactWriteItem> {
        let u = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(SUPERUSERS_PK, SUPERUSER_COUNT_SK)))
            .update_expression("SET #n = if_not_exists(#n, :z) + :d")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":z", n(0))
            .expression_attribute_values(":d", n(delta))
            .build()
            .map_err(unexpected("update"))?;
        Ok(TransactWriteItem::builder().update(u).build())
    }

    /// Lets go of a reference (a role's or a user's hold), whatever version a group is at now.
    fn release(&self, r: &Reference) -> Result<TransactWriteItem> {
        match &r.target {
            RefTarget::Group { company, id, .. } => {
                let (pk, sk) = group_key(company.as_ref(), id);
                self.counter_update(pk, sk, "users", -1, None)
            }
            _ => self.ref_update(r, -1),
        }
    }
}

pub(super) fn marker(a: &Account) -> Item {
    let mut m = key(email_pk(&a.email.normalized()), "EMAIL");
    m.insert("user_id".into(), s(a.id.to_string()));
    m
}

pub(super) fn user_from_items(items: Vec<Item>) -> Result<Option<User>> {
    let mut account = None;
    let mut profile = None;
    for item in items {
        match item.get("sk").and_then(|v| v.as_s().ok()).map(String::as_str) {
            Some("ACCOUNT") => account = Some(Account::from(DbAccountV1::from_item(item).map_err(conv)?)),
            Some("PROFILE") => {
                profile = Some(DbProfileV1::profile_from_item(item).map_err(conv)?);
            }
            _ => {}
        }
    }
    Ok(account.map(|account| User { account, profile }))
}
