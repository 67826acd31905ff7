//! `DynamoStore`: every port of the domain over one table.

use crate::counter::CallCounter;
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, ReturnValue, Select, TransactWriteItem, Update,
};
use jiff::Timestamp;
use jiff::civil::Date;
use secboard_domain::activation::Employment;
use secboard_domain::email::Email;
use secboard_domain::filter::{StartKey, Status, UserFilter};
use secboard_domain::ids::EventId;
use secboard_domain::ids::{CompanyId, GroupId, OrgItemId, UserId};
use secboard_domain::links::LinkKind;
use secboard_domain::mail::QueuedMail;
use secboard_domain::model::{AccessGroup, Account, AuditEvent, AuditTarget, CabinetSettings, Company, ItemKind, OrgItem, Profile, User};
use secboard_domain::ports::{
    AccountStore, AuditStore, DirectoryStore, LinkStore, Listed, MailStore, OrgStore, Page, RefTarget, Reference, SessionStore,
    ThrottleStore, UserChange,
};
use secboard_domain::session::{Gate, Session};
use secboard_domain::{Error, Result};
use std::collections::HashMap;

mod two_factor;

/// One conditional update, sent alone ([`DynamoStore::update_if`]) or inside a transaction.
struct CondUpdate {
    key: Item,
    expr: String,
    cond: String,
    names: HashMap<String, String>,
    values: Item,
}

impl CondUpdate {
    fn in_transaction(self, table: &str) -> Result<TransactWriteItem> {
        let u = Update::builder()
            .table_name(table)
            .set_key(Some(self.key))
            .update_expression(self.expr)
            .condition_expression(self.cond)
            .set_expression_attribute_names((!self.names.is_empty()).then_some(self.names))
            .set_expression_attribute_values(Some(self.values))
            .build()
            .map_err(unexpected("update"))?;
        Ok(TransactWriteItem::builder().update(u).build())
    }
}

/// Moves a session to `gate`, with the TTL that gate gives it, if the session still exists.
fn session_gate(session: &Session, gate: Gate) -> CondUpdate {
    let mut moved = session.clone();
    moved.gate = gate;
    let db = DbSessionV1::from(&moved);
    CondUpdate {
        key: key(db.pk, db.sk),
        expr: "SET gate = :g, #t = :t".into(),
        cond: "attribute_exists(pk)".into(),
        names: HashMap::from([("#t".to_owned(), "ttl".to_owned())]),
        values: HashMap::from([(":g".to_owned(), s(gate.as_str())), (":t".to_owned(), n(db.ttl))]),
    }
}

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    calls: CallCounter,
}

fn unexpected<E: std::error::Error + Send + Sync + 'static>(context: &'static str) -> impl FnOnce(E) -> Error {
    move |e| Error::Unexpected(anyhow::Error::new(e).context(context))
}

fn sdk<E, R>(context: &'static str) -> impl FnOnce(SdkError<E, R>) -> Error
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| Error::Unexpected(anyhow::Error::new(e).context(context))
}

