//! `POST /api/auth/login`: email and password (an imported Django hash is checked with Django's own
//! algorithms and upgraded); answers the next gate and sets the session cookie. Accounts without a
//! local password sign in against Active Directory, so this function links the LDAP client.
//! `POST /api/auth/setup`: the first admin through a one-time setup link.

use secboard_django::DjangoHashers;
use secboard_domain::flows::{bootstrap, login};
use secboard_domain::ports::DjangoVerifier;
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, json, respond, with_cookie};
use secboard_ldap::LdapClient;
use secboard_wiring::App;
use std::sync::Arc;

pub type Context = secboard_http::Context<App>;

pub async fn context() -> anyhow::Result<Context> {
    Context::from_env(App::from_env().await?)
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    respond(route(ctx, req).await)
}

async fn route(ctx: &Context, req: Request) -> Result<Response<Body>, Problem> {
    let app = &ctx.app;
    let call = Call::from_request(&ctx.web, req, Function::Login)?;
    match call.key() {
        "POST /api/auth/login" => {
            let django: Arc<dyn DjangoVerifier> = Arc::new(DjangoHashers);
            let signed_in =
                login::login(&app.deps, &django, &LdapClient, call.json()?, &call.source_ip, call.user_agent.as_deref()).await?;
            let resp = json(200, &secboard_domain::flows::replies::Next { next: signed_in.next })?;
            Ok(with_cookie(resp, &ctx.web, Some(&signed_in.token)))
        }
        "POST /api/auth/setup" => {
            let id = bootstrap::redeem_setup(&app.deps, call.json()?).await?;
            json(201, &secboard_domain::flows::replies::SetupDone { id })
        }
        _ => Err(Problem::not_found()),
    }
}
