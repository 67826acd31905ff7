//! What the local server and the tests share: the embedded DynamoDB engine, SDK configuration
//! for a local endpoint, and the gateway that turns a plain HTTP request into what API Gateway
//! would deliver to a function (and dispatches it by the route table).

pub mod embedded;
pub mod gateway;