fn conv(e: anyhow::Error) -> Error {
    Error::Unexpected(e)
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Why a transaction was cancelled: the index of each item whose condition failed.
enum TxOutcome {
    Done,
    Failed(Vec<usize>),
}

impl DynamoStore {
    /// A store over `table`, counting its round trips in `calls`.
    pub fn new(sdk: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        let calls = CallCounter::default();
        let conf = aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(calls.clone()).build();
        DynamoStore { client: Client::from_conf(conf), table: table.into(), calls }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
    pub fn table(&self) -> &str {
        &self.table
    }
    /// Round trips made so far.
    pub fn calls(&self) -> usize {
        self.calls.get()
    }
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

    /// The operations made so far, by name, in order.
    pub fn operations(&self) -> Vec<String> {
        self.calls.operations()
    }

    fn put(&self, item: Item, condition: Option<&str>) -> Result<TransactWriteItem> {
        let p = Put::builder().table_name(&self.table).set_item(Some(item)).set_condition_expression(condition.map(str::to_owned));
        Ok(TransactWriteItem::builder().put(p.build().map_err(unexpected("put"))?).build())
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<TxOutcome> {
        let r = self.client.transact_write_items().set_transact_items(Some(items)).send().await;
        match r {
            Ok(_) => Ok(TxOutcome::Done),
            Err(e) => {
                if let Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c)) =
                    e.as_service_error()
                {
                    let failed: Vec<usize> = c
                        .cancellation_reasons()
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                        .map(|(i, _)| i)
                        .collect();
                    if !failed.is_empty() {
                        return Ok(TxOutcome::Failed(failed));
                    }
                    // Another transaction touched the same items at the same moment.
                    let conflict = c.cancellation_reasons().iter().any(|r| r.code() == Some("TransactionConflict"));
                    if conflict {
                        return Err(Error::conflict("version", "a concurrent change got there first; try again"));
                    }
                }
                Err(sdk("transaction")(e))
            }
        }
    }

    /// A condition that the user's account still exists (nothing is written for a deleted user).
    fn account_exists(&self, user: &UserId) -> Result<TransactWriteItem> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(user), "ACCOUNT")))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(unexpected("check"))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// The last items of a user-facing change: its notice mail (if any) and its audit event.
    fn push_mail_and_audit(&self, items: &mut Vec<TransactWriteItem>, mail: Option<&QueuedMail>, audit: &AuditEvent) -> Result<()> {
        if let Some(m) = mail {
            items.push(self.put(mail_item(m), None)?);
        }
        items.push(self.audit_put(audit)?);
        Ok(())
    }

    fn audit_put(&self, e: &AuditEvent) -> Result<TransactWriteItem> {
        self.put(to_item(&DbAuditV1::from(e)).map_err(conv)?, None)
    }

    /// The update that counts a reference (or releases one with `delta` -1).
    fn ref_update(&self, r: &Reference, delta: i64) -> Result<TransactWriteItem> {
        let (pk, sk, counter, version) = match &r.target {
            RefTarget::Company(c) => (company_pk(c), "COMPANY".to_owned(), "users", None),
            RefTarget::Item(c, kind, id) => (company_pk(c), item_sk(*kind, id), "users", None),
            RefTarget::Group { company, id, version } => {
                let (pk, sk) = group_key(company.as_ref(), id);
                (pk, sk, "users", Some(*version))
            }
        };
        self.counter_update(pk, sk, counter, delta, version)
    }

    fn counter_update(&self, pk: String, sk: String, counter: &str, delta: i64, version: Option<u64>) -> Result<TransactWriteItem> {
        let mut cond = "attribute_exists(pk)".to_owned();
        let mut values = HashMap::from([(":d".to_owned(), n(delta)), (":z".to_owned(), n(0))]);
        if let Some(v) = version {
            cond.push_str(" AND version = :v");
            values.insert(":v".to_owned(), n(v as i64));
        }
        let u = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .update_expression("SET #c = if_not_exists(#c, :z) + :d")
            .condition_expression(cond)
            .expression_attribute_names("#c", counter)
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(unexpected("update"))?;
        Ok(TransactWriteItem::builder().update(u).build())
    }

    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>> {
        let r = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk("get"))?;
        Ok(r.item)
    }

    /// BatchGetItem with the retries of unprocessed keys it needs.
    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>> {
        let mut out = Vec::new();
        for chunk in keys.chunks(100) {
            let mut pending = Some(
                KeysAndAttributes::builder().set_keys(Some(chunk.to_vec())).consistent_read(true).build().map_err(unexpected("batch"))?,
            );
            let mut tries = 0;
            while let Some(req) = pending.take() {
                let r = self.client.batch_get_item().request_items(&self.table, req).send().await.map_err(sdk("batch get"))?;
                if let Some(mut items) = r.responses {
                    out.extend(items.remove(&self.table).unwrap_or_default());
                }
                pending = r.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).filter(|k| !k.keys.is_empty());
                tries += 1;
                if pending.is_some() {
                    if tries > 8 {
                        return Err(Error::unexpected("batch get: keys left unprocessed"));
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20 << tries)).await;
                }
            }
        }
        Ok(out)
    }

    /// Every item of a partition whose sort key starts with `sk_prefix` (all of it with `""`).
    async fn query_all(&self, pk: String, sk_prefix: &str) -> Result<Vec<Item>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let q = self.client.query().table_name(&self.table).expression_attribute_values(":pk", s(pk.clone()));
            let q = if sk_prefix.is_empty() {
                q.key_condition_expression("pk = :pk")
            } else {
                q.key_condition_expression("pk = :pk AND begins_with(sk, :p)").expression_attribute_values(":p", s(sk_prefix))
            };
            let r = q.consistent_read(true).set_exclusive_start_key(start).send().await.map_err(sdk("query"))?;
            out.extend(r.items.unwrap_or_default());
            start = r.last_evaluated_key;
            if start.is_none() {
                return Ok(out);
            }
        }
    }

    /// A conditional update that reports whether its condition held.
    async fn update_if(&self, u: CondUpdate) -> Result<bool> {
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(u.key))
            .update_expression(u.expr)
            .condition_expression(u.cond)
            .set_expression_attribute_names((!u.names.is_empty()).then_some(u.names))
            .set_expression_attribute_values(Some(u.values))
            .send()
            .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(sdk("update")(e)),
        }
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
            TxOutcome::Failed(_) => {
                let Some(current) = self.get(pk, &sk).await? else { return Err(Error::NotFound("organisation item")) };
                let (users, roles) = Self::counts(&current);
                let mut by = vec![];
                if users > 0 {
                    by.push(format!("{users} user(s)"));
                }
                if roles > 0 {
                    by.push(format!("{roles} platform role(s)"));
                }
                Err(Error::Conflict { field: None, message: format!("this {what} is still referred to by {}", by.join(" and ")) })
            }
        }
    }

    /// Maps the failed items of a user transaction to the field that caused each.
    fn user_tx_error(failed: &[usize], fixed: &[&str], refs: &[Reference]) -> Error {
        let i = failed[0];
        if let Some(field) = fixed.get(i) {
            return match *field {
                "email" => Error::conflict("email", "an account with this email already exists"),
                "version" => Error::stale(),
                f => Error::conflict(f, "already exists"),
            };
        }
        match refs.get(i - fixed.len()) {
            Some(Reference { field, target: RefTarget::Group { .. } }) => {
                Error::conflict(field.clone(), "this access group changed or was deleted meanwhile; reload and try again")
            }
            Some(r) => Error::invalid(r.field.clone(), "no longer exists in this company"),
            None => Error::unexpected("transaction failed on an unknown item"),
        }
    }

    fn profile_item(&self, profile: &Profile, account: &Account) -> Result<Item> {
        to_item(&DbProfileV1::of(profile, account)).map_err(conv)
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
            items.push(self.superuser_count(1)?);
            fixed.extend(["id", "id"]);
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

    async fn attach_profile(&self, account: &Account, profile: &Profile, refs: &[Reference], audit: &AuditEvent) -> Result<()> {
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
            items.push(self.delete_item(pk.clone(), "TOTP", None)?);
            items.push(self.delete_item(pk, "TOTP#PENDING", None)?);
        }
        self.push_mail_and_audit(&mut items, c.mail, c.audit)?;
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
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
            last_superuser_at = Some(items.len());
            let u = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(SUPERUSERS_PK, SUPERUSER_COUNT_SK)))
                .update_expression("SET #n = #n - :one")
                .condition_expression("#n > :one")
                .expression_attribute_names("#n", "n")
                .expression_attribute_values(":one", n(1))
                .build()
                .map_err(unexpected("update"))?;
            items.push(TransactWriteItem::builder().update(u).build());
        }
        for r in released {
            items.push(self.release(r)?);
        }
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => {}
            TxOutcome::Failed(f) if last_superuser_at.is_some_and(|i| f.contains(&i)) => {
                return Err(Error::conflict("id", "this is the last superuser; make another one first"));
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
        keep: &Session,
        mail: Option<&QueuedMail>,
        audit: &AuditEvent,
    ) -> Result<()> {
        // The session kept is rewritten on the new epoch; the others stay on the old one and end.
        let mut items = vec![
            self.account_put(account, read_version)?,
            self.put(to_item(&DbSessionV1::from(keep)).map_err(conv)?, Some("attribute_exists(pk)"))?,
        ];
        self.push_mail_and_audit(&mut items, mail, audit)?;
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&1) && !f.contains(&0) => Err(Error::Unauthenticated),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }
}

