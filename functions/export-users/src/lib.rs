//! `POST /api/users/export` with the list's filters in the body: every matching user within the
//! caller's scope, as an .xlsx in the private bucket, answered with a presigned link.

mod sheet;

use secboard_blobs::S3Blobs;
use secboard_domain::filter::RawFilter;
use secboard_domain::flows::export;
use secboard_http::routes::Function;
use secboard_http::{Body, Request, Response, json};
use secboard_wiring::App;
pub use sheet::XlsxSink;

pub type Context = secboard_http::Context<App<S3Blobs>>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::ExportUsers, |call, p| async move {
        let filter: RawFilter = call.json()?;
        let sink = Box::new(XlsxSink::new()?);
        json(200, &export::export(&ctx.app.deps, &p, &filter, sink, &ctx.app.blobs).await?)
    })
    .await
}
