//! `POST /api/auth/first-login {email, control_word}`: the same 202 for every input; a magic link
//! (15 minutes) is mailed when the email and the company's control word match. Wrong control words
//! are throttled per source (429 with Retry-After).

use secboard_domain::flows::first_login;
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, json, respond};
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
    let call = Call::from_request(&ctx.web, req, Function::FirstLogin)?;
    first_login::first_login(&app.deps, &app.mail, call.json()?, &call.source_ip).await?;
    json(202, &secboard_domain::flows::replies::Notice { detail: "if the email and the control word match, a sign-in link is on its way" })
}
