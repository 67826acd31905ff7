//! Authenticators and backup codes, in the user's partition:
//! - `USER#<id>` / `TOTP`: the sealed secret, `last_step` (the last time step accepted, only ever
//!   raised by a conditional update), `codes` (a string set of backup-code digests: spending one
//!   is `DELETE codes :d` under `contains(codes, :d)`, so of 50 concurrent uses exactly one wins);
//! - `USER#<id>` / `TOTP#PENDING`: a secret being set up, with its expiry (and TTL).
//!
//! Turning 2FA on or off writes these with the account (guarded by its version), the notice mail
//! and the audit event in one transaction.

use super::sessions::session_move;
use super::{CondUpdate, DynamoStore, TxOutcome, n, s, unexpected};
use crate::items::{Item, key, user_pk};
use async_trait::async_trait;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update};
use jiff::Timestamp;
use secboard_domain::ids::UserId;
use secboard_domain::mail::QueuedMail;
use secboard_domain::model::{AuditEvent, TotpEnrolment, TotpPending};
use secboard_domain::ports::{AccountChange, GateMove, TwoFactorStore};
use secboard_domain::{Error, Result};
use std::collections::HashMap;

pub(super) const TOTP_SK: &str = "TOTP";
pub(super) const PENDING_SK: &str = "TOTP#PENDING";

fn blob(item: &Item, k: &str) -> Option<Vec<u8>> {
    item.get(k).and_then(|v| v.as_b().ok()).map(|b| b.as_ref().to_vec())
}

