//! What the local server and the tests share: the embedded DynamoDB engine, SDK configuration
//! for a local endpoint, and the gateway that turns a plain HTTP request into what API Gateway
//! would deliver to a function (and dispatches it by the route table).

pub mod embedded;
pub mod gateway;

/// Whether the local server lists the outbox (live sign-in and reset links) at `/outbox`: only
/// when it listens on a loopback address, so nobody else who can reach the port reads them.
pub fn outbox_served(listen: &std::net::SocketAddr) -> bool {
    listen.ip().is_loopback()
}
