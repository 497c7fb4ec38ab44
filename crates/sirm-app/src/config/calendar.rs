//! `[calendar]` in `sirm.toml`: the agency's public holidays (法定节假日)
//! and adjusted working days (调休上班) on top of the weekend rule, read
//! into [`sirm_domain::calendar::WorkCalendar`] for every deadline counted
//! in working days (`docs/objections.md`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sirm_domain::calendar::{CalendarError, WorkCalendar};

/// `[calendar]` in `sirm.toml`, e.g.
/// `holidays = ["2026-10-01", "2026-10-02"]`, `workdays = ["2026-09-27"]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalendarConfig {
    /// Rest days whatever the weekday.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<NaiveDate>,
    /// Saturdays and Sundays that are working days.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workdays: Vec<NaiveDate>,
}

impl CalendarConfig {
    /// The calendar; a day in both lists is refused.
    pub fn calendar(&self) -> Result<WorkCalendar, CalendarError> {
        WorkCalendar::new(self.holidays.iter().copied(), self.workdays.iter().copied())
    }
}
