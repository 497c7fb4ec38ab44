//! Reading a department file (docs/crosscheck.md): UTF-8 CSV, or an XLSX
//! workbook (`workbook.rs`), with a header line naming the kind's columns
//! (by key or Chinese label, in any order).
//! The header is checked first — an unknown or missing column, or the
//! header of another kind, refuses the file naming it; then each row is
//! read on its own: a malformed field or a repeated row is refused with
//! its line and field, and the good rows are kept.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sirm_domain::id::{CreditCode, ResidentId};
use sirm_domain::records::crosscheck::FileKind;
use sirm_domain::records::RejectedLine;
use sirm_domain::rules::Month;
use sirm_domain::RuleId;

use crate::AppError;

/// Refused rows kept with their reasons in the import's entry.
pub const MAX_REJECTED_LISTED: usize = 200;

/// The text encoding a cross-check CSV must have (shown on the upload form).
pub const CSV_ENCODING: &str = "UTF-8";

/// Status words of market regulation that mean the employer is gone.
const CLOSED: &[&str] = &[
    "注销",
    "吊销",
    "撤销",
    "deregistered",
    "revoked",
    "cancelled",
];
/// Status words that mean it goes on.
const OPEN: &[&str] = &["存续", "在业", "开业", "active"];

/// One row of a department file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    TaxWage {
        id: ResidentId,
        credit_code: CreditCode,
        month: Month,
        taxable_wage: Decimal,
    },
    Death {
        id: ResidentId,
        died_on: NaiveDate,
        certificate_no: String,
    },
    IdChange {
        old_id: ResidentId,
        new_id: ResidentId,
        new_name: Option<String>,
        changed_on: NaiveDate,
    },
    EmployerStatus {
        credit_code: CreditCode,
        /// The department's word, as written.
        status: String,
        closed: bool,
        status_on: NaiveDate,
    },
    InstitutionStaff {
        id: ResidentId,
        institution: CreditCode,
        from: NaiveDate,
        to: Option<NaiveDate>,
    },
    Settlement {
        id: ResidentId,
        institution: CreditCode,
        date: NaiveDate,
        item: String,
        amount: Decimal,
    },
}

/// What a file held: its good rows by line, and the refused ones.
#[derive(Debug, Default)]
pub struct Read {
    pub rows: Vec<(u64, Row)>,
    /// Data rows read (the header not counted).
    pub total: u64,
    pub rejected_count: u64,
    pub rejected: Vec<RejectedLine>,
}

impl Read {
    fn reject(&mut self, line: u64, rule: RuleId, reason: String) {
        self.rejected_count += 1;
        if self.rejected.len() < MAX_REJECTED_LISTED {
            self.rejected.push(RejectedLine {
                line,
                rule: Some(rule),
                reason,
            });
        }
    }
}

pub(super) fn refuse(rule: RuleId, message: String) -> AppError {
    AppError::invalid_by("file", rule, message)
}

/// The column key a header cell names (its key or its Chinese label).
fn column_of(kind: FileKind, cell: &str) -> Option<&'static str> {
    kind.columns()
        .iter()
        .find(|(k, zh)| *k == cell || *zh == cell)
        .map(|(k, _)| *k)
}

/// Map the header onto the kind's columns: the position of each column.
fn header(kind: FileKind, cells: &[String]) -> Result<HashMap<&'static str, usize>, AppError> {
    let mut at = HashMap::new();
    for (i, cell) in cells.iter().enumerate() {
        let cell = cell.trim();
        let Some(key) = column_of(kind, cell) else {
            // The header of another kind of file?
            if let Some(other) = FileKind::ALL.into_iter().find(|k| {
                *k != kind
                    && cells.iter().all(|c| column_of(*k, c.trim()).is_some())
                    && cells.len() == k.columns().len()
            }) {
                return Err(refuse(
                    RuleId::CrosscheckWrongKind,
                    format!("line 1: this is the header of a {other} file, not of a {kind} file"),
                ));
            }
            let known: Vec<&str> = kind.columns().iter().map(|(k, _)| *k).collect();
            return Err(refuse(
                RuleId::CrosscheckColumns,
                format!(
                    "line 1, column {}: {cell:?} is no column of a {kind} file (columns: {})",
                    i + 1,
                    known.join(", ")
                ),
            ));
        };
        if at.insert(key, i).is_some() {
            return Err(refuse(
                RuleId::CrosscheckColumns,
                format!("line 1, column {}: {key} appears twice", i + 1),
            ));
        }
    }
    for (key, _) in kind.columns() {
        if !at.contains_key(key) {
            return Err(refuse(
                RuleId::CrosscheckColumns,
                format!("line 1: the column {key} is missing"),
            ));
        }
    }
    Ok(at)
}

