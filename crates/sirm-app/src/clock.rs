//! The agency's clock: now, today and the current month in the agency's time
//! zone (UTC+8), and timestamps in microseconds. A leaf: no use case here.

use chrono::Utc;
use sirm_domain::rules::Month;

/// The agency's time zone (UTC+8, Beijing time).
pub fn agency_offset() -> chrono::FixedOffset {
    use chrono::Offset;
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}

/// Now in the agency's time zone (UTC+8), as printed on documents.
pub fn agency_now() -> chrono::NaiveDateTime {
    (chrono::Utc::now() + chrono::Duration::hours(8)).naive_utc()
}

/// Today in the agency's time zone (UTC+8).
pub fn today() -> chrono::NaiveDate {
    agency_now().date()
}

/// The current month in the agency's time zone (UTC+8).
pub fn current_month() -> Month {
    Month::of_date(today())
}

/// Now as microseconds since the epoch (the stores' timestamps).
pub(crate) fn time_us() -> i64 {
    Utc::now().timestamp_micros()
}
