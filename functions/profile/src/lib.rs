//! The personal cabinet: `GET/PATCH /api/me` (own name, phone, language; company, department and
//! position read-only), `POST /api/me/complete` (confirm the profile after a first sign-in),
//! `POST /api/me/password` (own password: the current one, then the new; other sessions end),
//! `POST/DELETE /api/me/avatar` (own photo).

use secboard_blobs::S3Blobs;
use secboard_domain::flows::{avatar, me, own_password};
use secboard_http::routes::Function;
use secboard_http::{Body, Problem, Request, Response, json, no_content, stepped};
use secboard_passwords::Zxcvbn;
use secboard_photos::ImageDecoder;
use secboard_wiring::App;

pub type Context = secboard_http::Context<App<S3Blobs>>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::Profile, |call, p| async move {
        let (app, own) = (&ctx.app, p.id().clone());
        match call.key() {
            "GET /api/me" => json(200, &me::me(&app.deps, &p, &app.blobs).await?),
            "PATCH /api/me" => json(200, &me::update_me(&app.deps, &p, call.json()?, &app.blobs).await?),
            "POST /api/me/complete" => stepped(&ctx.web, me::complete_profile(&app.deps, &p, call.json()?).await?),
            "POST /api/me/password" => {
                let step = own_password::change_password(&app.deps, &app.mail, &Zxcvbn, &p, call.json()?).await?;
                stepped(&ctx.web, step)
            }
            "POST /api/me/avatar" => json(201, &avatar::set(&app.deps, &ImageDecoder, &app.blobs, &p, &own, call.bytes()).await?),
            "DELETE /api/me/avatar" => {
                avatar::remove(&app.deps, &app.blobs, &p, &own).await?;
                no_content()
            }
            _ => Err(Problem::not_found()),
        }
    })
    .await
}
