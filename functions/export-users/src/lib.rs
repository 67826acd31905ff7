//! `POST /api/users/export` with the list's filters in the body: every matching user within the
//! caller's scope, as an .xlsx in the private bucket, answered with a presigned link.

mod sheet;

use secboard_blobs::S3Blobs;
use secboard_domain::filter::RawFilter;
use secboard_domain::flows::export;
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, json, respond};
use secboard_wiring::App;
pub use sheet::XlsxSink;

pub type Context = secboard_http::Context<App<S3Blobs>>;

pub async fn context() -> anyhow::Result<Context> {
    Context::from_env(App::with_blobs_from_env().await?)
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    respond(route(ctx, req).await)
}

async fn route(ctx: &Context, req: Request) -> Result<Response<Body>, Problem> {
    let app = &ctx.app;
    let call = Call::from_request(&ctx.web, req, Function::ExportUsers)?;
    let p = call.principal(&app.deps).await?;
    let filter: RawFilter = call.json()?;
    let sink = Box::new(XlsxSink::new()?);
    json(200, &export::export(&app.deps, &p, &filter, sink, &app.blobs).await?)
}
