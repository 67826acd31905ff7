//! `POST /api/auth/password-reset/confirm {token, password}`: spends a reset or first-access link
//! and sets the password, in one transaction. No sign-in follows.

use secboard_domain::flows::reset;
use secboard_http::routes::Function;
use secboard_http::{Body, Request, Response, json};
use secboard_passwords::Zxcvbn;
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.serve(req, Function::ResetConfirm, |call| async move {
        reset::confirm_reset(&ctx.app.deps, &ctx.app.mail, &Zxcvbn, call.json()?, &call.source_ip).await?;
        json(200, &secboard_domain::flows::replies::Notice { detail: "your password is set; sign in with it" })
    })
    .await
}
