//! One module per flow of the manual: the use case, callable without HTTP.

pub mod ad_refresh;
pub mod ad_settings;
pub mod ad_sign_in;
pub mod audit;
pub mod authorize;
pub mod avatar;
pub mod bootstrap;
pub mod break_glass;
pub mod create_user;
pub mod credentials;
pub mod delete_user;
pub mod deliver_mail;
pub mod directory_refresh;
pub mod directory_sync;
pub mod export;
pub mod first_login;
pub mod import_django;
pub mod import_job;
pub mod import_sheet;
pub mod list_users;
pub mod login;
pub mod mail_feedback;
pub mod me;
pub mod notices;
pub mod org;
pub mod own_password;
pub mod patch;
pub mod replies;
pub mod reset;
pub mod sessions;
pub mod throttling;
pub mod two_factor;
pub mod update_user;
pub mod views;

use crate::clock::{Clock, Entropy};
use crate::ids::{EventId, UserId};
use crate::keys::MasterKey;
use crate::model::{AuditEvent, AuditTarget};
use crate::ports::Store;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::sync::Arc;

/// What every flow runs on: the store, the clock, entropy, the time zone and the key.
///
/// `S` is the store: each function names its concrete store, so the flows it calls are compiled
/// for that store and link only the store operations they use (a `dyn Store` would link every
/// port's adapter into every function). Tests may still hold a `Deps` over `dyn Store`.
pub struct Deps<S: ?Sized = dyn Store> {
    pub store: Arc<S>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
    /// `SECBOARD_TIME_ZONE`: where calendar dates (start and end dates) are read.
    pub time_zone: TimeZone,
    pub key: MasterKey,
    /// Group rights per rights epoch, kept across the requests of a function instance.
    pub rights: Arc<authorize::RightsCache>,
}

impl<S: ?Sized> Clone for Deps<S> {
    fn clone(&self) -> Self {
        Deps {
            store: self.store.clone(),
            clock: self.clock.clone(),
            entropy: self.entropy.clone(),
            time_zone: self.time_zone.clone(),
            key: self.key.clone(),
            rights: self.rights.clone(),
        }
    }
}

impl<S: ?Sized> Deps<S> {
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
    /// Today's calendar date in the deployment's time zone.
    pub fn today(&self) -> Date {
        crate::activation::today_in(self.now(), &self.time_zone)
    }
    pub fn event(
        &self,
        actor: Option<&UserId>,
        action: &str,
        target: AuditTarget,
        detail: serde_json::Value,
        source_ip: Option<&str>,
    ) -> AuditEvent {
        AuditEvent {
            id: EventId::new(self.clock.as_ref(), self.entropy.as_ref()),
            at: self.now(),
            actor: actor.cloned(),
            action: action.to_owned(),
            target,
            detail,
            source_ip: source_ip.map(str::to_owned),
        }
    }
}
