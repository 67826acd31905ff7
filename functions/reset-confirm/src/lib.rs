//! `POST /api/auth/password-reset/confirm {token, password}`: spends a reset or first-access link
//! and sets the password, in one transaction. No sign-in follows.

use secboard_domain::flows::reset;
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, json, respond};
use secboard_passwords::Zxcvbn;
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
    let call = Call::from_request(&ctx.web, req, Function::ResetConfirm)?;
    reset::confirm_reset(&app.deps, &app.mail, &Zxcvbn, call.json()?, &call.source_ip).await?;
    json(200, &secboard_domain::flows::replies::Notice { detail: "your password is set; sign in with it" })
}