/// Read the department file at `path` as a file of `kind`: an XLSX
/// workbook (first sheet, recognised by its zip signature) or UTF-8 CSV.
pub fn read(path: &Path, kind: FileKind, xlsx: &XlsxSource) -> Result<Read, AppError> {
    if is_workbook(path)? {
        return super::workbook::read(path, kind, xlsx);
    }
    read_csv(path, kind)
}

/// Does the file at `path` start with a zip signature (an XLSX workbook)?
pub fn is_workbook(path: &Path) -> Result<bool, AppError> {
    let file_err = |e: std::io::Error| AppError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut magic = [0u8; 4];
    let mut file = std::fs::File::open(path).map_err(file_err)?;
    let n = std::io::Read::read(&mut file, &mut magic).map_err(file_err)?;
    Ok(n == 4 && magic == *b"PK\x03\x04")
}

/// Read the UTF-8 CSV department file at `path` as a file of `kind`.
pub fn read_csv(path: &Path, kind: FileKind) -> Result<Read, AppError> {
    let file = std::fs::File::open(path).map_err(|e| AppError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 16, file));
    let mut rec = csv::ByteRecord::new();
    let mut lines = Lines::new(kind);
    let mut cells: Vec<String> = Vec::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(refuse(
                    RuleId::CrosscheckRow,
                    format!("line {line}: not readable as CSV ({e})"),
                ));
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        cells.clear();
        for (i, f) in rec.iter().enumerate() {
            let f = if line == 1 && i == 0 {
                f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f)
            } else {
                f
            };
            match std::str::from_utf8(f) {
                Ok(s) => cells.push(s.trim().to_string()),
                Err(_) => {
                    return Err(refuse(
                        RuleId::CrosscheckEncoding,
                        format!(
                            "line {line}, column {}: not UTF-8 text (a GBK file? save it as UTF-8)",
                            i + 1
                        ),
                    ))
                }
            }
        }
        lines.line(line, &cells)?;
    }
    lines.finish()
}

/// What an XLSX workbook is read with: the caps of `[limits]` and the
/// archive whose scratch space takes a large shared-strings table.
pub struct XlsxSource {
    pub limits: crate::collection::xlsx::XlsxLimits,
    pub archive: crate::collection::archive::Archive,
}

/// The lines of a department file, fed one at a time whatever the file's
/// format: the first is the header, every other one a row.
pub(super) struct Lines {
    kind: FileKind,
    out: Read,
    cols: Option<HashMap<&'static str, usize>>,
    seen: HashMap<String, u64>,
}

impl Lines {
    pub(super) fn new(kind: FileKind) -> Self {
        Lines {
            kind,
            out: Read::default(),
            cols: None,
            seen: HashMap::new(),
        }
    }

