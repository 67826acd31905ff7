//! `POST /api/users/export` with the list's filters in the body: every matching user within the
//! caller's scope, as an .xlsx in the private bucket, answered with a presigned link.

mod sheet;

use secboard_blobs::S3Blobs;
use secboard_domain::filter::RawFilter;
use secboard_domain::flows::export;
use secboard_http::routes::Function;
use secboard_http::{App, Body, Call, Problem, Request, Response, bucket_from_env, json, respond, sdk_from_env};
pub use sheet::XlsxSink;

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
    let call = Call::from_request(&ctx.app, req, Function::ExportUsers)?;
    let p = call.principal(&ctx.app).await?;
    let filter: RawFilter = call.json()?;
    let sink = Box::new(XlsxSink::new()?);
    json(200, &export::export(&ctx.app.deps, &p, &filter, sink, &ctx.blobs).await?)
}
