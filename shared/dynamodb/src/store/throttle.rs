//! Failure counts for throttling (`ThrottleStore`): `THROTTLE#<scope>` / `THROTTLE`, the count,
//! the last failure and when it is forgotten (also its TTL). Caps on mail: `THROTTLE#<scope>` /
//! `CAP`, the count in the window (`n`), when the window ends (`until_ms`), when the last one was
//! counted (`last_ms`, epoch milliseconds both) and a TTL once neither matters any more.

use super::{CondUpdate, DynamoStore, TxOutcome, n, s, sdk};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use jiff::Timestamp;
use secboard_domain::Result;
use secboard_domain::ports::ThrottleStore;
use secboard_domain::throttle::{Cap, CapCount};
use std::collections::HashMap;

fn throttle_key(scope: &str) -> Item {
    key(format!("THROTTLE#{scope}"), "THROTTLE")
}

fn cap_key(scope: &str) -> Item {
    key(format!("THROTTLE#{scope}"), "CAP")
}

/// How often a count that lost a race with a concurrent one is read and tried again.
const CAP_ROUNDS: u32 = 4;

/// A cap's state as stored: the count, when its window ends and when it last counted (ms).
struct CapState {
    n: u32,
    until_ms: i64,
    last_ms: i64,
}

fn cap_state(item: &Item) -> Option<CapState> {
    let num = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
    Some(CapState { n: u32::try_from(num("n")?).ok()?, until_ms: num("until_ms")?, last_ms: num("last_ms")? })
}

fn millis(d: jiff::SignedDuration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl DynamoStore {
    /// One round of [`ThrottleStore::count_capped`]: reads every cap, refuses from what it read,
    /// else writes every count over the state as read. `None`: a concurrent count got in between.
    async fn count_capped_once(&self, caps: &[Cap], now_ms: i64) -> Result<Option<CapCount>> {
        let items = self.batch_get(caps.iter().map(|c| cap_key(&c.scope)).collect()).await?;
        let mut writes = Vec::with_capacity(caps.len());
        for (i, cap) in caps.iter().enumerate() {
            let pk = format!("THROTTLE#{}", cap.scope);
            let state = items.iter().find(|it| it.get("pk").and_then(|v| v.as_s().ok()) == Some(&pk)).and_then(cap_state);
            // A cap with no spacing never compares times of counts, which come from the clocks of
            // many functions.
            let spaced = cap.spacing.is_positive();
            let gap_ms = now_ms.saturating_sub(millis(cap.spacing));
            if spaced && state.as_ref().is_some_and(|st| st.last_ms > gap_ms) {
                return Ok(Some(CapCount::TooSoon(i)));
            }
            match state {
                Some(st) if st.until_ms > now_ms => {
                    if st.n >= cap.limit {
                        return Ok(Some(CapCount::Spent(i)));
                    }
                    // One more in the window as read, while still under the limit and spacing.
                    let mut u = CondUpdate {
                        key: cap_key(&cap.scope),
                        expr: "SET n = n + :one, last_ms = :now".into(),
                        cond: if spaced {
                            "until_ms = :until AND n < :limit AND last_ms <= :gap"
                        } else {
                            "until_ms = :until AND n < :limit"
                        }
                        .into(),
                        names: HashMap::new(),
                        values: HashMap::from([
                            (":one".to_owned(), n(1)),
                            (":now".to_owned(), n(now_ms)),
                            (":until".to_owned(), n(st.until_ms)),
                            (":limit".to_owned(), n(i64::from(cap.limit))),
                        ]),
                    };
                    if spaced {
                        u.values.insert(":gap".to_owned(), n(gap_ms));
                    }
                    writes.push(u.in_transaction(&self.table)?);
                }
                ended => {
                    // A new window, written only over the state as read: nothing, or the window
                    // that ended (another request that started the next one first wins).
                    let until_ms = now_ms.saturating_add(millis(cap.window));
                    let forget_ms = until_ms.max(now_ms.saturating_add(millis(cap.spacing)));
                    let mut item = cap_key(&cap.scope);
                    item.insert("n".into(), n(1));
                    item.insert("until_ms".into(), n(until_ms));
                    item.insert("last_ms".into(), n(now_ms));
                    item.insert("ttl".into(), n(forget_ms.div_euclid(1000) + 1));
                    let put = match ended {
                        None => self.put(item, Some("attribute_not_exists(pk)"))?,
                        Some(st) => {
                            let p = aws_sdk_dynamodb::types::Put::builder()
                                .table_name(&self.table)
                                .set_item(Some(item))
                                .condition_expression("until_ms = :until")
                                .expression_attribute_values(":until", n(st.until_ms))
                                .build()
                                .map_err(super::unexpected("put"))?;
                            aws_sdk_dynamodb::types::TransactWriteItem::builder().put(p).build()
                        }
                    };
                    writes.push(put);
                }
            }
        }
        Ok(match self.transact_unless_conflict(writes).await? {
            Some(TxOutcome::Done) => Some(CapCount::Counted),
            Some(TxOutcome::Failed(_)) | None => None,
        })
    }
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

    async fn count_capped(&self, caps: &[Cap], now: Timestamp) -> Result<CapCount> {
        let now_ms = now.as_millisecond();
        for round in 0..CAP_ROUNDS {
            if let Some(counted) = self.count_capped_once(caps, now_ms).await? {
                return Ok(counted);
            }
            // Lost a race: read again (what the winner wrote may now refuse this one).
            if round + 1 < CAP_ROUNDS {
                tokio::time::sleep(std::time::Duration::from_millis(5 << round)).await;
            }
        }
        Ok(CapCount::Contended)
    }
}
