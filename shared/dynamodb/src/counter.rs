//! Records the store's round trips (each SDK operation, by name), so tests can prove that
//! authorising a request is one call and that listings Query and never Scan, and benchmarks can
//! report what a page costs; and the IAM actions each call needs, so a test can hold every
//! function's role in template.yaml to what its calls need.

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default)]
pub struct CallCounter(Arc<Mutex<Vec<String>>>, Arc<Mutex<Vec<String>>>);

impl CallCounter {
    pub fn get(&self) -> usize {
        self.0.lock().map(|v| v.len()).unwrap_or(0)
    }
    /// The operations made so far, in order (`"BatchGetItem"`, `"Query"`, ...).
    pub fn operations(&self) -> Vec<String> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
    /// The IAM actions the calls so far needed, in order: `dynamodb:<Operation>`, a transaction
    /// as its items' actions (`dynamodb:PutItem`, `dynamodb:ConditionCheckItem`, ...: IAM
    /// authorises transactions through them), and a Query of an index as `dynamodb:Query@index`
    /// (its resource is the index's ARN).
    pub fn iam_actions(&self) -> Vec<String> {
        self.1.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

/// The IAM actions one call needs, from its operation and its JSON body.
fn actions_of(op: &str, body: Option<&[u8]>) -> Vec<String> {
    let json: Option<serde_json::Value> = body.and_then(|b| serde_json::from_slice(b).ok());
    match op {
        "TransactWriteItems" => json
            .as_ref()
            .and_then(|j| j["TransactItems"].as_array())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| {
                        let kind = ["Put", "Update", "Delete", "ConditionCheck"].into_iter().find(|k| i.get(*k).is_some())?;
                        Some(match kind {
                            "ConditionCheck" => "dynamodb:ConditionCheckItem".to_owned(),
                            k => format!("dynamodb:{k}Item"),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
        "Query" | "Scan" if json.as_ref().is_some_and(|j| j.get("IndexName").is_some()) => vec![format!("dynamodb:{op}@index")],
        op => vec![format!("dynamodb:{op}")],
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }
    /// Every attempt that goes on the wire (retries too), named by its `X-Amz-Target`.
    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = ctx
            .request()
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.rsplit_once('.').map(|(_, op)| op.to_owned()))
            .unwrap_or_else(|| "unknown".to_owned());
        let actions = actions_of(&op, ctx.request().body().bytes());
        if let Ok(mut v) = self.0.lock() {
            v.push(op);
        }
        if let Ok(mut v) = self.1.lock() {
            v.extend(actions);
        }
        Ok(())
    }
}
