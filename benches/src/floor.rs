//! The floor's function, shared by `floor-lambda` (the SDK's default loader) and `floor-direct`
//! (`secboard_wiring::sdk_from_env`): a DynamoDB client built once; a request with a cookie reads
//! one item (so the client's code is linked as a real function's is), one without is answered 401.
//!
//! The `part-*` binaries are `floor-direct` plus one heavy part (photo decoding, QR, the password
//! dictionaries, ...) reachable from a request with an `x-part` header: their size over
//! `floor-direct` is that part's size, measured as a function links it.

// Each binary that includes this module calls part of it: the floors `serve`, the parts the rest.
#![allow(dead_code)]

use lambda_http::{Body, Error, Request, Response, run, service_fn};
use std::future::Future;

pub async fn serve(sdk: aws_config::SdkConfig) -> Result<(), Error> {
    serve_with(sdk, None::<fn(Vec<u8>) -> std::future::Ready<usize>>).await
}

/// The floor, with `part` run on the body of a request that carries `x-part`.
pub async fn serve_with<F, Fut>(sdk: aws_config::SdkConfig, part: Option<F>) -> Result<(), Error>
where
    F: Fn(Vec<u8>) -> Fut + Sync,
    Fut: Future<Output = usize> + Send,
{
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = std::env::var("TABLE_NAME").unwrap_or_default();
    run(service_fn(|req: Request| {
        let (dynamodb, table, part) = (&dynamodb, &table, &part);
        async move {
            let status = match (req.headers().get("cookie").and_then(|c| c.to_str().ok()), part) {
                (_, Some(part)) if req.headers().contains_key("x-part") => 200 + (part(req.body().to_vec()).await % 2) as u16,
                (Some(cookie), _) => {
                    let key = aws_sdk_dynamodb::types::AttributeValue::S(cookie.to_owned());
                    match dynamodb.get_item().table_name(table).key("pk", key.clone()).key("sk", key).send().await {
                        Ok(r) if r.item.is_some() => 200,
                        Ok(_) => 401,
                        Err(_) => 503,
                    }
                }
                (None, _) => 401,
            };
            Response::builder()
                .status(status)
                .header("content-type", "application/problem+json")
                .body(Body::from(format!("{{\"status\":{status}}}")))
                .map_err(Error::from)
        }
    }))
    .await
}

/// Runs `floor-direct` with `part` behind `x-part`.
pub fn main_with<F, Fut>(part: F) -> Result<(), Error>
where
    F: Fn(Vec<u8>) -> Fut + Sync,
    Fut: Future<Output = usize> + Send,
{
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async { serve_with(secboard_wiring::sdk_from_env().await, Some(part)).await })
}
