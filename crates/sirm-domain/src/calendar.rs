//! The agency's working-day calendar (工作日历): Saturdays and Sundays are
//! rest days, except the adjusted working days (调休上班) the agency lists;
//! the public holidays (法定节假日) it lists are rest days whatever the
//! weekday. Deadlines counted in working days (an objection's answer,
//! Art 16; a transfer) are counted here. The agency keeps the lists in
//! `[calendar]` of `sirm.toml` (`docs/objections.md`); nothing here reads
//! a clock or a file.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// A working-day calendar: the weekend rule plus the agency's lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

/// A day listed both as a holiday and as an adjusted working day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is listed both as a holiday and as an adjusted working day")]
pub struct CalendarError(pub NaiveDate);

impl WorkCalendar {
    /// A calendar of `holidays` (rest days) and adjusted `workdays`
    /// (weekend days worked); a day in both lists is refused.
    pub fn new(
        holidays: impl IntoIterator<Item = NaiveDate>,
        workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<Self, CalendarError> {
        let holidays: BTreeSet<NaiveDate> = holidays.into_iter().collect();
        let workdays: BTreeSet<NaiveDate> = workdays.into_iter().collect();
        if let Some(d) = holidays.intersection(&workdays).next() {
            return Err(CalendarError(*d));
        }
        Ok(WorkCalendar { holidays, workdays })
    }

    /// Is `day` a working day?
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.workdays.contains(&day) {
            return true;
        }
        if self.holidays.contains(&day) {
            return false;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The `n`th working day after `from` (`from` itself not counted; `n`
    /// = 0 is `from`). A deadline of 15 working days from a filing on
    /// `from` is `add_working_days(from, 15)`.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from` up to and including `to` (0 when `to` is
    /// not after `from`): how many working days a case has been open.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut day = from;
        while day < to {
            day += Duration::days(1);
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weekends_are_skipped() {
        let c = WorkCalendar::default();
        // 2026-01-09 is a Friday.
        assert_eq!(c.add_working_days(d("2026-01-09"), 1), d("2026-01-12"));
        assert_eq!(c.add_working_days(d("2026-01-09"), 0), d("2026-01-09"));
        assert_eq!(c.add_working_days(d("2026-01-05"), 15), d("2026-01-26"));
        assert_eq!(c.working_days_between(d("2026-01-05"), d("2026-01-26")), 15);
        assert_eq!(c.working_days_between(d("2026-01-26"), d("2026-01-05")), 0);
    }

    #[test]
    fn holidays_rest_and_adjusted_days_work() {
        // Spring Festival 2026 (invented for the test): Mon 16 – Fri 20
        // February off, Saturday 14 and Saturday 28 February worked.
        let off = (16..=20).map(|n| d(&format!("2026-02-{n}")));
        let c = WorkCalendar::new(off, [d("2026-02-14"), d("2026-02-28")]).unwrap();
        assert!(c.is_working_day(d("2026-02-14")));
        assert!(!c.is_working_day(d("2026-02-16")));
        assert!(!c.is_working_day(d("2026-02-15")));
        // From Friday 13: Sat 14 (1), Mon 23 … Fri 27 (2–6), Sat 28 (7).
        assert_eq!(c.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        assert_eq!(c.add_working_days(d("2026-02-13"), 2), d("2026-02-23"));
        assert_eq!(c.add_working_days(d("2026-02-13"), 7), d("2026-02-28"));
        assert_eq!(c.add_working_days(d("2026-02-13"), 8), d("2026-03-02"));
    }

    #[test]
    fn a_day_in_both_lists_is_refused() {
        let e = WorkCalendar::new([d("2026-10-01")], [d("2026-10-01")]).unwrap_err();
        assert_eq!(e, CalendarError(d("2026-10-01")));
    }

    #[test]
    fn counting_forward_then_back_agrees() {
        let c = WorkCalendar::new([d("2026-05-01")], [d("2026-05-09")]).unwrap();
        let start = d("2026-04-20");
        for n in 0..40 {
            let end = c.add_working_days(start, n);
            assert_eq!(c.working_days_between(start, end), n, "{n}");
            assert!(n == 0 || c.is_working_day(end));
        }
    }
}
