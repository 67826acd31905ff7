//! `DELETE /api/users/{id}` with `{"confirm": true}`: the user's whole partition, email marker and
//! photo go; the audit log keeps who deleted whom.

use secboard_blobs::S3Blobs;
use secboard_domain::flows::delete_user;
use secboard_http::routes::Function;
use secboard_http::{Body, Request, Response, no_content};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App<S3Blobs>>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::DeleteUser, |call, p| async move {
        let input = call.json()?;
        delete_user::delete_user(&ctx.app.deps, &p, call.param("id"), input, &ctx.app.blobs).await?;
        no_content()
    })
    .await
}
