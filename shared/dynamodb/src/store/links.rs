//! One-time links (`LinkStore`): `USER#<id>` / `LINK#<kind>`, one live link per user and kind,
//! holding the token's digest and its expiry; spending it is one conditional delete.

use super::mail_queue::mail_item;
use super::{DynamoStore, TxOutcome, n, s, unexpected};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use jiff::Timestamp;
use secboard_domain::ids::UserId;
use secboard_domain::links::LinkKind;
use secboard_domain::mail::QueuedMail;
use secboard_domain::model::{Account, AuditEvent};
use secboard_domain::ports::{LinkStore, StoredLink};
use secboard_domain::{Error, Result};

pub(super) fn link_sk(kind: LinkKind) -> String {
    format!("LINK#{}", kind.as_str())
}

#[async_trait]
impl LinkStore for DynamoStore {
    async fn links(&self, user: &UserId, kinds: &[LinkKind]) -> Result<Vec<StoredLink>> {
        let items = self.batch_get(kinds.iter().map(|k| key(user_pk(user), link_sk(*k))).collect()).await?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let field = |name: &str| item.get(name).ok_or_else(|| Error::unexpected(format!("a link item without {name}")));
            let sk = field("sk")?.as_s().map_err(|_| Error::unexpected("a link's sort key is not a string"))?;
            let Some(kind) = kinds.iter().copied().find(|k| link_sk(*k) == *sk) else { continue };
            let digest = field("digest")?.as_s().map_err(|_| Error::unexpected("a link's digest is not a string"))?.clone();
            let secs: i64 = field("expires_at")?
                .as_n()
                .map_err(|_| Error::unexpected("a link's expiry is not a number"))?
                .parse()
                .map_err(Error::unexpected)?;
            let expires_at = Timestamp::from_second(secs).map_err(Error::unexpected)?;
            out.push(StoredLink { kind, digest, expires_at });
        }
        Ok(out)
    }

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
