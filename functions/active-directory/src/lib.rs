//! The directory connection: `GET/PUT/DELETE /api/org/directory` and
//! `POST /api/org/directory/test` (superusers, with a recent sign-in for changes), and "Refresh
//! from AD", `POST /api/users/{id}/directory-refresh` (an edit's rights). It links the
//! ldap3 adapter; the functions that do not talk to the directory do not.

use secboard_domain::flows::{ad_settings, directory_refresh};
use secboard_http::routes::Function;
use secboard_http::{Body, Problem, Request, Response, json, no_content};
use secboard_ldap::LdapClient;
use secboard_wiring::App;

pub type Context = secboard_http::Context<App>;

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::ActiveDirectory, |call, p| async move {
        let d = &ctx.app.deps;
        match call.key() {
            "GET /api/org/directory" => json(200, &ad_settings::get(d, &p).await?),
            "PUT /api/org/directory" => json(200, &ad_settings::put(d, &p, call.json()?).await?),
            "DELETE /api/org/directory" => {
                ad_settings::delete(d, &p, call.json()?).await?;
                no_content()
            }
            "POST /api/org/directory/test" => json(200, &ad_settings::test(d, &LdapClient, &p, call.json()?).await?),
            "POST /api/users/{id}/directory-refresh" => {
                json(200, &directory_refresh::refresh_from_directory(d, &LdapClient, &p, call.param("id")).await?)
            }
            _ => Err(Problem::not_found()),
        }
    })
    .await
}
