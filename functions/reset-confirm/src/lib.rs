//! `POST /api/auth/password-reset/confirm {token, password}`: spends a reset or first-access link
//! and sets the password, in one transaction. No sign-in follows.

use secboard_domain::flows::reset;
use secboard_http::routes::Function;
use secboard_http::{App, Body, Call, Problem, Request, Response, json, respond};

pub type Context = App;

pub async fn context() -> anyhow::Result<Context> {
    App::from_env().await
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    respond(route(ctx, req).await)
}

async fn route(app: &App, req: Request) -> Result<Response<Body>, Problem> {
    let call = Call::from_request(app, req, Function::ResetConfirm)?;
    reset::confirm_reset(&app.deps, &app.mail, call.json()?, &call.source_ip).await?;
    json(200, &serde_json::json!({ "detail": "your password is set; sign in with it" }))
}
