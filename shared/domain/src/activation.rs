//! The manual's "Activation by date range": whether an account may sign in today.
//! Dates are calendar dates in the deployment's time zone; the end date is inclusive.
//! Evaluated at every sign-in and every authorised request, so no job has to flip a flag.

use jiff::civil::Date;
use serde::Serialize;

/// The effective status of an account, as the export and the audit log name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Active,
    /// The Active checkbox is unticked.
    Inactive,
    /// The start date is in the future.
    NotYetActive,
    /// The end date has passed.
    Expired,
}

impl Activation {
    pub fn of(active: bool, start: Option<Date>, end: Option<Date>, today: Date) -> Activation {
        if !active {
            Activation::Inactive
        } else if start.is_some_and(|s| today < s) {
            Activation::NotYetActive
        } else if end.is_some_and(|e| today > e) {
            Activation::Expired
        } else {
            Activation::Active
        }
    }
    pub fn allows_sign_in(self) -> bool {
        self == Activation::Active
    }
    pub fn label(self) -> &'static str {
        match self {
            Activation::Active => "Active",
            Activation::Inactive => "Inactive",
            Activation::NotYetActive => "Not yet active",
            Activation::Expired => "Expired",
        }
    }
}

/// The list filter "Employment Status".
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, Serialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Employment {
    CurrentlyActive,
    Future,
    Past,
    NoDates,
}

impl Employment {
    pub fn of(start: Option<Date>, end: Option<Date>, today: Date) -> Employment {
        match (start, end) {
            (None, None) => Employment::NoDates,
            (Some(s), _) if today < s => Employment::Future,
            (_, Some(e)) if today > e => Employment::Past,
            _ => Employment::CurrentlyActive,
        }
    }
}

/// Today's calendar date at `now` in the deployment's time zone (`SECBOARD_TIME_ZONE`).
pub fn today_in(now: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> Date {
    now.to_zoned(zone.clone()).date()
}

/// An end date must not come before the start date.
pub fn check_range(start: Option<Date>, end: Option<Date>) -> crate::Result<()> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(crate::Error::invalid("end_date", "must not be before the start date")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 6, 15);

    #[test]
    fn no_dates_set_and_active_ticked_may_sign_in() {
        assert_eq!(Activation::of(true, None, None, TODAY), Activation::Active);
    }

    #[test]
    fn start_date_in_the_future_may_not_sign_in() {
        let a = Activation::of(true, Some(date(2026, 6, 16)), None, TODAY);
        assert_eq!(a, Activation::NotYetActive);
        assert!(!a.allows_sign_in());
    }

    #[test]
    fn between_start_and_end_date_may_sign_in_with_both_ends_inclusive() {
        assert!(Activation::of(true, Some(date(2026, 1, 1)), Some(date(2026, 12, 31)), TODAY).allows_sign_in());
        assert!(Activation::of(true, Some(TODAY), Some(TODAY), TODAY).allows_sign_in());
    }

    #[test]
    fn end_date_passed_may_not_sign_in() {
        assert_eq!(Activation::of(true, None, Some(date(2026, 6, 14)), TODAY), Activation::Expired);
    }

    #[test]
    fn no_dates_set_and_active_unticked_may_not_sign_in() {
        assert_eq!(Activation::of(false, None, None, TODAY), Activation::Inactive);
        // Unticked wins over any dates.
        assert_eq!(Activation::of(false, Some(date(2026, 1, 1)), None, TODAY), Activation::Inactive);
    }

    #[test]
    fn today_is_read_in_the_configured_time_zone() {
        let now: jiff::Timestamp = "2026-06-15T22:30:00Z".parse().unwrap();
        assert_eq!(today_in(now, &jiff::tz::TimeZone::UTC), date(2026, 6, 15));
        let kyiv = jiff::tz::TimeZone::get("Europe/Kyiv").unwrap();
        assert_eq!(today_in(now, &kyiv), date(2026, 6, 16), "already tomorrow in Kyiv");
        // So an account ending on the 15th is expired there and still active in UTC.
        assert!(Activation::of(true, None, Some(date(2026, 6, 15)), today_in(now, &jiff::tz::TimeZone::UTC)).allows_sign_in());
        assert!(!Activation::of(true, None, Some(date(2026, 6, 15)), today_in(now, &kyiv)).allows_sign_in());
    }

    #[test]
    fn employment_status_follows_the_dates() {
        assert_eq!(Employment::of(None, None, TODAY), Employment::NoDates);
        assert_eq!(Employment::of(Some(date(2026, 7, 1)), None, TODAY), Employment::Future);
        assert_eq!(Employment::of(None, Some(date(2026, 6, 1)), TODAY), Employment::Past);
        assert_eq!(Employment::of(Some(date(2026, 6, 1)), None, TODAY), Employment::CurrentlyActive);
    }

    #[test]
    fn an_end_before_the_start_is_refused_naming_end_date() {
        let e = check_range(Some(date(2026, 2, 1)), Some(date(2026, 1, 1))).unwrap_err();
        assert!(matches!(e, crate::Error::Invalid { ref field, .. } if field == "end_date"));
        assert!(check_range(Some(TODAY), Some(TODAY)).is_ok());
    }
}
