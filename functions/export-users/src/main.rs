//! The `export-users` Lambda: builds its context once, then serves API Gateway events.

use lambda_http::{Error, Request, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    secboard_wiring::init_logging();
    let ctx = export_users::Context::from_env(secboard_wiring::App::from_env().await?)?;
    run(service_fn(|req: Request| async { Ok::<_, std::convert::Infallible>(export_users::handler(&ctx, req).await) })).await
}
