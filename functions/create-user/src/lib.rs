//! `POST /api/users`: "Create New User" or "Use Existing User".

use secboard_domain::flows::create_user;
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
    let call = Call::from_request(app, req, Function::CreateUser)?;
    let p = call.principal(app).await?;
    let input = call.json()?;
    json(201, &create_user::create_user(&app.deps, &p, input).await?)
}
