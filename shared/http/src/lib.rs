//! lambda_http glue shared by every function: the route table, requests to flow input,
//! problem+json (the one place domain errors become HTTP), cookies, the principal, CSRF checks,
//! and the HTTP settings a function reads once per cold start. It depends on the domain alone.

mod app;
mod call;
pub mod headers;
mod problem;
pub mod routes;
mod strict;

pub use app::{Context, ORIGIN_SECRET_HEADER, VIEWER_HOST_HEADER, WebConfig};
pub use call::{Call, came_through_cloudfront, json, no_content, stepped, with_cookie};
pub use lambda_http::{Body, Request, Response};
pub use problem::{Problem, respond};
