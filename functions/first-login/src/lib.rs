//! `POST /api/auth/first-login {email, control_word}`: the same 202 for every input; a magic link
//! (15 minutes) is mailed when the email and the company's control word match. Wrong control words
//! are throttled per source (429 with Retry-After).

use secboard_domain::flows::first_login;
use secboard_http::routes::Function;
use secboard_http::{Body, Request, Response, json};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.serve(req, Function::FirstLogin, |call| async move {
        first_login::first_login(&ctx.app.deps, &ctx.app.mail, call.json()?, &call.source_ip).await?;
        json(
            202,
            &secboard_domain::flows::replies::Notice { detail: "if the email and the control word match, a sign-in link is on its way" },
        )
    })
    .await
}
