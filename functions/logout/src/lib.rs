//! `POST /api/auth/logout`: ends the session and clears the cookie (also when there is none).

use secboard_domain::flows::login;
use secboard_http::routes::Function;
use secboard_http::{App, Body, Call, Problem, Request, Response, no_content, respond, with_cookie};

pub type Context = App;

pub async fn context() -> anyhow::Result<Context> {
    App::from_env().await
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    respond(route(ctx, req).await)
}

async fn route(app: &App, req: Request) -> Result<Response<Body>, Problem> {
    let call = Call::from_request(app, req, Function::Logout)?;
    login::logout(&app.deps, call.token.as_ref(), &call.source_ip).await?;
    Ok(with_cookie(no_content()?, app, None))
}
