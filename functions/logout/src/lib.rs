//! Signing out and one's own sessions: `POST /api/auth/logout` ends this session and clears the
//! cookie (also when there is none); `GET /api/me/sessions` lists where one is signed in,
//! `DELETE /api/me/sessions/{id}` ends one, `DELETE /api/me/sessions` every one but this.

use secboard_domain::flows::{login, sessions};
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, json, no_content, respond, with_cookie};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

pub async fn context() -> anyhow::Result<Context> {
    Context::from_env(App::from_env().await?)
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    respond(route(ctx, req).await)
}

async fn route(ctx: &Context, req: Request) -> Result<Response<Body>, Problem> {
    let app = &ctx.app;
    let call = Call::from_request(&ctx.web, req, Function::Logout)?;
    if call.key() == "POST /api/auth/logout" {
        login::logout(&app.deps, call.token.as_ref(), &call.source_ip).await?;
        return Ok(with_cookie(no_content()?, &ctx.web, None));
    }
    let p = call.principal(&app.deps).await?;
    match call.key() {
        "GET /api/me/sessions" => json(200, &sessions::list_own(&app.deps, &p).await?),
        "DELETE /api/me/sessions" => {
            json(200, &secboard_domain::flows::replies::SessionsEnded { ended: sessions::end_own_others(&app.deps, &p).await? })
        }
        "DELETE /api/me/sessions/{id}" => {
            let ended = sessions::end_own(&app.deps, &p, call.param("id")).await?;
            // Ending this very session signs out: the cookie goes too.
            Ok(if ended.current { with_cookie(no_content()?, &ctx.web, None) } else { no_content()? })
        }
        _ => Err(Problem::not_found()),
    }
}
