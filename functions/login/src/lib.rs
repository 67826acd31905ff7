//! `POST /api/auth/login`: email and password (an imported Django hash is checked with Django's own
//! algorithms and upgraded); answers the next gate and sets the session cookie. Accounts without a
//! local password sign in against Active Directory, so this function links the LDAP client.
//! `POST /api/auth/setup`: the first admin through a one-time setup link.

use secboard_django::DjangoHashers;
use secboard_domain::flows::{bootstrap, login};
use secboard_domain::ports::DjangoVerifier;
use secboard_http::routes::Function;
use secboard_http::{Body, Problem, Request, Response, json, with_cookie};
use secboard_ldap::LdapClient;
use secboard_wiring::App;
use std::sync::Arc;

pub type Context = secboard_http::Context<App>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.serve(req, Function::Login, |call| async move {
        match call.key() {
            "POST /api/auth/login" => {
                let django: Arc<dyn DjangoVerifier> = Arc::new(DjangoHashers);
                let agent = call.user_agent.as_deref();
                let signed_in = login::login(&ctx.app.deps, &django, &LdapClient, call.json()?, &call.source_ip, agent).await?;
                let resp = json(200, &secboard_domain::flows::replies::Next { next: signed_in.next })?;
                Ok(with_cookie(resp, &ctx.web, Some(&signed_in.token)))
            }
            "POST /api/auth/setup" => {
                let id = bootstrap::redeem_setup(&ctx.app.deps, call.json()?).await?;
                json(201, &secboard_domain::flows::replies::SetupDone { id })
            }
            _ => Err(Problem::not_found()),
        }
    })
    .await
}
