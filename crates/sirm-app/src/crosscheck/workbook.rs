//! A department file as an XLSX workbook: the first sheet, read by the
//! bounded streaming reader of declarations (`collection/xlsx`, every cap
//! of `[limits]` applies) keeping the first [`KEEP`] columns, each row
//! turned into the text cells a CSV line would hold and fed to the same
//! [`Lines`] as CSV — one header check, one row check, one duplicate check.
//!
//! Cells stored as numbers: a date column's number is an Excel date serial
//! (days since 1899-12-30, the 1900 date system), a month column's too;
//! an ID number or credit code stored as a number has lost its last digits
//! (an f64 holds 15–16), so its row is refused asking for a text column;
//! any other number is written as the shortest decimal that reads back
//! as it (`8000.5`, `12000`).

use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use sirm_domain::records::crosscheck::FileKind;
use sirm_domain::RuleId;

use super::file::{refuse, Lines, Read, XlsxSource};
use crate::collection::xlsx::{self, Cell, XlsxError};
use crate::AppError;

/// Columns read: the widest kind has 5; a few more so that an extra
/// column in the header is seen (and refused) rather than skipped.
const KEEP: u32 = 12;

/// Columns whose number is a date serial.
const DATE_COLUMNS: &[&str] = &["died_on", "changed_on", "status_on", "from", "to", "date"];
/// Columns whose number is a date serial standing for its month.
const MONTH_COLUMNS: &[&str] = &["month"];
/// Columns that must be text: identifiers longer than an f64 keeps.
const IDENTIFIER_COLUMNS: &[&str] = &[
    "id_number",
    "old_id_number",
    "new_id_number",
    "credit_code",
    "institution",
];

/// Read the workbook at `path` as a department file of `kind`.
pub(super) fn read(path: &Path, kind: FileKind, src: &XlsxSource) -> Result<Read, AppError> {
    let mut lines = Lines::new(kind);
    // The first error of a line, kept while the reader is stopped.
    let mut stopped: Option<AppError> = None;
    let mut cells: Vec<String> = Vec::new();
    let outcome = xlsx::read_rows_keeping(path, &src.limits, &src.archive, KEEP, &mut |row| {
        let mut all: Vec<&Cell> = vec![&row.a, &row.b];
        all.extend(row.more.iter());
        // Trailing empty cells are no fields (an empty optional last
        // column); a row of nothing is no line, as a blank CSV line.
        let Some(last) = all.iter().rposition(|c| **c != Cell::Empty) else {
            return Ok(());
        };
        let width = (last + 1).max(lines.width());
        cells.clear();
        for (i, c) in all.iter().take(width).enumerate() {
            match text_of(c, lines.key_at(i)) {
                Ok(t) => cells.push(t),
                Err((key, reason)) => {
                    let n = row.number;
                    lines.reject(n, format!("line {n}, {key}: {reason}"));
                    return Ok(());
                }
            }
        }
        if let Err(e) = lines.line(row.number, &cells) {
            stopped = Some(e);
            return Err(XlsxError::Malformed {
                entry: String::new(),
                message: String::new(),
            });
        }
        Ok(())
    });
    if let Some(e) = stopped {
        return Err(e);
    }
    match outcome {
        Ok(_) => lines.finish(),
        // Declarations' own wording for an empty column A does not fit.
        Err(XlsxError::NoColumnA) => Err(refuse(
            RuleId::CrosscheckColumns,
            "line 1, column A: the header must start in column A".into(),
        )),
        Err(e) => Err(refuse(RuleId::CrosscheckEncoding, format!("XLSX: {e}"))),
    }
}

/// The text a cell stands for in the column `key` (unknown in the header).
pub(crate) fn text_of(
    cell: &Cell,
    key: Option<&'static str>,
) -> Result<String, (&'static str, String)> {
    let f = match cell {
        Cell::Empty => return Ok(String::new()),
        Cell::Text(t) => return Ok(t.clone()),
        Cell::Number(f) => *f,
    };
    match key {
        Some(k) if IDENTIFIER_COLUMNS.contains(&k) => Err((
            k,
            "stored as a number, which loses digits: format the column as text and type it again"
                .into(),
        )),
        Some(k) if DATE_COLUMNS.contains(&k) => serial_date(f)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .ok_or((k, format!("{f} is no date"))),
        Some(k) if MONTH_COLUMNS.contains(&k) => serial_date(f)
            .map(|d| format!("{:04}-{:02}", d.year(), d.month()))
            .ok_or((k, format!("{f} is no month"))),
        _ => Ok(number_text(f)),
    }
}

/// An Excel date serial (1900 date system, from 1900-03-01 on): the day.
fn serial_date(f: f64) -> Option<NaiveDate> {
    if !(61.0..=2_958_465.0).contains(&f) {
        return None;
    }
    // Whole days only: a time of day is dropped.
    let days = f.floor() as i64;
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(Duration::days(days))
}

/// The shortest decimal text that reads back as `f`.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_numbers_and_identifiers() {
        // 45726 = 2025-03-10 in Excel.
        assert_eq!(
            text_of(&Cell::Number(45726.0), Some("died_on")).unwrap(),
            "2025-03-10"
        );
        assert_eq!(
            text_of(&Cell::Number(45727.75), Some("month")).unwrap(),
            "2025-03"
        );
        assert_eq!(
            text_of(&Cell::Number(8000.5), Some("taxable_wage")).unwrap(),
            "8000.5"
        );
        assert_eq!(
            text_of(&Cell::Number(12000.0), Some("amount")).unwrap(),
            "12000"
        );
        let (k, why) = text_of(&Cell::Number(1.1010519621215e17), Some("id_number")).unwrap_err();
        assert_eq!(k, "id_number");
        assert!(why.contains("text"), "{why}");
        assert!(text_of(&Cell::Number(3.0), Some("date")).is_err());
    }
}
