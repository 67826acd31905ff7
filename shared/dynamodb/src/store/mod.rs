//! `DynamoStore`: every port of the domain over one table, one module per port. This root keeps
//! what the ports share: the store itself, the transaction helpers (a transaction and why it was
//! cancelled, puts, the account-exists check, the mail-and-audit tail of a user-facing change,
//! reference counters, the mapping of failed items to the field that caused them) and the reads.

use crate::counter::CallCounter;
use crate::items::*;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, TransactWriteItem, Update};
use secboard_domain::error::ServiceFailure;
use secboard_domain::ids::UserId;
use secboard_domain::mail::QueuedMail;
use secboard_domain::model::{Account, AuditEvent};
use secboard_domain::ports::{RefTarget, Reference};
use secboard_domain::{Error, Result};
use std::collections::HashMap;

mod accounts;
mod ad_settings;
mod audit;
mod directory;
mod import_jobs;
mod imports;
mod links;
mod mail_queue;
mod organisation;
mod sessions;
mod throttle;
mod two_factor;

use mail_queue::mail_item;

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

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    calls: CallCounter,
}

fn unexpected<E: std::error::Error + Send + Sync + 'static>(context: &'static str) -> impl FnOnce(E) -> Error {
    move |e| Error::Unexpected(anyhow::Error::new(e).context(context))
}

/// How long a client is asked to wait when the store does not answer.
const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// Error codes that mean DynamoDB is overloaded or failing, not that the request was wrong.
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "LimitExceededException",
];

/// An SDK error as the domain's: a store that cannot be reached, times out or throttles after
/// the SDK's own retries is `Unavailable` (503 with Retry-After); anything else is unexpected.
fn sdk<E, R>(context: &'static str) -> impl FnOnce(SdkError<E, R>) -> Error
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| {
        let transient = match &e {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(s) => s.err().code().is_some_and(|c| TRANSIENT_CODES.contains(&c)),
            _ => false,
        };
        let failure = anyhow::Error::new(e.map_service_error(|s| ServiceFailure::new(s.code(), s.message()))).context(context);
        if transient {
            tracing::warn!(error = format!("{failure:#}"), "the store is unavailable");
            Error::Unavailable { retry_after_secs: UNAVAILABLE_RETRY_AFTER_SECS }
        } else {
            Error::Unexpected(failure)
        }
    }
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
    /// The operations made so far, by name, in order.
    pub fn operations(&self) -> Vec<String> {
        self.calls.operations()
    }
    /// The IAM actions the calls so far needed ([`CallCounter::iam_actions`]).
    pub fn iam_actions(&self) -> Vec<String> {
        self.calls.iam_actions()
    }

    fn put(&self, item: Item, condition: Option<&str>) -> Result<TransactWriteItem> {
        let p = Put::builder().table_name(&self.table).set_item(Some(item)).set_condition_expression(condition.map(str::to_owned));
        Ok(TransactWriteItem::builder().put(p.build().map_err(unexpected("put"))?).build())
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<TxOutcome> {
        // Another transaction touched the same items at the same moment.
        self.transact_unless_conflict(items).await?.ok_or_else(Error::concurrent_change)
    }

    /// [`DynamoStore::transact`], answering `None` when another transaction touched the same items
    /// at the same moment, for callers that try again.
    async fn transact_unless_conflict(&self, items: Vec<TransactWriteItem>) -> Result<Option<TxOutcome>> {
        let r = self.client.transact_write_items().set_transact_items(Some(items)).send().await;
        match r {
            Ok(_) => Ok(Some(TxOutcome::Done)),
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
                        return Ok(Some(TxOutcome::Failed(failed)));
                    }
                    if c.cancellation_reasons().iter().any(|r| r.code() == Some("TransactionConflict")) {
                        return Ok(None);
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
    /// Maps the failed items of a user transaction to the field that caused each.
    fn user_tx_error(failed: &[usize], fixed: &[&str], refs: &[Reference]) -> Error {
        let i = failed[0];
        if let Some(field) = fixed.get(i) {
            return match *field {
                "email" => Error::email_taken(),
                "version" => Error::stale(),
                f => Error::already_exists(f),
            };
        }
        match refs.get(i - fixed.len()) {
            Some(Reference { field, target: RefTarget::Group { .. } }) => Error::group_changed(field.clone()),
            Some(r) => Error::gone_from_company(r.field.clone()),
            None => Error::unexpected("transaction failed on an unknown item"),
        }
    }

    /// The account put, only at the version it was read at.
    fn account_put(&self, account: &Account, read_version: u64) -> Result<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&DbAccountV1::from(account)).map_err(conv)?))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", n(read_version as i64))
            .build()
            .map_err(unexpected("put"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A delete inside a transaction, under `condition` if any.
    fn delete_item(&self, pk: String, sk: &str, condition: Option<&str>) -> Result<TransactWriteItem> {
        let d = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .set_condition_expression(condition.map(str::to_owned))
            .build()
            .map_err(unexpected("delete"))?;
        Ok(TransactWriteItem::builder().delete(d).build())
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
}
