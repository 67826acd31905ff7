//! End-to-end tests: every flow through the local gateway and its function's handler, against
//! the embedded dynoxide engine, or moto when `SECBOARD_TEST_DYNAMODB` points at it.

mod active_directory;
mod bad_input;
mod bootstrap;
mod cabinet;
mod checklist;
mod contract;
mod create_user;
mod deployed;
mod directory;
mod django_import;
mod export;
mod faults;
mod first_login;
mod fixtures;
mod gates;
mod granting;
mod import_jobs;
mod layout;
mod least_privilege;
mod list_users;
mod mail_feedback;
mod mailer;
mod openapi;
mod org;
mod photos;
mod reset;
mod reset_caps;
mod revocation;
mod ses;
mod sessions;
mod sheet_import;
mod sign_in;
mod template;
mod throttling;
mod two_factor;
