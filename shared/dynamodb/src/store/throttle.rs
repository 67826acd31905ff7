//! Failure counts for throttling (`ThrottleStore`): `THROTTLE#<scope>` / `THROTTLE`, the count,
//! the last failure and when it is forgotten (also its TTL).

use super::{DynamoStore, n, s, sdk};
use crate::items::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use jiff::Timestamp;
use secboard_domain::Result;
use secboard_domain::ports::ThrottleStore;
use std::collections::HashMap;

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
