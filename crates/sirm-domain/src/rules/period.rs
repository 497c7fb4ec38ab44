//! Calendar months (`YYYY-MM`), the unit of contributions and of the retirement
//! schedule.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month, e.g. `2025-02`. Ordered; `add_months` and `months_since`
/// do the month arithmetic the retirement schedule needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// `year * 12 + (month - 1)`.
    index: i32,
}

/// Years a [`Month`] may name (inclusive).
pub const MIN_YEAR: i32 = 1900;
/// Years a [`Month`] may name (inclusive).
pub const MAX_YEAR: i32 = 2199;

impl Month {
    /// `None` unless `1 <= month <= 12` and `MIN_YEAR <= year <= MAX_YEAR`.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        if !(1..=12).contains(&month) || !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return None;
        }
        Some(Month {
            index: year * 12 + month as i32 - 1,
        })
    }

    /// The month of a calendar date.
    pub fn of_date(date: chrono::NaiveDate) -> Month {
        use chrono::Datelike;
        Month {
            index: date.year() * 12 + date.month0() as i32,
        }
    }

    pub fn year(self) -> i32 {
        self.index.div_euclid(12)
    }

    /// 1–12.
    pub fn month(self) -> u32 {
        self.index.rem_euclid(12) as u32 + 1
    }

    /// The first day of the month.
    pub fn first_day(self) -> chrono::NaiveDate {
        // Every `Month` is a valid calendar month, so day 1 exists.
        chrono::NaiveDate::from_ymd_opt(self.year(), self.month(), 1).unwrap_or_default()
    }

    /// The last day of the month.
    pub fn last_day(self) -> chrono::NaiveDate {
        self.add_months(1)
            .first_day()
            .pred_opt()
            .unwrap_or_default()
    }

    /// This month moved by `n` months (may be negative).
    pub fn add_months(self, n: i32) -> Month {
        Month {
            index: self.index + n,
        }
    }

    /// Months from `earlier` to `self` (negative when `self` is earlier).
    pub fn months_since(self, earlier: Month) -> i32 {
        self.index - earlier.index
    }

    /// Parses `YYYY-MM` strictly (four-digit year, two-digit month 01–12).
    pub fn parse(s: &str) -> Result<Month, String> {
        let b = s.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !b
                .iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return Err("is not a month of the form YYYY-MM".to_owned());
        }
        let year: i32 = s[..4].parse().map_err(|_| "bad year".to_owned())?;
        let month: u32 = s[5..].parse().map_err(|_| "bad month".to_owned())?;
        if !(1..=12).contains(&month) {
            return Err(format!("month {month} is outside 1–12"));
        }
        Month::new(year, month)
            .ok_or_else(|| format!("year {year} is outside {MIN_YEAR}–{MAX_YEAR}"))
    }
}

impl std::str::FromStr for Month {
    type Err = String;

    fn from_str(s: &str) -> Result<Month, String> {
        Month::parse(s)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s).map_err(|e| serde::de::Error::custom(format!("{s:?} {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_and_last_days() {
        let day = |m: &str| {
            let m = Month::parse(m).unwrap();
            (m.first_day().to_string(), m.last_day().to_string())
        };
        assert_eq!(day("2024-02"), ("2024-02-01".into(), "2024-02-29".into()));
        assert_eq!(day("2025-02").1, "2025-02-28");
        assert_eq!(day("2025-12"), ("2025-12-01".into(), "2025-12-31".into()));
        assert_eq!(day("2025-04").1, "2025-04-30");
    }

    #[test]
    fn parse_and_arithmetic() {
        let m = Month::parse("1965-01").unwrap();
        assert_eq!(m.year(), 1965);
        assert_eq!(m.month(), 1);
        assert_eq!(m.add_months(60 * 12 + 1).to_string(), "2025-02");
        assert_eq!(
            Month::parse("2025-12").unwrap().add_months(1).to_string(),
            "2026-01"
        );
        assert_eq!(Month::parse("2025-02").unwrap().months_since(m), 721);
        for bad in [
            "2025-13", "2025-00", "2025-1", "25-01", "2025/01", "abcd-01", "1899-12",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }
}