impl DynamoStore {
    fn superuser_count(&self, delta: i64) -> Result<TransactWriteItem> {
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

    async fn append_audit(&self, e: &AuditEvent) -> Result<()> {
        let item = to_item(&DbAuditV1::from(e)).map_err(conv)?;
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(sdk("audit"))?;
        Ok(())
    }
}

fn marker(a: &Account) -> Item {
    let mut m = key(email_pk(&a.email.normalized()), "EMAIL");
    m.insert("user_id".into(), s(a.id.to_string()));
    m
}

fn user_from_items(items: Vec<Item>) -> Result<Option<User>> {
    let mut account = None;
    let mut profile = None;
    for item in items {
        match item.get("sk").and_then(|v| v.as_s().ok()).map(String::as_str) {
            Some("ACCOUNT") => account = Some(Account::from(from_item::<DbAccountV1>(item).map_err(conv)?)),
            Some("PROFILE") => {
                let db = from_item::<DbProfileV1>(item).map_err(conv)?;
                profile = Some(db.fields.into_profile(db.avatar_key));
            }
            _ => {}
        }
    }
    Ok(account.map(|account| User { account, profile }))
}

#[async_trait]
impl SessionStore for DynamoStore {
    async fn put_session(&self, session: &Session, audit: &AuditEvent) -> Result<()> {
        let items = vec![self.put(to_item(&DbSessionV1::from(session)).map_err(conv)?, None)?, self.audit_put(audit)?];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::unexpected("session write refused")),
        }
    }

    async fn load_session(&self, user: &UserId, digest: &str) -> Result<Option<(Session, User)>> {
        let pk = user_pk(user);
        let items = self.batch_get(vec![key(pk.clone(), session_sk(digest)), key(pk.clone(), "ACCOUNT"), key(pk, "PROFILE")]).await?;
        let (sessions, rest): (Vec<Item>, Vec<Item>) =
            items.into_iter().partition(|i| i.get("sk").and_then(|v| v.as_s().ok()).is_some_and(|s| s.starts_with("SESSION#")));
        let Some(session) = sessions.into_iter().next() else { return Ok(None) };
        let session: Session = from_item::<DbSessionV1>(session).map_err(conv)?.into();
        Ok(user_from_items(rest)?.map(|u| (session, u)))
    }

    async fn touch_session(&self, session: &Session, now: Timestamp) -> Result<()> {
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(&session.user_id), session_sk(&session.digest))))
            .update_expression("SET last_seen = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", s(now.to_string()))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Err(Error::Unauthenticated),
            Err(e) => Err(sdk("touch session")(e)),
        }
    }

    async fn set_session_gate(&self, session: &Session, gate: Gate) -> Result<()> {
        if self.update_if(session_gate(session, gate)).await? { Ok(()) } else { Err(Error::Unauthenticated) }
    }

    async fn delete_session(&self, user: &UserId, digest: &str) -> Result<bool> {
        let r = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(user), session_sk(digest))))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(sdk("delete session"))?;
        Ok(r.attributes.is_some_and(|a| !a.is_empty()))
    }
}

