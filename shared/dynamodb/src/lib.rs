//! The store adapter: one DynamoDB table, single-table design, through aws-sdk-dynamodb. The
//! same code talks to DynamoDB, to the embedded dynoxide engine and to moto.
//!
//! Layout (pk / sk):
//! - `USER#<id>` / `ACCOUNT`, `PROFILE`, `SESSION#<sha256>`: everything of a user, one partition (a
//!   session item carries its public `session_id`, a ULID, so listing and ending one never shows
//!   the digest);
//! - `EMAIL#<lower-case email>` / `EMAIL`: the uniqueness marker, written with the account;
//! - `SUPERUSERS` / `USER#<id>`: who is a superuser (bootstrap, last-superuser checks);
//! - `COMPANY#<id>` / `COMPANY`, `SETTINGS`, `DEPARTMENT#`, `POSITION#`, `ROLE#`, `QUIZ#`, `GROUP#<id>`;
//! - `GLOBAL` / `GROUP#<id>`: global access groups;
//! - `AUDIT#<target>` / `EVENT#<ulid>`: audit events, newest last;
//! - `MAIL#<id>` / `MAIL`: a queued mail, sealed, with its status and attempts, and while a mailer
//!   holds it its lease (`lease_owner`, `lease_until`);
//! - `SETUP` / `TOKEN#<sha256>`: one-time first-admin setup tokens;
//! - `DIRECTORY` / `SETTINGS`: the Active Directory connection (its bind password sealed);
//! - `ADGUID#<objectGUID hex>` / `ADGUID`: the account a directory entry is linked to;
//! - `THROTTLE#<scope>` / `THROTTLE`: failures counted for a back-off; `THROTTLE#<scope>` / `CAP`:
//!   a cap's count in its window (reset mail per email digest and per source).
//!
//! Indexes: `gsi1` holds a company's users (`COMPANY#<id>#USERS`, sorted by last name, first
//! name, id), the company list (`COMPANIES`), the mail queue (`MAILQ`, oldest first) and dead
//! mail (`MAILDEAD`), and the audit log by time (`AUDITLOG#<UTC day>`, events by ULID); `gsi2`
//! holds all users (`USERS`) in the same order.
//! Organisation items count who refers to them (`users`, `roles`, `children`), updated in the
//! same transaction as the reference, so a delete can refuse atomically while anything refers.
//!
//! Code layout: `store/mod.rs` holds [`DynamoStore`], its constructor and what every port shares
//! (the transaction and why it was cancelled, puts and deletes inside one, the account-exists
//! check, the mail-and-audit tail of a user-facing change, reference counters, the mapping of a
//! failed item to the field that caused it, and the reads). Beside it, one module per port of
//! `secboard_domain::ports`, with the helpers only that port uses: `accounts` (AccountStore),
//! `sessions`, `links`, `organisation` (OrgStore), `directory` (the listing), `audit`,
//! `mail_queue` (MailStore), `throttle` and `two_factor`. `items` holds the versioned storage
//! types, `counter` the round-trip counter, `table` the table's creation.

mod counter;
mod items;
mod store;
pub mod table;

pub use counter::CallCounter;
pub use store::DynamoStore;
