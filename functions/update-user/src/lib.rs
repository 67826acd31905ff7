//! Editing a user: `PATCH /api/users/{id}` (every field, password, flags, email), and the user's
//! photo, `POST/DELETE /api/users/{id}/avatar`, a first-access link by mail,
//! `POST /api/users/{id}/first-access-link`, and ending the user's sessions,
//! `DELETE /api/users/{id}/sessions[/{sid}]`.

use secboard_blobs::S3Blobs;
use secboard_domain::flows::{sessions, update_user};
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, json, no_content, respond, with_cookie};
use secboard_passwords::Zxcvbn;
use secboard_photos::ImageDecoder;
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
    let d = &app.deps;
    let call = Call::from_request(&ctx.web, req, Function::UpdateUser)?;
    let p = call.principal(&app.deps).await?;
    match call.key() {
        "PATCH /api/users/{id}" => {
            let input = call.json()?;
            json(200, &update_user::update_user(d, &app.mail, &Zxcvbn, &p, call.param("id"), input, &app.blobs).await?)
        }
        "POST /api/users/{id}/avatar" => {
            json(201, &update_user::set_photo(d, &ImageDecoder, &app.blobs, &p, call.param("id"), call.bytes()).await?)
        }
        "POST /api/users/{id}/first-access-link" => {
            let expires_at = update_user::send_first_access(d, &app.mail, &p, call.param("id")).await?;
            json(202, &secboard_domain::flows::replies::LinkSent { expires_at })
        }
        "DELETE /api/users/{id}/avatar" => {
            update_user::remove_photo(d, &app.blobs, &p, call.param("id")).await?;
            no_content()
        }
        "DELETE /api/users/{id}/sessions" => {
            json(200, &secboard_domain::flows::replies::SessionsEnded { ended: sessions::end_all_of(d, &p, call.param("id")).await? })
        }
        "DELETE /api/users/{id}/sessions/{sid}" => {
            let ended = sessions::end_of(d, &p, call.param("id"), call.param("sid")).await?;
            // An administrator ending their own session signs out, as through the cabinet.
            Ok(if ended.current { with_cookie(no_content()?, &ctx.web, None) } else { no_content()? })
        }
        _ => Err(Problem::not_found()),
    }
}