#[async_trait]
impl OrgStore for DynamoStore {
    async fn create_company(&self, company: &Company, audit: &AuditEvent) -> Result<()> {
        let items =
            vec![self.put(to_item(&DbCompanyV1::from(company)).map_err(conv)?, Some("attribute_not_exists(pk)"))?, self.audit_put(audit)?];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::conflict("id", "already exists")),
        }
    }

    async fn get_company(&self, id: &CompanyId) -> Result<Option<Company>> {
        self.get(company_pk(id), "COMPANY").await?.map(|i| from_item::<DbCompanyV1>(i).map(Company::from).map_err(conv)).transpose()
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
                out.push(from_item::<DbCompanyV1>(i).map(Company::from).map_err(conv)?);
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
                let mut by = vec![];
                if get("users") > 0 {
                    by.push(format!("{} user(s)", get("users")));
                }
                if get("children") > 0 {
                    by.push(format!("{} department(s), position(s), role(s), quiz(zes) or access group(s)", get("children")));
                }
                Err(Error::Conflict { field: None, message: format!("this company still has {}", by.join(" and ")) })
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
            .map(|i| from_item::<DbOrgItemV1>(i).map(OrgItem::from).map_err(conv))
            .transpose()
    }

    async fn list_items(&self, company: &CompanyId, kind: ItemKind) -> Result<Vec<OrgItem>> {
        let items = self.query_all(company_pk(company), &format!("{}#", kind_prefix(kind))).await?;
        let mut out: Vec<OrgItem> =
            items.into_iter().map(|i| from_item::<DbOrgItemV1>(i).map(OrgItem::from).map_err(conv)).collect::<Result<_>>()?;
        out.sort_by_key(|i| i.name.as_str().to_lowercase());
        Ok(out)
    }

    async fn get_items(&self, company: &CompanyId, keys: &[(ItemKind, OrgItemId)]) -> Result<Vec<OrgItem>> {
        if keys.is_empty() {
            return Ok(vec![]);
        }
        let keys = keys.iter().map(|(k, id)| key(company_pk(company), item_sk(*k, id))).collect();
        self.batch_get(keys).await?.into_iter().map(|i| from_item::<DbOrgItemV1>(i).map(OrgItem::from).map_err(conv)).collect()
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
        self.batch_get(keys).await?.into_iter().map(|i| from_item::<DbGroupV1>(i).map(AccessGroup::from).map_err(conv)).collect()
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
            TxOutcome::Failed(_) => Err(Error::conflict("id", "already exists")),
        }
    }

    async fn get_group(&self, company: Option<&CompanyId>, id: &GroupId) -> Result<Option<AccessGroup>> {
        let (pk, sk) = group_key(company, id);
        self.get(pk, &sk).await?.map(|i| from_item::<DbGroupV1>(i).map(AccessGroup::from).map_err(conv)).transpose()
    }

    async fn list_groups(&self, company: Option<&CompanyId>) -> Result<Vec<AccessGroup>> {
        let pk = company.map(company_pk).unwrap_or_else(|| GLOBAL_PK.to_owned());
        let mut out: Vec<AccessGroup> = self
            .query_all(pk, "GROUP#")
            .await?
            .into_iter()
            .map(|i| from_item::<DbGroupV1>(i).map(AccessGroup::from).map_err(conv))
            .collect::<Result<_>>()?;
        out.sort_by_key(|g| g.name.as_str().to_lowercase());
        Ok(out)
    }

    async fn update_group(&self, group: &AccessGroup, expected_version: u64, audit: &AuditEvent) -> Result<()> {
        let items = vec![self.put_versioned(to_item(&DbGroupV1::from(group)).map_err(conv)?, expected_version)?, self.audit_put(audit)?];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }

    async fn delete_group(&self, group: &AccessGroup, audit: &AuditEvent) -> Result<()> {
        let (pk, sk) = group_key(group.company_id.as_ref(), &group.id);
        self.delete_org_entry(pk, sk, "access group", group.company_id.as_ref(), audit, vec![]).await
    }

    async fn get_settings(&self, company: &CompanyId) -> Result<Option<CabinetSettings>> {
        self.get(company_pk(company), "SETTINGS")
            .await?
            .map(|i| from_item::<DbSettingsV1>(i).map(CabinetSettings::from).map_err(conv))
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

    /// `SET` every attribute of `item` (and `REMOVE` those named), under `condition`.
    fn set_update(&self, key: Item, item: Item, removes: &[&str], condition: &str) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut sets = vec![];
        for (i, (k, v)) in item.into_iter().filter(|(k, _)| k != "pk" && k != "sk").enumerate() {
            names.insert(format!("#a{i}"), k);
            values.insert(format!(":a{i}"), v);
            sets.push(format!("#a{i} = :a{i}"));
        }
        let mut expr = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            let r: Vec<String> = removes
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    names.insert(format!("#r{i}"), (*k).to_owned());
                    format!("#r{i}")
                })
                .collect();
            expr.push_str(&format!(" REMOVE {}", r.join(", ")));
        }
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(expr)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
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

