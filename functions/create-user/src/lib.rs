//! `POST /api/users`: "Create New User" or "Use Existing User". Bringing many users in is
//! `import-users`'s.

use secboard_domain::flows::create_user;
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
    let call = Call::from_request(&ctx.web, req, Function::CreateUser)?;
    let p = call.principal(&app.deps).await?;
    json(201, &create_user::create_user(&app.deps, &p, call.json()?).await?)
}
