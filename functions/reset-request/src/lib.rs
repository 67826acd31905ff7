//! `POST /api/auth/password-reset {email}`: the same 202 for every email; a reset link (1 hour)
//! is mailed when the email belongs to an account that may have a local password and no cap
//! holds it back (one a minute and five an hour per email as typed, twenty an hour per source).

use secboard_domain::flows::reset;
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
    let call = Call::from_request(&ctx.web, req, Function::ResetRequest)?;
    reset::request_reset(&app.deps, &app.mail, call.json()?, &call.source_ip).await?;
    json(
        202,
        &secboard_domain::flows::replies::Notice {
            detail: "if this email belongs to an account that may reset its password, a link is on its way",
        },
    )
}
