//! Signing out and one's own sessions: `POST /api/auth/logout` ends this session and clears the
//! cookie (also when there is none); `GET /api/me/sessions` lists where one is signed in,
//! `DELETE /api/me/sessions/{id}` ends one, `DELETE /api/me/sessions` every one but this.

use secboard_domain::flows::replies::SessionsEnded;
use secboard_domain::flows::{login, sessions};
use secboard_http::routes::Function;
use secboard_http::{Body, Problem, Request, Response, json, no_content, with_cookie};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.serve(req, Function::Logout, |call| async move {
        let deps = &ctx.app.deps;
        if call.key() == "POST /api/auth/logout" {
            login::logout(deps, call.token.as_ref(), &call.source_ip).await?;
            return Ok(with_cookie(no_content()?, &ctx.web, None));
        }
        let p = call.principal(deps).await?;
        match call.key() {
            "GET /api/me/sessions" => json(200, &sessions::list_own(deps, &p).await?),
            "DELETE /api/me/sessions" => json(200, &SessionsEnded { ended: sessions::end_own_others(deps, &p).await? }),
            "DELETE /api/me/sessions/{id}" => {
                let ended = sessions::end_own(deps, &p, call.param("id")).await?;
                // Ending this very session signs out: the cookie goes too.
                Ok(if ended.current { with_cookie(no_content()?, &ctx.web, None) } else { no_content()? })
            }
            _ => Err(Problem::not_found()),
        }
    })
    .await
}
