//! `DELETE /api/users/{id}` with `{"confirm": true}`: the user's whole partition, email marker and
//! photo go; the audit log keeps who deleted whom.

use secboard_blobs::S3Blobs;
use secboard_domain::flows::delete_user;
use secboard_http::routes::Function;
use secboard_http::{App, Body, Call, Problem, Request, Response, bucket_from_env, no_content, respond, sdk_from_env};

pub struct Context {
    pub app: App,
    pub blobs: S3Blobs,
}

pub async fn context() -> anyhow::Result<Context> {
    let sdk = sdk_from_env().await;
    Ok(Context { app: App::from_sdk(&sdk).await?, blobs: S3Blobs::new(&sdk, bucket_from_env()?) })
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    respond(route(ctx, req).await)
}

async fn route(ctx: &Context, req: Request) -> Result<Response<Body>, Problem> {
    let call = Call::from_request(&ctx.app, req, Function::DeleteUser)?;
    let p = call.principal(&ctx.app).await?;
    let input = call.json()?;
    delete_user::delete_user(&ctx.app.deps, &p, call.param("id"), input, &ctx.blobs).await?;
    no_content()
}
