//! The caps and fixed bounds a workbook is read under, what reading
//! yields (rows of columns A and B), and why a workbook is refused.

use crate::limits::LimitsConfig;

/// Longest XML token (a tag with its attributes, a text run, a comment).
pub const MAX_XML_TOKEN: usize = 1024 * 1024;
/// Deepest element nesting (a sheet needs 5 levels).
pub const MAX_DEPTH: usize = 64;
/// Longest text of one cell or shared string (Excel allows 32,767
/// characters, at most 4 bytes each).
pub const MAX_CELL_TEXT: usize = 256 * 1024;
/// Most zip entries in a workbook (a workbook has a few dozen).
pub const MAX_ZIP_ENTRIES: u64 = 10_000;
/// Shared strings kept in memory (text plus index) before spilling to disk.
pub const SHARED_STRINGS_IN_MEMORY: usize = 64 * 1024 * 1024;

/// The caps a workbook is read under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XlsxLimits {
    pub max_rows: u64,
    pub max_columns: u32,
    pub max_entry_bytes: u64,
    /// Bytes of shared strings held in memory before spilling to disk.
    pub strings_in_memory: usize,
}

impl XlsxLimits {
    pub fn from_config(l: &LimitsConfig) -> Self {
        XlsxLimits {
            max_rows: l.xlsx_max_rows,
            max_columns: l.xlsx_max_columns,
            max_entry_bytes: l.xlsx_entry_bytes(),
            strings_in_memory: SHARED_STRINGS_IN_MEMORY,
        }
    }

    pub(super) fn entry_mib(&self) -> u64 {
        self.max_entry_bytes.div_ceil(LimitsConfig::MIB)
    }
}

/// Why a workbook was refused. Cap refusals name the cap.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("not a readable XLSX workbook: {0}")]
    NotAWorkbook(String),
    #[error("XLSX 超过上限：最多 {limit} 行 / the workbook exceeds the limit of {limit} rows (cap limits.xlsx_max_rows): {found}")]
    TooManyRows { limit: u64, found: String },
    #[error("XLSX 超过上限：最多 {limit} 列 / the workbook exceeds the limit of {limit} columns (cap limits.xlsx_max_columns): {found}")]
    TooManyColumns { limit: u32, found: String },
    #[error("XLSX 超过上限：条目 {entry} 解压后超过 {limit_mib} MiB / the workbook entry {entry} expands beyond the limit of {limit_mib} MiB (cap limits.xlsx_max_entry_mib)")]
    EntryTooLarge { entry: String, limit_mib: u64 },
    #[error("XLSX 超过上限：最多 {limit} 个压缩条目 / the workbook has more than {limit} zip entries ({found})")]
    TooManyEntries { limit: u64, found: u64 },
    #[error("{entry}: {message}")]
    Malformed { entry: String, message: String },
    /// A kept cell that cannot be a value (a boolean, an error, a date type).
    #[error("row {row} column {column}: {message}")]
    Cell {
        row: u64,
        column: String,
        message: String,
    },
    #[error("the sheet must have the ID number in column A and the wage in column B")]
    NoColumnA,
    #[error("the workbook has no sheet")]
    NoSheet,
    #[error("reading the workbook: {0}")]
    Io(#[from] std::io::Error),
}

pub(super) fn malformed(entry: &str, message: impl std::fmt::Display) -> XlsxError {
    XlsxError::Malformed {
        entry: entry.to_string(),
        message: message.to_string(),
    }
}

/// A value of a kept column (A and B for a declaration).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    /// Text (shared, inline or a formula's text result), trimmed.
    Text(String),
    /// A number, as stored.
    Number(f64),
}

/// One row of the sheet: its number (from 1), columns A and B, and the
/// columns after them up to the number kept ([`super::read_rows_keeping`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub number: u64,
    pub a: Cell,
    pub b: Cell,
    /// Columns C, D, … up to the number kept (empty for a declaration).
    pub more: Vec<Cell>,
}

/// What was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Row elements read.
    pub rows: u64,
    /// The highest row number.
    pub last_row: u64,
}

pub(super) fn zip_message(e: zip::result::ZipError) -> String {
    match e {
        zip::result::ZipError::InvalidArchive(m) => format!("not a zip archive or damaged ({m})"),
        other => other.to_string(),
    }
}