#[async_trait]
impl DirectoryStore for DynamoStore {
    async fn list_users(
        &self,
        company: Option<&CompanyId>,
        filter: &UserFilter,
        today: Date,
        start: Option<StartKey>,
        limit: usize,
    ) -> Result<Page<Listed>> {
        let (index, pk_attr, pk) = match company {
            Some(c) => ("gsi1", "gsi1pk", company_users_pk(c)),
            None => ("gsi2", "gsi2pk", ALL_USERS_PK.to_owned()),
        };
        let mut values: HashMap<String, AttributeValue> = HashMap::from([(":pk".to_owned(), s(pk))]);
        let mut names: HashMap<String, String> = HashMap::new();
        let mut conds: Vec<String> = vec![];
        let tday = s(today.to_string());
        if let Some(q) = &filter.search {
            values.insert(":q".into(), s(q.clone()));
            conds.push("(contains(#search, :q) OR contains(email_lc, :q))".into());
            names.insert("#search".into(), "search".into());
        }
        let mut eq = |attr: &str, v: &str, key: &str| {
            values.insert(key.into(), s(v));
            conds.push(format!("{attr} = {key}"));
        };
        if let Some(d) = &filter.department {
            eq("department_id", d.as_str(), ":dep");
        }
        if let Some(p) = &filter.position {
            eq("position_id", p.as_str(), ":pos");
        }
        let mut contains = |attr: &str, v: &str, key: &str| {
            values.insert(key.into(), s(v));
            conds.push(format!("contains({attr}, {key})"));
        };
        if let Some(g) = &filter.group {
            contains("group_ids", g.as_str(), ":grp");
        }
        if let Some(r) = &filter.role {
            contains("role_ids", r.as_str(), ":role");
        }
        if let Some(q) = &filter.quiz {
            contains("quiz_ids", q.as_str(), ":quiz");
        }
        if let Some(st) = filter.status {
            let (attr, v) = match st {
                Status::Active => ("active", true),
                Status::Inactive => ("active", false),
                Status::ProfileCompleted => ("completed", true),
                Status::Staff => ("staff", true),
            };
            values.insert(":st".into(), AttributeValue::Bool(v));
            conds.push(format!("{attr} = :st"));
        }
        if let Some(e) = filter.employment {
            if e != Employment::NoDates {
                values.insert(":today".into(), tday.clone());
            }
            conds.push(
                match e {
                    Employment::NoDates => "attribute_not_exists(start_date) AND attribute_not_exists(end_date)",
                    Employment::Future => "start_date > :today",
                    Employment::Past => "end_date < :today",
                    Employment::CurrentlyActive => {
                        "(attribute_exists(start_date) OR attribute_exists(end_date)) AND (attribute_not_exists(start_date) OR start_date <= :today) AND (attribute_not_exists(end_date) OR end_date >= :today)"
                    }
                }
                .to_owned(),
            );
        }
        if let Some(to) = filter.date_to {
            values.insert(":dto".into(), s(to.to_string()));
            conds.push("(attribute_not_exists(start_date) OR start_date <= :dto)".into());
        }
        if let Some(from) = filter.date_from {
            values.insert(":dfrom".into(), s(from.to_string()));
            conds.push("(attribute_not_exists(end_date) OR end_date >= :dfrom)".into());
        }
        let resumed = start.is_some();
        let start_key = start.map(|k| k.into_iter().map(|(k, v)| (k, s(v))).collect::<HashMap<_, _>>());
        let r = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(format!("{pk_attr} = :pk"))
            .set_filter_expression((!conds.is_empty()).then(|| conds.join(" AND ")))
            .set_expression_attribute_names((!names.is_empty()).then_some(names))
            .set_expression_attribute_values(Some(values))
            .set_exclusive_start_key(start_key)
            .limit(limit as i32)
            .select(Select::AllAttributes)
            .send()
            .await
            .map_err(|e| {
                // A start key the index does not know (a forged or foreign cursor).
                if resumed && e.as_service_error().and_then(|s| s.code()) == Some("ValidationException") {
                    Error::invalid("cursor", "is not a cursor of this listing")
                } else {
                    sdk("list users")(e)
                }
            })?;
        let items_read = r.scanned_count.max(r.count).max(0) as usize;
        let next =
            r.last_evaluated_key.map(|k| k.into_iter().filter_map(|(k, v)| v.as_s().ok().map(|v| (k, v.clone()))).collect::<StartKey>());
        let items = r
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|i| from_item::<DbProfileV1>(i).map(DbProfileV1::into_listed).map_err(conv))
            .collect::<Result<_>>()?;
        Ok(Page { items, next, items_read })
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
        r.items.unwrap_or_default().into_iter().map(|i| from_item::<DbAuditV1>(i).map(AuditEvent::from).map_err(conv)).collect()
    }
}

