//! Records the store's round trips (each SDK operation, by name), so tests can prove that
//! authorising a request is one call and that listings Query and never Scan, and benchmarks can
//! report what a page costs.

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default)]
pub struct CallCounter(Arc<Mutex<Vec<String>>>);

impl CallCounter {
    pub fn get(&self) -> usize {
        self.0.lock().map(|v| v.len()).unwrap_or(0)
    }
    /// The operations made so far, in order (`"BatchGetItem"`, `"Query"`, ...).
    pub fn operations(&self) -> Vec<String> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
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
        if let Ok(mut v) = self.0.lock() {
            v.push(op);
        }
        Ok(())
    }
}
