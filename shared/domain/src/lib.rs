//! SecBoard Accounts: the domain. Types that parse rather than validate, the manual's rules, the
//! ports (traits) the adapters implement, and one module per flow, callable without HTTP.
//! Nothing here knows AWS or HTTP.

pub mod activation;
pub mod active_directory;
pub mod clock;
pub mod django_password;
pub mod email;
pub mod error;
pub mod filter;
pub mod flows;
pub mod ids;
pub mod keys;
pub mod links;
pub mod mail;
pub mod model;
pub mod password;
pub mod permissions;
pub mod phone;
pub mod photo;
pub mod ports;
#[cfg(feature = "openapi")]
mod schema;
pub mod session;
pub mod superusers;
pub mod text;
pub mod throttle;
pub mod totp;

pub use error::{Error, Result};
