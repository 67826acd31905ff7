//! `DELETE /api/users/{id}` with `{"confirm": true}`: the user's whole partition, email marker and
//! photo go; the audit log keeps who deleted whom.

use secboard_blobs::S3Blobs;
use secboard_domain::flows::delete_user;
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, no_content, respond};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App<S3Blobs>>;

pub async fn context() -> anyhow::Result<Context> {
    Context::from_env(App::with_blobs_from_env().await?)
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    respond(route(ctx, req).await)
}

async fn route(ctx: &Context, req: Request) -> Result<Response<Body>, Problem> {
    let app = &ctx.app;
    let call = Call::from_request(&ctx.web, req, Function::DeleteUser)?;
    let p = call.principal(&app.deps).await?;
    let input = call.json()?;
    delete_user::delete_user(&app.deps, &p, call.param("id"), input, &app.blobs).await?;
    no_content()
}
