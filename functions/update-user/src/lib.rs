//! Editing a user: `PATCH /api/users/{id}` (every field, password, flags, email), and the user's
//! photo, `POST/DELETE /api/users/{id}/avatar`, a first-access link by mail,
//! `POST /api/users/{id}/first-access-link`, and ending the user's sessions,
//! `DELETE /api/users/{id}/sessions[/{sid}]`.

use secboard_blobs::S3Blobs;
use secboard_domain::flows::{sessions, update_user};
use secboard_http::routes::Function;
use secboard_http::{Body, Problem, Request, Response, json, no_content, with_cookie};
use secboard_passwords::Zxcvbn;
use secboard_photos::ImageDecoder;
use secboard_wiring::App;

pub type Context = secboard_http::Context<App<S3Blobs>>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::UpdateUser, |call, p| async move {
        let (app, d, id) = (&ctx.app, &ctx.app.deps, call.param("id"));
        match call.key() {
            "PATCH /api/users/{id}" => {
                let input = call.json()?;
                json(200, &update_user::update_user(d, &app.mail, &Zxcvbn, &p, id, input, &app.blobs).await?)
            }
            "POST /api/users/{id}/avatar" => json(201, &update_user::set_photo(d, &ImageDecoder, &app.blobs, &p, id, call.bytes()).await?),
            "POST /api/users/{id}/first-access-link" => {
                let expires_at = update_user::send_first_access(d, &app.mail, &p, id).await?;
                json(202, &secboard_domain::flows::replies::LinkSent { expires_at })
            }
            "DELETE /api/users/{id}/avatar" => {
                update_user::remove_photo(d, &app.blobs, &p, id).await?;
                no_content()
            }
            "DELETE /api/users/{id}/sessions" => {
                json(200, &secboard_domain::flows::replies::SessionsEnded { ended: sessions::end_all_of(d, &p, id).await? })
            }
            "DELETE /api/users/{id}/sessions/{sid}" => {
                let ended = sessions::end_of(d, &p, id, call.param("sid")).await?;
                // An administrator ending their own session signs out, as through the cabinet.
                Ok(if ended.current { with_cookie(no_content()?, &ctx.web, None) } else { no_content()? })
            }
            _ => Err(Problem::not_found()),
        }
    })
    .await
}