    /// The column key at position `i`, once the header is read.
    pub(super) fn key_at(&self, i: usize) -> Option<&'static str> {
        self.cols
            .as_ref()
            .and_then(|at| at.iter().find(|(_, p)| **p == i).map(|(k, _)| *k))
    }

    /// Columns the header named (0 before it is read).
    pub(super) fn width(&self) -> usize {
        self.cols.as_ref().map_or(0, HashMap::len)
    }

    /// Refuse a row for a reason found before its fields are read.
    pub(super) fn reject(&mut self, line: u64, reason: String) {
        self.out.total += 1;
        self.out.reject(line, RuleId::CrosscheckRow, reason);
    }

    /// Line `line` of the file: the header (refused whole when wrong), or a
    /// row (kept, or refused with its line and field).
    pub(super) fn line(&mut self, line: u64, cells: &[String]) -> Result<(), AppError> {
        let Some(at) = &self.cols else {
            self.cols = Some(header(self.kind, cells)?);
            return Ok(());
        };
        self.out.total += 1;
        if cells.len() != at.len() {
            let reason = format!(
                "line {line}: {} fields, the header has {}",
                cells.len(),
                at.len()
            );
            self.out.reject(line, RuleId::CrosscheckRow, reason);
            return Ok(());
        }
        let get = Fields { at, cells };
        match row(self.kind, &get) {
            Ok((identity, r)) => {
                if let Some(first) = self.seen.get(&identity) {
                    let reason = format!("line {line}: repeats line {first}");
                    self.out
                        .reject(line, RuleId::CrosscheckDuplicateRow, reason);
                    return Ok(());
                }
                self.seen.insert(identity, line);
                self.out.rows.push((line, r));
            }
            Err((field, reason)) => self.out.reject(
                line,
                RuleId::CrosscheckRow,
                format!("line {line}, {field}: {reason}"),
            ),
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<Read, AppError> {
        if self.cols.is_none() {
            return Err(refuse(
                RuleId::CrosscheckColumns,
                "the file is empty: line 1 must name the columns".into(),
            ));
        }
        Ok(self.out)
    }
}

type FieldError = (&'static str, String);

/// The cells of one row by column key.
struct Fields<'a> {
    at: &'a HashMap<&'static str, usize>,
    cells: &'a [String],
}

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> &'a str {
        self.at
            .get(key)
            .and_then(|i| self.cells.get(*i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

fn id(get: &Fields<'_>, key: &'static str) -> Result<ResidentId, FieldError> {
    ResidentId::from_str(get.get(key)).map_err(|e| (key, e.to_string()))
}

fn code(get: &Fields<'_>, key: &'static str) -> Result<CreditCode, FieldError> {
    CreditCode::from_str(get.get(key)).map_err(|e| (key, e.to_string()))
}

fn date(get: &Fields<'_>, key: &'static str) -> Result<NaiveDate, FieldError> {
    let t = get.get(key);
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y%m%d"))
        .map_err(|_| (key, format!("{t:?} is not a date (YYYY-MM-DD)")))
}

fn amount(get: &Fields<'_>, key: &'static str) -> Result<Decimal, FieldError> {
    let t = get.get(key);
    match Decimal::from_str(t) {
        Ok(d) if d >= Decimal::ZERO => Ok(d),
        Ok(_) => Err((key, format!("{t} is negative"))),
        Err(_) => Err((key, format!("{t:?} is not a decimal amount"))),
    }
}

fn text(get: &Fields<'_>, key: &'static str, max: usize) -> Result<String, FieldError> {
    let t = get.get(key);
    if t.is_empty() {
        return Err((key, "is empty".into()));
    }
    if t.chars().count() > max || t.chars().any(char::is_control) {
        return Err((
            key,
            format!("is longer than {max} characters or holds control characters"),
        ));
    }
    Ok(t.to_string())
}

/// One row of `kind` and its identity within the file (a second row with
/// the same identity is a duplicate).
fn row(kind: FileKind, get: &Fields<'_>) -> Result<(String, Row), FieldError> {
    Ok(match kind {
        FileKind::TaxWage => {
            let (id, credit_code) = (id(get, "id_number")?, code(get, "credit_code")?);
            let month = Month::parse(get.get("month")).map_err(|e| ("month", e))?;
            let taxable_wage = amount(get, "taxable_wage")?;
            (
                format!("{id}|{credit_code}|{month}"),
                Row::TaxWage {
                    id,
                    credit_code,
                    month,
                    taxable_wage,
                },
            )
        }
        FileKind::Death => {
            let id = id(get, "id_number")?;
            let died_on = date(get, "died_on")?;
            let certificate_no = text(get, "certificate_no", 64)?;
            (
                id.to_string(),
                Row::Death {
                    id,
                    died_on,
                    certificate_no,
                },
            )
        }
        FileKind::IdChange => {
            let old_id = id(get, "old_id_number")?;
            let new_id = id(get, "new_id_number")?;
            let new_name = match get.get("new_name") {
                "" => None,
                _ => Some(text(get, "new_name", 50)?),
            };
            if old_id == new_id && new_name.is_none() {
                return Err((
                    "new_id_number",
                    "equals the old one and no new name is given".into(),
                ));
            }
            let changed_on = date(get, "changed_on")?;
            (
                old_id.to_string(),
                Row::IdChange {
                    old_id,
                    new_id,
                    new_name,
                    changed_on,
                },
            )
        }
        FileKind::EmployerStatus => {
            let credit_code = code(get, "credit_code")?;
            let status = text(get, "status", 20)?;
            let closed = if CLOSED.contains(&status.as_str()) {
                true
            } else if OPEN.contains(&status.as_str()) {
                false
            } else {
                return Err((
                    "status",
                    format!(
                        "{status:?} is none of {} / {}",
                        CLOSED.join("、"),
                        OPEN.join("、")
                    ),
                ));
            };
            let status_on = date(get, "status_on")?;
            (
                credit_code.to_string(),
                Row::EmployerStatus {
                    credit_code,
                    status,
                    closed,
                    status_on,
                },
            )
        }
        FileKind::InstitutionStaff => {
            let (id, institution) = (id(get, "id_number")?, code(get, "institution")?);
            let from = date(get, "from")?;
            let to = match get.get("to") {
                "" => None,
                _ => Some(date(get, "to")?),
            };
            if to.is_some_and(|t| t < from) {
                return Err(("to", "lies before from".into()));
            }
            (
                format!("{id}|{institution}|{from}"),
                Row::InstitutionStaff {
                    id,
                    institution,
                    from,
                    to,
                },
            )
        }
        FileKind::Settlement => {
            let (id, institution) = (id(get, "id_number")?, code(get, "institution")?);
            let date = date(get, "date")?;
            let item = text(get, "item", 100)?;
            let amount = amount(get, "amount")?;
            (
                format!("{id}|{institution}|{date}|{item}|{amount}"),
                Row::Settlement {
                    id,
                    institution,
                    date,
                    item,
                    amount,
                },
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text).unwrap();
        f
    }

    const ID: &str = "11010519621215031X";

    fn valid_id() -> String {
        // Any valid GB 11643 number: build one from its parts.
        let region: sirm_domain::id::RegionCode = "110105".parse().unwrap();
        ResidentId::from_parts(&region, NaiveDate::from_ymd_opt(1962, 12, 15).unwrap(), 31)
            .unwrap()
            .to_string()
    }

    #[test]
    fn good_rows_kept_bad_ones_named() {
        let id = valid_id();
        let text = format!(
            "\u{feff}身份号码,died_on,死亡证明编号\n{id},2025-03-10,A001\n{ID},2025-03-10,A002\n{id},2025-03-11,A003\n{id},20250310\n"
        );
        let f = file(text.as_bytes());
        let r = read_csv(f.path(), FileKind::Death).unwrap();
        assert_eq!(r.total, 4);
        assert_eq!(r.rows.len(), 1);
        assert_eq!(r.rows[0].0, 2);
        let lines: Vec<u64> = r.rejected.iter().map(|x| x.line).collect();
        assert_eq!(lines, [3, 4, 5]);
        assert!(
            r.rejected[0].reason.contains("id_number"),
            "{:?}",
            r.rejected[0]
        );
        assert_eq!(r.rejected[1].rule, Some(RuleId::CrosscheckDuplicateRow));
        assert!(r.rejected[1].reason.contains("repeats line 2"));
    }

    #[test]
    fn header_unknown_missing_wrong_kind_encoding() {
        let f = file(b"id_number,died_on,certificate_no,colour\n");
        let e = read_csv(f.path(), FileKind::Death).unwrap_err();
        assert_eq!(e.rule(), Some(RuleId::CrosscheckColumns));
        assert!(e.to_string().contains("colour"), "{e}");
        let f = file(b"id_number,died_on\n");
        let e = read_csv(f.path(), FileKind::Death).unwrap_err();
        assert!(e.to_string().contains("certificate_no"), "{e}");
        let f = file(b"id_number,credit_code,month,taxable_wage\n");
        let e = read_csv(f.path(), FileKind::Death).unwrap_err();
        assert_eq!(e.rule(), Some(RuleId::CrosscheckWrongKind));
        assert!(e.to_string().contains("tax_wage"), "{e}");
        // 身份号码 in GBK.
        let f = file(b"\xc9\xed\xb7\xdd\xba\xc5\xc2\xeb,died_on,certificate_no\n");
        let e = read_csv(f.path(), FileKind::Death).unwrap_err();
        assert_eq!(e.rule(), Some(RuleId::CrosscheckEncoding));
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
