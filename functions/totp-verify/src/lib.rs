//! `POST /api/auth/totp {code} | {backup_code}`: the sign-in's second step. Only a session at the
//! `totp` gate reaches it; a right code moves the session on and answers the next gate.

use secboard_domain::flows::two_factor;
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
    let call = Call::from_request(app, req, Function::TotpVerify)?;
    let p = call.principal(app).await?;
    let next = two_factor::challenge(&app.deps, &p, call.json()?).await?;
    json(200, &serde_json::json!({ "next": next }))
}
