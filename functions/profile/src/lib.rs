//! The personal cabinet: `GET /api/me` (who is signed in, at which gate) and
//! `POST /api/me/complete` (confirm the profile after a first sign-in).

use secboard_domain::flows::me;
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
    let call = Call::from_request(app, req, Function::Profile)?;
    let p = call.principal(app).await?;
    match call.key() {
        "GET /api/me" => json(200, &me::me(&app.deps, &p)),
        "POST /api/me/complete" => {
            let next = me::complete_profile(&app.deps, &p, call.json()?).await?;
            json(200, &serde_json::json!({ "next": next }))
        }
        _ => Err(Problem::not_found()),
    }
}
