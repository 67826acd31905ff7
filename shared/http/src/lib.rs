//! lambda_http glue shared by every function: the route table, requests to flow input,
//! problem+json (the one place domain errors become HTTP), cookies, the principal, CSRF checks,
//! and the context a function builds once per cold start.

mod app;
mod call;
mod problem;
pub mod routes;

pub use app::{App, WebConfig, bucket_from_env, load_key_file, mail_from_env, sdk_from_env, time_zone_from_env};
pub use call::{Call, json, no_content, with_cookie};
pub use lambda_http::{Body, Request, Response};
pub use problem::{Problem, respond};
