//! `POST /api/users`: "Create New User" or "Use Existing User". Bringing many users in is
//! `import-users`'s.

use secboard_domain::flows::create_user;
use secboard_http::routes::Function;
use secboard_http::{Body, Request, Response, json};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::CreateUser, |call, p| async move {
        json(201, &create_user::create_user(&ctx.app.deps, &p, call.json()?).await?)
    })
    .await
}
