//! `POST /api/auth/password-reset {email}`: the same 202 for every email; a reset link (1 hour)
//! is mailed when the email belongs to an account that may have a local password and no cap
//! holds it back (one a minute and five an hour per email as typed, twenty an hour per source).

use secboard_domain::flows::reset;
use secboard_http::routes::Function;
use secboard_http::{Body, Request, Response, json};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.serve(req, Function::ResetRequest, |call| async move {
        reset::request_reset(&ctx.app.deps, &ctx.app.mail, call.json()?, &call.source_ip).await?;
        let detail = "if this email belongs to an account that may reset its password, a link is on its way";
        json(202, &secboard_domain::flows::replies::Notice { detail })
    })
    .await
}
