//! The directory: `GET /api/users` (filters, cursor paging), `GET /api/users/{id}`, a user's
//! audit log, `GET /api/audit?user={id}`, and a user's sessions, `GET /api/users/{id}/sessions`
//! (for holders of the edit right, who may end them through update-user). Photos appear as
//! short-lived presigned links.

use secboard_blobs::S3Blobs;
use secboard_domain::filter::RawFilter;
use secboard_domain::flows::replies::AuditLog;
use secboard_domain::flows::{audit, list_users, sessions};
use secboard_http::routes::Function;
use secboard_http::{Body, Call, Problem, Request, Response, json};
use secboard_wiring::App;

pub type Context = secboard_http::Context<App<S3Blobs>>;

/// The query string as a filter: every parameter but paging must be a filter field.
fn filter_of(call: &Call) -> Result<RawFilter, Problem> {
    let mut map = serde_json::Map::new();
    for (k, v) in &call.query {
        if k != "per_page" && k != "cursor" {
            map.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| {
        let msg = e.to_string();
        let field = msg.strip_prefix("unknown field `").and_then(|r| r.split('`').next()).unwrap_or("query").to_owned();
        Problem::new(400, "Invalid input", format!("{field}: not a filter of the user list")).with("field", field)
    })
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    ctx.signed_in(req, Function::ListUsers, |call, p| async move {
        let app = &ctx.app;
        match call.key() {
            "GET /api/users" => {
                let raw = filter_of(&call)?;
                json(200, &list_users::list(&app.deps, &app.blobs, &p, &raw, call.query("per_page"), call.query("cursor")).await?)
            }
            "GET /api/users/{id}" => json(200, &list_users::get(&app.deps, &app.blobs, &p, call.param("id")).await?),
            "GET /api/users/{id}/sessions" => json(200, &sessions::list_of(&app.deps, &p, call.param("id")).await?),
            "GET /api/audit" => {
                let events = match call.query("user").filter(|u| !u.is_empty()) {
                    Some(user) => audit::for_user(&app.deps, &p, Some(user)).await?,
                    None => {
                        let (action, from, to) = (call.query("action"), call.query("date_from"), call.query("date_to"));
                        audit::for_organisation(&app.deps, &p, action, from, to).await?
                    }
                };
                json(200, &AuditLog { events })
            }
            _ => Err(Problem::not_found()),
        }
    })
    .await
}
