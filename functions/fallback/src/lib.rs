//! `GET /api/health`, and API Gateway's `$default` route: every unknown route answers 404
//! problem+json instead of API Gateway's own body. Needs no store, so its context is empty.

use secboard_http::routes;
use secboard_http::{Body, Problem, Request, Response, json, respond};

#[derive(Clone, Copy, Default)]
pub struct Context;

pub async fn context() -> anyhow::Result<Context> {
    Ok(Context)
}

pub async fn handler(_ctx: &Context, req: Request) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let method = req.method().as_str().to_owned();
    respond(match routes::match_route(&method, &path) {
        Some(m) if m.route.key == "GET /api/health" => json(200, &serde_json::json!({ "status": "ok" })),
        _ if routes::path_exists(&path) => Err(Problem::new(405, "Method Not Allowed", format!("{method} is not allowed on {path}"))),
        _ => Err(Problem::not_found()),
    })
}
