//! The directory filter: one `UserFilter` serves the list (query string) and the export (JSON
//! body), and the signed cursor that pages through it.

use crate::activation::Employment;
use crate::ids::{CompanyId, GroupId, OrgItemId};
use crate::keys::{MasterKey, Purpose};
use crate::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Longest free-text search accepted.
pub const SEARCH_MAX: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Inactive,
    ProfileCompleted,
    Staff,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UserFilter {
    /// Lower-cased; matches name, email and phone (contains).
    pub search: Option<String>,
    pub company: Option<CompanyId>,
    pub department: Option<OrgItemId>,
    pub position: Option<OrgItemId>,
    pub group: Option<GroupId>,
    pub status: Option<Status>,
    pub employment: Option<Employment>,
    /// The activity range (start to end date) overlaps [date_from, date_to].
    pub date_from: Option<Date>,
    pub date_to: Option<Date>,
    /// Internal only (not offered to clients): users holding a platform role or a quiz, for
    /// refreshing the names kept on profiles when an item is renamed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<OrgItemId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quiz: Option<OrgItemId>,
}

/// The filter as it comes in (query string values or JSON strings), before parsing.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawFilter {
    pub search: Option<String>,
    pub company: Option<String>,
    pub department: Option<String>,
    pub position: Option<String>,
    pub group: Option<String>,
    pub status: Option<String>,
    pub employment: Option<String>,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn enum_value<T: for<'de> Deserialize<'de>>(field: &str, v: &str, allowed: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(v.to_owned())).map_err(|_| Error::invalid(field, format!("must be one of: {allowed}")))
}

fn date(field: &str, v: &str) -> Result<Date> {
    crate::activation::parse_date(field, v)
}

impl RawFilter {
    pub fn parse(&self) -> Result<UserFilter> {
        let search = match non_empty(&self.search) {
            Some(s) if s.chars().count() > SEARCH_MAX => {
                return Err(Error::invalid("search", format!("must be at most {SEARCH_MAX} characters")));
            }
            s => s.map(str::to_lowercase),
        };
        let f = UserFilter {
            search,
            company: non_empty(&self.company).map(|v| CompanyId::parse("company", v)).transpose()?,
            department: non_empty(&self.department).map(|v| OrgItemId::parse("department", v)).transpose()?,
            position: non_empty(&self.position).map(|v| OrgItemId::parse("position", v)).transpose()?,
            group: non_empty(&self.group).map(|v| GroupId::parse("group", v)).transpose()?,
            status: non_empty(&self.status).map(|v| enum_value("status", v, "active, inactive, profile_completed, staff")).transpose()?,
            employment: non_empty(&self.employment)
                .map(|v| enum_value("employment", v, "currently_active, future, past, no_dates"))
                .transpose()?,
            date_from: non_empty(&self.date_from).map(|v| date("date_from", v)).transpose()?,
            date_to: non_empty(&self.date_to).map(|v| date("date_to", v)).transpose()?,
            role: None,
            quiz: None,
        };
        if (f.department.is_some() || f.position.is_some()) && f.company.is_none() {
            let field = if f.department.is_some() { "department" } else { "position" };
            return Err(Error::invalid(field, "filters within a company: choose the company too"));
        }
        if let (Some(a), Some(b)) = (f.date_from, f.date_to)
            && b < a
        {
            return Err(Error::invalid("date_to", "must not be before date_from"));
        }
        Ok(f)
    }
}

impl UserFilter {
    /// A short fingerprint binding a cursor to the filter it was made for.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(&Sha256::digest(&json)[..12])
    }
}

/// Page sizes the list offers.
pub const PAGE_SIZES: [usize; 4] = [10, 25, 50, 100];

pub fn parse_page_size(v: Option<&str>) -> Result<usize> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(25),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| PAGE_SIZES.contains(n))
            .ok_or_else(|| Error::invalid("per_page", "must be 10, 25, 50 or 100")),
    }
}

/// A store position to resume from: the last key read, as strings.
pub type StartKey = BTreeMap<String, String>;

#[derive(Serialize, Deserialize)]
struct CursorBody {
    k: StartKey,
    f: String,
}

/// An opaque, signed cursor: the start key and the filter fingerprint, HMAC'd with the
/// deployment key, so a client can neither forge a position nor reuse one with another filter.
pub fn encode_cursor(key: &MasterKey, start: &StartKey, filter: &UserFilter) -> String {
    let body = serde_json::to_vec(&CursorBody { k: start.clone(), f: filter.fingerprint() }).unwrap_or_default();
    let tag = key.sign(Purpose::Cursor, &body);
    format!("{}.{}", URL_SAFE_NO_PAD.encode(&body), URL_SAFE_NO_PAD.encode(tag))
}

pub fn decode_cursor(key: &MasterKey, cursor: &str, filter: &UserFilter) -> Result<StartKey> {
    let bad = || Error::invalid("cursor", "is not a cursor of this listing; start again from the first page");
    let (body, tag) = cursor.split_once('.').ok_or_else(bad)?;
    let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| bad())?;
    if !key.verify(Purpose::Cursor, &body, &tag) {
        return Err(bad());
    }
    let c: CursorBody = serde_json::from_slice(&body).map_err(|_| bad())?;
    if c.f != filter.fingerprint() {
        return Err(bad());
    }
    Ok(c.k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_refused_naming_the_field() {
        let raw = RawFilter { status: Some("sleeping".into()), ..Default::default() };
        assert!(matches!(raw.parse(), Err(Error::Invalid { field, .. }) if field == "status"));
        let raw = RawFilter { date_from: Some("2026-13-01".into()), ..Default::default() };
        assert!(matches!(raw.parse(), Err(Error::Invalid { field, .. }) if field == "date_from"));
        assert!(parse_page_size(Some("7")).is_err());
        assert_eq!(parse_page_size(Some("100")).unwrap(), 100);
        assert_eq!(parse_page_size(None).unwrap(), 25);
    }

    #[test]
    fn a_cursor_works_only_with_its_filter_and_key() {
        let k = MasterKey::from_bytes([1; 32]);
        let f = RawFilter { search: Some("Ada".into()), ..Default::default() }.parse().unwrap();
        assert_eq!(f.search.as_deref(), Some("ada"));
        let start = StartKey::from([("pk".to_owned(), "USER#1".to_owned())]);
        let c = encode_cursor(&k, &start, &f);
        assert_eq!(decode_cursor(&k, &c, &f).unwrap(), start);
        assert!(decode_cursor(&k, &c, &UserFilter::default()).is_err());
        assert!(decode_cursor(&MasterKey::from_bytes([2; 32]), &c, &f).is_err());
        let mut forged = c.clone();
        forged.replace_range(0..2, "ey");
        assert!(decode_cursor(&k, &forged, &f).is_err() || forged == c);
        assert!(decode_cursor(&k, "garbage", &f).is_err());
    }
}