fn num(item: &Item, k: &str) -> Option<i64> {
    item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

impl DynamoStore {
    /// One conditional update of the user's TOTP item, alone or with the session's gate in one
    /// transaction. False when its condition did not hold (or a concurrent write won).
    async fn totp_update(&self, user: &UserId, expr: &str, cond: &str, values: Item, gate: GateMove<'_>) -> Result<bool> {
        let update = CondUpdate { key: key(user_pk(user), TOTP_SK), expr: expr.into(), cond: cond.into(), names: HashMap::new(), values };
        let Some(m) = gate else { return self.update_if(update).await };
        let mut items = vec![update.in_transaction(&self.table)?];
        items.extend(session_move(self, m)?);
        match self.transact(items).await {
            Ok(TxOutcome::Done) => Ok(true),
            Ok(TxOutcome::Failed(f)) if f.contains(&0) => Ok(false),
            // The session ended meanwhile.
            Ok(TxOutcome::Failed(_)) => Err(Error::Unauthenticated),
            // A concurrent use of the same code or step got there first.
            Err(Error::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl TwoFactorStore for DynamoStore {
    async fn put_pending_totp(&self, user: &UserId, pending: &TotpPending, audit: &AuditEvent) -> Result<()> {
        let mut item = key(user_pk(user), PENDING_SK);
        item.insert("sealed".into(), AttributeValue::B(Blob::new(pending.sealed_secret.clone())));
        item.insert("expires_at".into(), n(pending.expires_at.as_second()));
        item.insert("ttl".into(), n(pending.expires_at.as_second()));
        let items = vec![self.put(item, None)?, self.account_exists(user)?, self.audit_put(audit)?];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::NotFound("user")),
        }
    }

    async fn get_pending_totp(&self, user: &UserId) -> Result<Option<TotpPending>> {
        let Some(item) = self.get(user_pk(user), PENDING_SK).await? else { return Ok(None) };
        let (Some(sealed_secret), Some(expires)) = (blob(&item, "sealed"), num(&item, "expires_at")) else {
            return Err(Error::unexpected("a pending TOTP item without its secret"));
        };
        let expires_at = Timestamp::from_second(expires).map_err(Error::unexpected)?;
        Ok(Some(TotpPending { sealed_secret, expires_at }))
    }

    async fn get_totp(&self, user: &UserId) -> Result<Option<TotpEnrolment>> {
        let Some(item) = self.get(user_pk(user), TOTP_SK).await? else { return Ok(None) };
        let (Some(sealed_secret), Some(last_step)) = (blob(&item, "sealed"), num(&item, "last_step")) else {
            return Err(Error::unexpected("a TOTP item without its secret"));
        };
        let backup_codes = item.get("codes").and_then(|v| v.as_ss().ok()).cloned().unwrap_or_default();
        let enrolled_at = item.get("enrolled_at").and_then(|v| v.as_s().ok()).and_then(|v| v.parse().ok()).unwrap_or_default();
        Ok(Some(TotpEnrolment { sealed_secret, last_step, backup_codes, enrolled_at }))
    }

    async fn enable_totp(&self, e: &TotpEnrolment, now: Timestamp, c: &AccountChange<'_>, gate: GateMove<'_>) -> Result<()> {
        let pk = user_pk(&c.account.id);
        let spend_pending = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk.clone(), PENDING_SK)))
            .condition_expression("expires_at > :now")
            .expression_attribute_values(":now", n(now.as_second()))
            .build()
            .map_err(unexpected("delete"))?;
        let mut item = key(pk, TOTP_SK);
        item.insert("sealed".into(), AttributeValue::B(Blob::new(e.sealed_secret.clone())));
        item.insert("last_step".into(), n(e.last_step));
        item.insert("enrolled_at".into(), s(e.enrolled_at.to_string()));
        if !e.backup_codes.is_empty() {
            item.insert("codes".into(), AttributeValue::Ss(e.backup_codes.clone()));
        }
        let mut items = vec![
            TransactWriteItem::builder().delete(spend_pending).build(),
            self.put(item, Some("attribute_not_exists(pk)"))?,
            self.account_put(c.account, c.read_version)?,
        ];
        // The session at the set-up gate moves on in the same write (a session that ended
        // meanwhile fails it, like a changed account).
        if let Some(m) = gate {
            items.extend(session_move(self, m)?);
        }
        self.push_mail_and_audit(&mut items, c.mail, c.audit)?;
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&0) => Err(Error::totp_setup_gone()),
            TxOutcome::Failed(f) if f.contains(&1) => Err(Error::totp_already_on()),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }

    async fn disable_totp(&self, c: &AccountChange<'_>) -> Result<()> {
        let pk = user_pk(&c.account.id);
        let mut items = vec![
            self.delete_item(pk.clone(), TOTP_SK, Some("attribute_exists(pk)"))?,
            self.delete_item(pk, PENDING_SK, None)?,
            self.account_put(c.account, c.read_version)?,
        ];
        self.push_mail_and_audit(&mut items, c.mail, c.audit)?;
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(f) if f.contains(&0) => Err(Error::totp_not_on()),
            TxOutcome::Failed(_) => Err(Error::stale()),
        }
    }

    async fn accept_totp_step(&self, user: &UserId, step: i64, gate: GateMove<'_>) -> Result<bool> {
        let values = HashMap::from([(":s".to_owned(), n(step))]);
        self.totp_update(user, "SET last_step = :s", "last_step < :s", values, gate).await
    }

    async fn spend_backup_code(&self, user: &UserId, digest: &str, gate: GateMove<'_>) -> Result<bool> {
        let values = HashMap::from([(":set".to_owned(), AttributeValue::Ss(vec![digest.to_owned()])), (":d".to_owned(), s(digest))]);
        self.totp_update(user, "DELETE codes :set", "contains(codes, :d)", values, gate).await
    }

    async fn replace_backup_codes(&self, user: &UserId, digests: &[String], mail: Option<&QueuedMail>, audit: &AuditEvent) -> Result<()> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(user), TOTP_SK)))
            .update_expression("SET codes = :c")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":c", AttributeValue::Ss(digests.to_vec()))
            .build()
            .map_err(unexpected("update"))?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        self.push_mail_and_audit(&mut items, mail, audit)?;
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::totp_not_on()),
        }
    }
}
