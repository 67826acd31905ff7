//! `POST /api/auth/magic-link {token}`: spends a First Login link and signs the user in through
//! the gates (answers the next gate and sets the session cookie).

use secboard_domain::flows::first_login;
use secboard_http::routes::Function;
use secboard_http::{Body, Request, Response, json, with_cookie};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.serve(req, Function::MagicLink, |call| async move {
        let signed_in = first_login::spend_magic(&ctx.app.deps, call.json()?, &call.source_ip, call.user_agent.as_deref()).await?;
        let resp = json(200, &secboard_domain::flows::replies::Next { next: signed_in.next })?;
        Ok(with_cookie(resp, &ctx.web, Some(&signed_in.token)))
    })
    .await
}
