//! The floor with its AWS configuration built by `secboard_wiring::sdk_from_env` (straight from
//! what Lambda puts in the environment) instead of the default provider chains.

#[path = "../floor.rs"]
mod floor;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    floor::serve(secboard_wiring::sdk_from_env().await).await
}