/// How long sent mail stays in the table (for the audit trail of deliveries), in seconds.
const SENT_MAIL_KEPT_SECS: i64 = 7 * 24 * 3600;

fn link_sk(kind: LinkKind) -> String {
    format!("LINK#{}", kind.as_str())
}

fn mail_pk(id: &EventId) -> String {
    format!("MAIL#{id}")
}

#[async_trait]
impl LinkStore for DynamoStore {
    async fn put_link(
        &self,
        user: &UserId,
        kind: LinkKind,
        digest: &str,
        expires_at: Timestamp,
        mail: &QueuedMail,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut link = key(user_pk(user), link_sk(kind));
        link.insert("digest".into(), s(digest));
        link.insert("expires_at".into(), n(expires_at.as_second()));
        link.insert("ttl".into(), n(expires_at.as_second()));
        // The account must still be there: a link for a deleted user is not written.
        let items = vec![self.put(link, None)?, self.account_exists(user)?, self.put(mail_item(mail), None)?, self.audit_put(audit)?];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::NotFound("user")),
        }
    }

    async fn spend_link(
        &self,
        user: &UserId,
        kind: LinkKind,
        digest: &str,
        now: Timestamp,
        account: Option<(&Account, u64)>,
        mail: Option<&QueuedMail>,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let del = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(user), link_sk(kind))))
            .condition_expression("digest = :d AND expires_at > :now")
            .expression_attribute_values(":d", s(digest))
            .expression_attribute_values(":now", n(now.as_second()))
            .build()
            .map_err(unexpected("delete"))?;
        let mut items = vec![TransactWriteItem::builder().delete(del).build()];
        if let Some((a, read_version)) = account {
            items.push(self.account_put(a, read_version)?);
        }
        self.push_mail_and_audit(&mut items, mail, audit)?;
        match self.transact(items).await {
            Ok(TxOutcome::Done) => Ok(true),
            Ok(TxOutcome::Failed(f)) if f.contains(&0) => Ok(false),
            Ok(TxOutcome::Failed(_)) => Err(Error::stale()),
            // Another request spent it at the same moment.
            Err(Error::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn mail_item(m: &QueuedMail) -> Item {
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

fn throttle_key(scope: &str) -> Item {
    key(format!("THROTTLE#{scope}"), "THROTTLE")
}

/// The count and last failure of a throttle item, if not yet forgotten.
fn throttle_state(item: &Item) -> Option<(u32, Timestamp)> {
    let count = item.get("n").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
    let last = item.get("last").and_then(|v| v.as_s().ok()).and_then(|v| v.parse().ok());
    let forget = item.get("forget_at").and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    last.filter(|l: &Timestamp| l.as_second() < forget).map(|l| (count, l))
}

#[async_trait]
impl ThrottleStore for DynamoStore {
    async fn failures(&self, scope: &str) -> Result<Option<(u32, Timestamp)>> {
        let r = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(throttle_key(scope)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk("throttle"))?;
        Ok(r.item.as_ref().and_then(throttle_state))
    }

    async fn failures_of(&self, scopes: &[&str]) -> Result<Vec<Option<(u32, Timestamp)>>> {
        let items = self.batch_get(scopes.iter().map(|s| throttle_key(s)).collect()).await?;
        Ok(scopes
            .iter()
            .map(|scope| {
                let pk = format!("THROTTLE#{scope}");
                items.iter().find(|i| i.get("pk").and_then(|v| v.as_s().ok()) == Some(&pk)).and_then(throttle_state)
            })
            .collect())
    }

    async fn reserve_attempt(&self, scope: &str, seen: Option<u32>, now: Timestamp, forget_after: jiff::SignedDuration) -> Result<bool> {
        let forget_at = now.checked_add(forget_after).unwrap_or(now).as_second();
        let next = seen.unwrap_or(0) + 1;
        let mut item = throttle_key(scope);
        item.insert("n".into(), n(next as i64));
        item.insert("last".into(), s(now.to_string()));
        item.insert("forget_at".into(), n(forget_at));
        item.insert("ttl".into(), n(forget_at));
        // Written only over the state as read: nothing remembered, or the count still `seen`.
        let (cond, values) = match seen {
            None => ("attribute_not_exists(pk) OR forget_at <= :nowsec", HashMap::from([(":nowsec".to_owned(), n(now.as_second()))])),
            Some(c) => ("n = :seen", HashMap::from([(":seen".to_owned(), n(c as i64))])),
        };
        let r = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(cond)
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(sdk("throttle")(e)),
        }
    }

    async fn record_failure(&self, scope: &str, now: Timestamp, forget_after: jiff::SignedDuration) -> Result<u32> {
        let forget_at = now.checked_add(forget_after).unwrap_or(now).as_second();
        // Go on counting while the last failure is remembered; else start again at one.
        let counted = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(throttle_key(scope)))
            .update_expression("ADD n :one SET #last = :now, forget_at = :f, #t = :f")
            .condition_expression("forget_at > :nowsec")
            .expression_attribute_names("#last", "last")
            .expression_attribute_names("#t", "ttl")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", s(now.to_string()))
            .expression_attribute_values(":f", n(forget_at))
            .expression_attribute_values(":nowsec", n(now.as_second()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match counted {
            Ok(out) => Ok(out.attributes.and_then(|a| a.get("n").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())).unwrap_or(1)),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                let mut item = throttle_key(scope);
                item.insert("n".into(), n(1));
                item.insert("last".into(), s(now.to_string()));
                item.insert("forget_at".into(), n(forget_at));
                item.insert("ttl".into(), n(forget_at));
                self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(sdk("throttle"))?;
                Ok(1)
            }
            Err(e) => Err(sdk("throttle")(e)),
        }
    }

    async fn clear_failures(&self, scope: &str) -> Result<()> {
        self.client.delete_item().table_name(&self.table).set_key(Some(throttle_key(scope))).send().await.map_err(sdk("throttle"))?;
        Ok(())
    }
}
