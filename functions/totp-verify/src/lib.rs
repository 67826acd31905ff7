//! `POST /api/auth/totp {code} | {backup_code}`: the sign-in's second step. Only a session at the
//! `totp` gate reaches it; a right code moves the session on and answers the next gate.

use secboard_domain::flows::two_factor;
use secboard_http::routes::Function;
use secboard_http::{Body, Request, Response, stepped};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::TotpVerify, |call, p| async move {
        let step = two_factor::challenge(&ctx.app.deps, &p, call.json()?).await?;
        stepped(&ctx.web, step)
    })
    .await
}
