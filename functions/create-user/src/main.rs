//! The `create-user` Lambda: builds its context once, then serves API Gateway events.

use lambda_http::{Error, Request, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    secboard_wiring::init_logging();
    let ctx = create_user::Context::from_env(secboard_wiring::App::from_env().await?)?;
    run(service_fn(|req: Request| async { Ok::<_, std::convert::Infallible>(create_user::handler(&ctx, req).await) })).await
}
