//! The manual's "Activation by date range": whether an account may sign in today.
//! Dates are calendar dates in the deployment's time zone; the end date is inclusive.
//! Evaluated at every sign-in and every authorised request, so no job has to flip a flag.

use jiff::civil::Date;
use serde::Serialize;

/// The effective status of an account, as the export and the audit log name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
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

/// The first and last dates the product supports: a spreadsheet's dates start in 1900, and years
/// have four digits.
pub const FIRST_DATE: Date = jiff::civil::date(1900, 1, 1);
pub const LAST_DATE: Date = jiff::civil::date(9999, 12, 31);

/// A calendar date as typed (`2026-12-31`), within [`FIRST_DATE`]..=[`LAST_DATE`]; `field` names
/// it in the error.
pub fn parse_date(field: &str, v: &str) -> crate::Result<Date> {
    let d: Date = v.trim().parse().map_err(|_| crate::Error::invalid(field, "must be a date like 2026-12-31"))?;
    if d < FIRST_DATE || d > LAST_DATE {
        return Err(crate::Error::invalid(field, "must be between 1900-01-01 and 9999-12-31"));
    }
    Ok(d)
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
    pub const ALL: [Employment; 4] = [Employment::CurrentlyActive, Employment::Future, Employment::Past, Employment::NoDates];

    /// The status of an activity range today: the one whose [`Employment::condition`] holds.
    pub fn of(start: Option<Date>, end: Option<Date>, today: Date) -> Employment {
        Employment::ALL.into_iter().find(|e| e.condition().holds(start, end, today)).unwrap_or(Employment::CurrentlyActive)
    }

    /// The rule, as a condition on the dates: no dates set; a start date still to come; an end
    /// date passed (after any start); or some date set and today within the range (both ends
    /// inclusive). Exactly one holds for any dates. The store renders it into its filter, so the
    /// listing and this rule cannot drift apart.
    pub fn condition(self) -> Cond {
        use DateField::{EndDate, StartDate};
        let begun = Cond::Or(vec![Cond::missing(StartDate), Cond::Cmp(StartDate, Op::Le, Operand::Today)]);
        let not_ended = Cond::Or(vec![Cond::missing(EndDate), Cond::Cmp(EndDate, Op::Ge, Operand::Today)]);
        match self {
            Employment::NoDates => Cond::And(vec![Cond::missing(StartDate), Cond::missing(EndDate)]),
            Employment::Future => Cond::Cmp(StartDate, Op::Gt, Operand::Today),
            Employment::Past => Cond::And(vec![begun, Cond::Cmp(EndDate, Op::Lt, Operand::Today)]),
            Employment::CurrentlyActive => {
                Cond::And(vec![Cond::Or(vec![Cond::Exists(StartDate), Cond::Exists(EndDate)]), begun, not_ended])
            }
        }
    }
}

/// The list filter "activity range overlaps [from, to]": a range without a start date began
/// before anything, one without an end date runs on; `None` when neither bound is given.
pub fn overlaps(from: Option<Date>, to: Option<Date>) -> Option<Cond> {
    use DateField::{EndDate, StartDate};
    let mut all = vec![];
    if let Some(to) = to {
        all.push(Cond::Or(vec![Cond::missing(StartDate), Cond::Cmp(StartDate, Op::Le, Operand::Date(to))]));
    }
    if let Some(from) = from {
        all.push(Cond::Or(vec![Cond::missing(EndDate), Cond::Cmp(EndDate, Op::Ge, Operand::Date(from))]));
    }
    (!all.is_empty()).then_some(Cond::And(all))
}

/// A date of the activity range, as the conditions over it name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateField {
    StartDate,
    EndDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

/// What a date is compared with: today (given when the condition is evaluated or rendered) or a
/// fixed date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    Today,
    Date(Date),
}

/// A condition on the activity range: the rules above state themselves in it once, the domain
/// evaluates it and the store renders it into a filter expression. As in DynamoDB, a comparison
/// with a date that is not set is false.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    Exists(DateField),
    Cmp(DateField, Op, Operand),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    pub fn missing(field: DateField) -> Cond {
        Cond::Not(Box::new(Cond::Exists(field)))
    }

    pub fn holds(&self, start: Option<Date>, end: Option<Date>, today: Date) -> bool {
        let value = |f: &DateField| match f {
            DateField::StartDate => start,
            DateField::EndDate => end,
        };
        match self {
            Cond::Exists(f) => value(f).is_some(),
            Cond::Cmp(f, op, operand) => {
                let rhs = match operand {
                    Operand::Today => today,
                    Operand::Date(d) => *d,
                };
                value(f).is_some_and(|lhs| match op {
                    Op::Lt => lhs < rhs,
                    Op::Le => lhs <= rhs,
                    Op::Gt => lhs > rhs,
                    Op::Ge => lhs >= rhs,
                })
            }
            Cond::Not(c) => !c.holds(start, end, today),
            Cond::And(all) => all.iter().all(|c| c.holds(start, end, today)),
            Cond::Or(any) => any.iter().any(|c| c.holds(start, end, today)),
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
        // Kyiv's rule (UTC+2, +3 in summer), so the test needs no tz database.
        let kyiv = jiff::tz::TimeZone::posix("EET-2EEST,M3.5.0/3,M10.5.0/4").unwrap();
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

    /// Start and end dates around TODAY, both unset, and an end before its start.
    fn date_cases() -> Vec<(Option<Date>, Option<Date>)> {
        let days = [None, Some(date(2026, 6, 14)), Some(TODAY), Some(date(2026, 6, 16))];
        days.iter().flat_map(|s| days.iter().map(move |e| (*s, *e))).collect()
    }

    #[test]
    fn every_employment_condition_holds_exactly_for_its_status() {
        let expected = |s: Option<Date>, e: Option<Date>| match (s, e) {
            (None, None) => Employment::NoDates,
            (Some(s), _) if TODAY < s => Employment::Future,
            (_, Some(e)) if TODAY > e => Employment::Past,
            _ => Employment::CurrentlyActive,
        };
        for (s, e) in date_cases() {
            for variant in Employment::ALL {
                let holds = variant.condition().holds(s, e, TODAY);
                assert_eq!(holds, variant == expected(s, e), "{variant:?} for start {s:?}, end {e:?}");
            }
            assert_eq!(Employment::of(s, e, TODAY), expected(s, e));
        }
    }

    #[test]
    fn the_overlap_filter_keeps_ranges_that_touch_the_period() {
        let (from, to) = (date(2026, 6, 14), date(2026, 6, 15));
        for (s, e) in date_cases() {
            let touches = s.is_none_or(|s| s <= to) && e.is_none_or(|e| e >= from);
            assert_eq!(overlaps(Some(from), Some(to)).unwrap().holds(s, e, TODAY), touches, "start {s:?}, end {e:?}");
        }
        assert!(overlaps(None, None).is_none());
        let only_to = overlaps(None, Some(to)).unwrap();
        assert!(only_to.holds(None, Some(date(2000, 1, 1)), TODAY));
        assert!(!only_to.holds(Some(date(2026, 6, 16)), None, TODAY));
    }

    #[test]
    fn an_end_before_the_start_is_refused_naming_end_date() {
        let e = check_range(Some(date(2026, 2, 1)), Some(date(2026, 1, 1))).unwrap_err();
        assert!(matches!(e, crate::Error::Invalid { ref field, .. } if field == "end_date"));
        assert!(check_range(Some(TODAY), Some(TODAY)).is_ok());
    }
}
