//! The floor: the least a store-backed HTTP function can be. lambda_http, the AWS configuration
//! from the environment (the SDK's default loader) and a DynamoDB client.

#[path = "../floor.rs"]
mod floor;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    floor::serve(aws_config::load_from_env().await).await
}
