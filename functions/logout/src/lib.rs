//! `POST /api/auth/logout`: ends the session and clears the cookie (also when there is none).

use secboard_domain::flows::login;
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, no_content, respond, with_cookie};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

pub async fn context() -> anyhow::Result<Context> {
    Context::from_env(App::from_env().await?)
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    respond(route(ctx, req).await)
}

async fn route(ctx: &Context, req: Request) -> Result<Response<Body>, Problem> {
    let app = &ctx.app;
    let call = Call::from_request(&ctx.web, req, Function::Logout)?;
    login::logout(&app.deps, call.token.as_ref(), &call.source_ip).await?;
    Ok(with_cookie(no_content()?, &ctx.web, None))
}
