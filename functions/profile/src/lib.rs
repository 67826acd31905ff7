//! The personal cabinet: `GET/PATCH /api/me` (own name, phone, language; company, department and
//! position read-only), `POST /api/me/complete` (confirm the profile after a first sign-in),
//! `POST /api/me/password` (own password: the current one, then the new; other sessions end),
//! `POST/DELETE /api/me/avatar` (own photo).

use secboard_blobs::S3Blobs;
use secboard_domain::flows::{avatar, me, own_password};
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
    let call = Call::from_request(app, req, Function::Profile)?;
    let p = call.principal(app).await?;
    match call.key() {
        "GET /api/me" => json(200, &me::me(&app.deps, &p, &ctx.blobs).await?),
        "PATCH /api/me" => json(200, &me::update_me(&app.deps, &p, call.json()?, &ctx.blobs).await?),
        "POST /api/me/complete" => {
            let next = me::complete_profile(&app.deps, &p, call.json()?).await?;
            json(200, &serde_json::json!({ "next": next }))
        }
        "POST /api/me/password" => {
            let next = own_password::change_password(&app.deps, &app.mail, &p, call.json()?).await?;
            json(200, &serde_json::json!({ "next": next }))
        }
        "POST /api/me/avatar" => json(201, &avatar::set(&app.deps, &ctx.blobs, &p, &p.id().clone(), call.bytes()).await?),
        "DELETE /api/me/avatar" => {
            avatar::remove(&app.deps, &ctx.blobs, &p, &p.id().clone()).await?;
            no_content()
        }
        _ => Err(Problem::not_found()),
    }
}
