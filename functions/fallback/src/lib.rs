//! `GET /api/health`, and API Gateway's `$default` route: every unknown route answers 404
//! problem+json instead of API Gateway's own body. Needs no store: its context is how it is
//! reached (behind CloudFront, a request without the origin secret is refused like everywhere).

use secboard_http::routes;
use secboard_http::{Body, Problem, Request, Response, WebConfig, came_through_cloudfront, json, respond};

#[derive(Clone)]
pub struct Context {
    pub web: WebConfig,
}

pub async fn context() -> anyhow::Result<Context> {
    Ok(Context { web: WebConfig::from_env()? })
}

pub async fn handler(ctx: &Context, req: Request) -> Response<Body> {
    if let Err(p) = came_through_cloudfront(&ctx.web, &req) {
        return respond(Err(p));
    }
    let path = req.uri().path().to_owned();
    let method = req.method().as_str().to_owned();
    respond(match routes::match_route(&method, &path) {
        Some(m) if m.route.key == "GET /api/health" => json(200, &serde_json::json!({ "status": "ok" })),
        _ if routes::path_exists(&path) => Err(Problem::new(405, "Method Not Allowed", format!("{method} is not allowed on {path}"))),
        _ => Err(Problem::not_found()),
    })
}
