//! `POST /api/auth/totp {code} | {backup_code}`: the sign-in's second step. Only a session at the
//! `totp` gate reaches it; a right code moves the session on and answers the next gate.

use secboard_domain::flows::two_factor;
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, respond, stepped};
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
    let call = Call::from_request(&ctx.web, req, Function::TotpVerify)?;
    let p = call.principal(&app.deps).await?;
    let step = two_factor::challenge(&app.deps, &p, call.json()?).await?;
    stepped(&ctx.web, step)
}
