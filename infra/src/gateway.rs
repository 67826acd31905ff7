//! A local API Gateway: builds the request API Gateway (HTTP API, payload 2.0) would hand a
//! function (path and query parameters, a request context with the source IP and route key, the
//! same headers) and dispatches it to the function that owns the route.

use lambda_http::aws_lambda_events::apigw::{ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use secboard_blobs::S3Blobs;
use secboard_http::routes::{self, Function};
use secboard_http::{Context, WebConfig};
use secboard_wiring::App;
use std::collections::HashMap;

/// Every function's context, built once, as each Lambda builds its own at a cold start.
pub struct Functions {
    pub login: login::Context,
    pub logout: logout::Context,
    pub profile: profile::Context,
    pub org: org::Context,
    pub create_user: create_user::Context,
    pub import_users: import_users::Context,
    pub list_users: list_users::Context,
    pub update_user: update_user::Context,
    pub delete_user: delete_user::Context,
    pub export_users: export_users::Context,
    pub reset_request: reset_request::Context,
    pub reset_confirm: reset_confirm::Context,
    pub first_login: first_login::Context,
    pub magic_link: magic_link::Context,
    pub totp_setup: totp_setup::Context,
    pub totp_verify: totp_verify::Context,
    pub active_directory: active_directory::Context,
    pub fallback: fallback::Context,
}

impl Functions {
    /// The same application for every function (locally they share one store and bucket).
    pub fn new(app: App, web: WebConfig, blobs: S3Blobs) -> Self {
        let plain = Context { app: app.clone(), web: web.clone() };
        let with_blobs = Context { app: app.with_blobs(blobs), web: web.clone() };
        Functions {
            login: plain.clone(),
            logout: plain.clone(),
            profile: with_blobs.clone(),
            org: plain.clone(),
            create_user: plain.clone(),
            import_users: with_blobs.clone(),
            list_users: with_blobs.clone(),
            update_user: with_blobs.clone(),
            delete_user: with_blobs.clone(),
            export_users: with_blobs,
            reset_request: plain.clone(),
            reset_confirm: plain.clone(),
            first_login: plain.clone(),
            magic_link: plain.clone(),
            totp_setup: plain.clone(),
            totp_verify: plain.clone(),
            active_directory: plain,
            fallback: fallback::Context { web: web.clone() },
        }
    }

    /// Each handler's future is boxed: in a debug build the largest of them, held inline in this
    /// one, outgrew a test thread's stack.
    pub async fn call(&self, function: Function, req: Request) -> Response<Body> {
        match function {
            Function::Login => Box::pin(login::handler(&self.login, req)).await,
            Function::Logout => Box::pin(logout::handler(&self.logout, req)).await,
            Function::Profile => Box::pin(profile::handler(&self.profile, req)).await,
            Function::Org => Box::pin(org::handler(&self.org, req)).await,
            Function::CreateUser => Box::pin(create_user::handler(&self.create_user, req)).await,
            Function::ImportUsers => Box::pin(import_users::handler(&self.import_users, req)).await,
            Function::ListUsers => Box::pin(list_users::handler(&self.list_users, req)).await,
            Function::UpdateUser => Box::pin(update_user::handler(&self.update_user, req)).await,
            Function::DeleteUser => Box::pin(delete_user::handler(&self.delete_user, req)).await,
            Function::ExportUsers => Box::pin(export_users::handler(&self.export_users, req)).await,
            Function::ResetRequest => Box::pin(reset_request::handler(&self.reset_request, req)).await,
            Function::ResetConfirm => Box::pin(reset_confirm::handler(&self.reset_confirm, req)).await,
            Function::FirstLogin => Box::pin(first_login::handler(&self.first_login, req)).await,
            Function::MagicLink => Box::pin(magic_link::handler(&self.magic_link, req)).await,
            Function::TotpSetup => Box::pin(totp_setup::handler(&self.totp_setup, req)).await,
            Function::TotpVerify => Box::pin(totp_verify::handler(&self.totp_verify, req)).await,
            Function::ActiveDirectory => Box::pin(active_directory::handler(&self.active_directory, req)).await,
            Function::Fallback => Box::pin(fallback::handler(&self.fallback, req)).await,
        }
    }

    /// Routes as API Gateway does: the owner of the matched route, else `$default` (fallback).
    pub async fn dispatch(&self, req: Request) -> Response<Body> {
        let function = routes::match_route(req.method().as_str(), req.uri().path()).map(|m| m.route.function).unwrap_or(Function::Fallback);
        self.call(function, req).await
    }
}

/// Turns a plain request into an API Gateway-shaped one.
pub fn to_gateway_request(mut req: http::Request<Body>, source_ip: &str) -> Request {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let matched = routes::match_route(&method, &path);
    let mut query: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(q) = req.uri().query() {
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            query.entry(k.into_owned()).or_default().push(v.into_owned());
        }
    }
    let mut http_ctx = ApiGatewayV2httpRequestContextHttpDescription::default();
    http_ctx.method = req.method().clone();
    http_ctx.path = Some(path.clone());
    http_ctx.protocol = Some("HTTP/1.1".to_owned());
    http_ctx.source_ip = Some(source_ip.to_owned());
    http_ctx.user_agent = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.http = http_ctx;
    ctx.stage = Some("$default".to_owned());
    ctx.route_key = Some(matched.as_ref().map(|m| m.route.key.to_owned()).unwrap_or_else(|| "$default".to_owned()));
    let params: HashMap<String, String> = matched.map(|m| m.params).unwrap_or_default();
    // API Gateway hands text bodies over as text.
    let body = std::mem::replace(req.body_mut(), Body::Empty);
    let body = match body {
        Body::Binary(b) => match String::from_utf8(b) {
            Ok(t) => Body::Text(t),
            Err(e) => Body::Binary(e.into_bytes()),
        },
        other => other,
    };
    *req.body_mut() = body;
    req.with_path_parameters(params).with_query_string_parameters(query).with_request_context(RequestContext::ApiGatewayV2(ctx))
}
