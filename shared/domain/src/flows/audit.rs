//! The audit log of one user: sign-ins (with the reason of a refusal), creations, changes; and the
//! whole organisation's, newest first, by action and dates, for those who view every company.

use super::Deps;
use super::authorize::Principal;
use crate::ids::UserId;
use crate::model::{AuditEvent, AuditTarget};
use crate::permissions::{Action, Module, Reach};
use crate::ports::Store;
use crate::{Error, Result};

/// Most events one answer holds.
pub const AUDIT_PAGE: usize = 200;

pub async fn for_user<S: Store + ?Sized>(deps: &Deps<S>, p: &Principal, user: Option<&str>) -> Result<Vec<AuditEvent>> {
    let raw = user.filter(|s| !s.is_empty()).ok_or_else(|| Error::invalid("user", "name the user whose history to show"))?;
    let id = UserId::parse("user", raw)?;
    let reach = p.actor().reach(Module::Users, Action::View)?;
    if let Reach::One(c) = &reach {
        // A deleted user's history is for global administrators only.
        let user = deps.store.get_user(&id).await?.ok_or(Error::NotFound("user"))?;
        if user.profile.as_ref().map(|p| &p.company.id) != Some(c) {
            return Err(Error::NotFound("user"));
        }
    }
    deps.store.list_audit(&AuditTarget::User(id), AUDIT_PAGE).await
}

/// Longest span of days one answer of the organisation-wide log covers.
pub const AUDIT_DAYS_MAX: i64 = 31;
/// Most index items one day's Queries read (so an answer reads at most 31 times this).
pub const AUDIT_DAY_READ_BUDGET: usize = 400;

/// The organisation-wide log: events of every target, newest first, between `date_from` and
/// `date_to` (UTC days, both included; the last 7 days by default), those whose action starts
/// with `action`. Events carry no company, so it is for holders of `users.view` over every
/// company (and superusers).
pub async fn for_organisation<S: Store + ?Sized>(
    deps: &Deps<S>,
    p: &Principal,
    action: Option<&str>,
    date_from: Option<&str>,
    date_to: Option<&str>,
) -> Result<Vec<AuditEvent>> {
    if p.actor().reach(Module::Users, Action::View)? != Reach::All {
        return Err(Error::Forbidden { module: Module::Users, action: Action::View });
    }
    let date = |field: &str, v: Option<&str>| v.filter(|v| !v.is_empty()).map(|v| crate::activation::parse_date(field, v)).transpose();
    let today = deps.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let to = date("date_to", date_to)?.unwrap_or(today);
    let from = date("date_from", date_from)?.unwrap_or_else(|| to.saturating_sub(jiff::Span::new().days(6)));
    if to < from {
        return Err(Error::invalid("date_to", "must not be before date_from"));
    }
    if from.until(to).map(|s| i64::from(s.get_days())).unwrap_or(i64::MAX) >= AUDIT_DAYS_MAX {
        return Err(Error::invalid("date_from", format!("the span may be at most {AUDIT_DAYS_MAX} days")));
    }
    let action = action.map(str::trim).filter(|a| !a.is_empty());
    if action.is_some_and(|a| a.len() > 100) {
        return Err(Error::invalid("action", "must be at most 100 characters"));
    }
    let (mut out, mut day) = (Vec::new(), to);
    while day >= from && out.len() < AUDIT_PAGE {
        out.extend(deps.store.list_audit_day(day, action, AUDIT_PAGE - out.len(), AUDIT_DAY_READ_BUDGET).await?);
        match day.yesterday() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    Ok(out)
}
