//! Editing a user: `PATCH /api/users/{id}` (every field, password, flags, email), and the user's
//! photo, `POST/DELETE /api/users/{id}/avatar`, and a first-access link by mail,
//! `POST /api/users/{id}/first-access-link`.

use secboard_blobs::S3Blobs;
use secboard_domain::flows::{avatar, reset, update_user};
use secboard_domain::permissions::Action;
use secboard_http::routes::Function;
use secboard_http::{App, Body, Call, Problem, Request, Response, bucket_from_env, json, no_content, respond, sdk_from_env};

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
    let app = &ctx.app;
    let d = &app.deps;
    let call = Call::from_request(app, req, Function::UpdateUser)?;
    let p = call.principal(app).await?;
    match call.key() {
        "PATCH /api/users/{id}" => {
            let input = call.json()?;
            json(200, &update_user::update_user(d, &ctx.app.mail, &p, call.param("id"), input, &ctx.blobs).await?)
        }
        "POST /api/users/{id}/avatar" => {
            let user = update_user::user_in_reach(d, &p, call.param("id"), Action::Edit).await?;
            json(201, &avatar::set(d, &ctx.blobs, &p, &user.account.id, call.bytes()).await?)
        }
        "POST /api/users/{id}/first-access-link" => {
            let user = update_user::user_in_reach(d, &p, call.param("id"), Action::Edit).await?;
            let expires_at = reset::send_first_access(d, &app.mail, &p, &user).await?;
            json(202, &serde_json::json!({ "expires_at": expires_at }))
        }
        "DELETE /api/users/{id}/avatar" => {
            let user = update_user::user_in_reach(d, &p, call.param("id"), Action::Edit).await?;
            avatar::remove(d, &ctx.blobs, &p, &user.account.id).await?;
            no_content()
        }
        _ => Err(Problem::not_found()),
    }
}
