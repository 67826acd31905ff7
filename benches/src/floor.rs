//! The floor's function, shared by `floor-lambda` (the SDK's default loader) and `floor-direct`
//! (`secboard_wiring::sdk_from_env`): a DynamoDB client built once; a request with a cookie reads
//! one item (so the client's code is linked as a real function's is), one without is answered 401.

use lambda_http::{Body, Error, Request, Response, run, service_fn};

pub async fn serve(sdk: aws_config::SdkConfig) -> Result<(), Error> {
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = std::env::var("TABLE_NAME").unwrap_or_default();
    run(service_fn(|req: Request| {
        let (dynamodb, table) = (&dynamodb, &table);
        async move {
            let status = match req.headers().get("cookie").and_then(|c| c.to_str().ok()) {
                Some(cookie) => {
                    let key = aws_sdk_dynamodb::types::AttributeValue::S(cookie.to_owned());
                    match dynamodb.get_item().table_name(table).key("pk", key.clone()).key("sk", key).send().await {
                        Ok(r) if r.item.is_some() => 200,
                        Ok(_) => 401,
                        Err(_) => 503,
                    }
                }
                None => 401,
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
