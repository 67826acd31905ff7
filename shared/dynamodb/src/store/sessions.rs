//! Sessions (`SessionStore`): `USER#<id>` / `SESSION#<sha256>`, in the user's partition so one
//! batch read loads a session with its account and profile, and one Query lists them all.

use super::accounts::user_from_items;
use super::{DynamoStore, TxOutcome, conv, s, sdk, unexpected};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, ReturnValue, TransactWriteItem};
use jiff::Timestamp;
use secboard_domain::ids::UserId;
use secboard_domain::model::{Account, AuditEvent, User};
use secboard_domain::ports::{END_SESSIONS_MAX, SessionMove, SessionStore};
use secboard_domain::session::Session;
use secboard_domain::{Error, Result};

/// A session moved on under a new secret: the old item deleted (it must still be there) and the
/// new one written, as two items of the caller's transaction.
pub(super) fn session_move(store: &DynamoStore, m: SessionMove<'_>) -> Result<[TransactWriteItem; 2]> {
    let from = DbSessionV1::from(m.from);
    let del = Delete::builder()
        .table_name(&store.table)
        .set_key(Some(key(from.pk, from.sk)))
        .condition_expression("attribute_exists(pk)")
        .build()
        .map_err(unexpected("delete"))?;
    Ok([
        TransactWriteItem::builder().delete(del).build(),
        store.put(to_item(&DbSessionV1::from(m.to)).map_err(conv)?, Some("attribute_not_exists(pk)"))?,
    ])
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

    async fn put_session_rehashed(&self, session: &Session, account: &Account, read_version: u64, audit: &[&AuditEvent]) -> Result<bool> {
        let mut items =
            vec![self.account_put(account, read_version)?, self.put(to_item(&DbSessionV1::from(session)).map_err(conv)?, None)?];
        for e in audit {
            items.push(self.audit_put(e)?);
        }
        match self.transact(items).await? {
            TxOutcome::Done => Ok(true),
            TxOutcome::Failed(_) => Ok(false),
        }
    }

    async fn load_session(&self, user: &UserId, digest: &str) -> Result<Option<(Session, User, u64)>> {
        let pk = user_pk(user);
        let items = self
            .batch_get(vec![
                key(pk.clone(), session_sk(digest)),
                key(pk.clone(), "ACCOUNT"),
                key(pk, "PROFILE"),
                key(RIGHTS_PK, RIGHTS_EPOCH_SK),
            ])
            .await?;
        let sk = |i: &Item| i.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let (sessions, rest): (Vec<Item>, Vec<Item>) = items.into_iter().partition(|i| sk(i).starts_with("SESSION#"));
        let (epoch, rest): (Vec<Item>, Vec<Item>) = rest.into_iter().partition(|i| sk(i) == RIGHTS_EPOCH_SK);
        let epoch = super::organisation::epoch_of(epoch.first());
        let Some(session) = sessions.into_iter().next() else { return Ok(None) };
        let session: Session = DbSessionV1::from_item(session).map_err(conv)?.into();
        Ok(user_from_items(rest)?.map(|u| (session, u, epoch)))
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

    async fn move_session(&self, m: SessionMove<'_>) -> Result<()> {
        match self.transact(session_move(self, m)?.to_vec()).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::Unauthenticated),
        }
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

    async fn list_sessions(&self, user: &UserId) -> Result<Vec<Session>> {
        let items = self.query_all(user_pk(user), "SESSION#").await?;
        items.into_iter().map(|i| Ok(DbSessionV1::from_item(i).map_err(conv)?.into())).collect()
    }

    async fn end_sessions(&self, user: &UserId, digests: &[String], audit: &AuditEvent) -> Result<bool> {
        if digests.is_empty() {
            return Ok(true);
        }
        if digests.len() > END_SESSIONS_MAX {
            return Err(Error::unexpected(format!("end_sessions: {} sessions, at most {END_SESSIONS_MAX} at once", digests.len())));
        }
        let pk = user_pk(user);
        let mut items = digests
            .iter()
            .map(|d| self.delete_item(pk.clone(), &session_sk(d), Some("attribute_exists(pk)")))
            .collect::<Result<Vec<_>>>()?;
        items.push(self.audit_put(audit)?);
        match self.transact(items).await? {
            TxOutcome::Done => Ok(true),
            TxOutcome::Failed(_) => Ok(false),
        }
    }
}
