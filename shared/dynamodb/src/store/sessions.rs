//! Sessions (`SessionStore`): `USER#<id>` / `SESSION#<sha256>`, in the user's partition so one
//! batch read loads a session with its account and profile, and one Query lists them all.

use super::accounts::user_from_items;
use super::{CondUpdate, DynamoStore, TxOutcome, conv, n, s, sdk};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use jiff::Timestamp;
use secboard_domain::ids::UserId;
use secboard_domain::model::{AuditEvent, User};
use secboard_domain::ports::{END_SESSIONS_MAX, SessionStore};
use secboard_domain::session::{Gate, Session};
use secboard_domain::{Error, Result};
use std::collections::HashMap;

/// Moves a session to `gate`, with the TTL that gate gives it, if the session still exists.
pub(super) fn session_gate(session: &Session, gate: Gate) -> CondUpdate {
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

#[async_trait]
impl SessionStore for DynamoStore {
    async fn put_session(&self, session: &Session, audit: &AuditEvent) -> Result<()> {
        let items = vec![self.put(to_item(&DbSessionV1::from(session)).map_err(conv)?, None)?, self.audit_put(audit)?];
        match self.transact(items).await? {
            TxOutcome::Done => Ok(()),
            TxOutcome::Failed(_) => Err(Error::unexpected("session write refused")),
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
        let epoch = epoch.first().map_or(0, super::organisation::epoch_of);
        let Some(session) = sessions.into_iter().next() else { return Ok(None) };
        let session: Session = from_item::<DbSessionV1>(session).map_err(conv)?.into();
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

    async fn list_sessions(&self, user: &UserId) -> Result<Vec<Session>> {
        let items = self.query_all(user_pk(user), "SESSION#").await?;
        items.into_iter().map(|i| Ok(from_item::<DbSessionV1>(i).map_err(conv)?.into())).collect()
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
