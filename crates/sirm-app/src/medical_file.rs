//! Reading a settlement file (医疗费用结算记录, docs/medical.md): UTF-8 CSV
//! or an XLSX workbook (first sheet, the bounded reader of declarations
//! with every cap of `[limits]`), a header naming the columns by key or
//! Chinese label in any order, then one settlement per line. Every bad
//! line is kept with its line number, field and rule; the caller takes the
//! file whole or not at all.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sirm_domain::id::ResidentId;
use sirm_domain::RuleId;

use crate::collection::archive::Archive;
use crate::collection::xlsx::{self, Cell, XlsxLimits};
use crate::AppError;

/// At most this many settlements in one file (a day's file of one
/// institution group; larger batches are split).
pub const MAX_ROWS: u64 = 20_000;
/// At most this many bytes of CSV.
pub const MAX_CSV_BYTES: u64 = 8 << 20;
/// At most this many bad lines listed in a refusal (the count is exact).
pub const MAX_LISTED: usize = 200;

/// The text encoding a settlement CSV must have (shown on the upload form).
pub const CSV_ENCODING: &str = "UTF-8";

/// The columns: key and Chinese label.
pub const COLUMNS: [(&str, &str); 7] = [
    ("id_number", "公民身份号码"),
    ("date", "结算日期"),
    ("institution", "定点医药机构编码"),
    ("total", "医疗费用总额"),
    ("fund_paid", "统筹基金支付"),
    ("account_paid", "个人账户支付"),
    ("self_paid", "个人自付"),
];

/// One settlement as read (not yet checked against the record).
#[derive(Clone, Debug)]
pub struct SettlementLine {
    pub line: u64,
    pub id: ResidentId,
    pub date: NaiveDate,
    pub institution: String,
    pub total: Decimal,
    pub fund_paid: Decimal,
    pub account_paid: Decimal,
    pub self_paid: Decimal,
}

/// A bad line: its number, the field, the rule and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BadLine {
    pub line: u64,
    pub field: String,
    pub rule: RuleId,
    pub reason: String,
}

/// What a file held.
#[derive(Debug, Default)]
pub struct ReadFile {
    pub lines: Vec<SettlementLine>,
    pub bad: Vec<BadLine>,
}

fn refuse(message: String) -> AppError {
    AppError::invalid_by("file", RuleId::MedicalSettlementFile, message)
}

/// Read the file at `path` (XLSX by its zip signature, else CSV).
pub fn read(path: &Path, limits: &XlsxLimits, archive: &Archive) -> Result<ReadFile, AppError> {
    let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
    if crate::crosscheck::file::is_workbook(path)? {
        let mut header: Vec<Option<&'static str>> = Vec::new();
        let keep = u32::try_from(COLUMNS.len() + 3).unwrap_or(10);
        let mut bad = Vec::new();
        xlsx::read_rows_keeping(path, limits, archive, keep, &mut |row| {
            let mut all: Vec<&Cell> = vec![&row.a, &row.b];
            all.extend(row.more.iter());
            let Some(last) = all.iter().rposition(|c| **c != Cell::Empty) else {
                return Ok(());
            };
            let mut cells = Vec::with_capacity(last + 1);
            for (i, c) in all.iter().take(last + 1).enumerate() {
                let key = header.get(i).copied().flatten();
                match crate::crosscheck::workbook::text_of(c, key) {
                    Ok(t) => cells.push(t),
                    Err((field, reason)) => {
                        bad.push(BadLine {
                            line: row.number,
                            field: field.to_string(),
                            rule: RuleId::MedicalSettlementFile,
                            reason,
                        });
                        return Ok(());
                    }
                }
            }
            if header.is_empty() {
                header = cells.iter().map(|c| column_of(c.trim())).collect();
            }
            rows.push((row.number, cells));
            Ok(())
        })
        .map_err(|e| refuse(format!("XLSX: {e}")))?;
        let mut read = parse(rows)?;
        bad.append(&mut read.bad);
        bad.sort_by_key(|b| b.line);
        read.bad = bad;
        return Ok(read);
    }
    let size = std::fs::metadata(path)
        .map_err(|e| AppError::File {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?
        .len();
    if size > MAX_CSV_BYTES {
        return Err(refuse(format!(
            "{size} bytes: a settlement file holds at most {MAX_CSV_BYTES} bytes (split it)"
        )));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| refuse(e.to_string()))?;
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(refuse(format!("line {line}: not readable as CSV ({e})")));
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let mut cells = Vec::with_capacity(rec.len());
        for (i, f) in rec.iter().enumerate() {
            let f = if line == 1 && i == 0 {
                f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f)
            } else {
                f
            };
            let s = std::str::from_utf8(f).map_err(|_| {
                refuse(format!(
                    "line {line}, column {}: not UTF-8 text (a GBK file? save it as UTF-8)",
                    i + 1
                ))
            })?;
            cells.push(s.trim().to_string());
        }
        if cells.iter().all(String::is_empty) {
            continue;
        }
        rows.push((line, cells));
    }
    parse(rows)
}

fn column_of(cell: &str) -> Option<&'static str> {
    COLUMNS
        .iter()
        .find(|(k, zh)| *k == cell || *zh == cell)
        .map(|(k, _)| *k)
}

/// The header first (refused whole when wrong), then every line.
fn parse(rows: Vec<(u64, Vec<String>)>) -> Result<ReadFile, AppError> {
    let mut it = rows.into_iter();
    let Some((_, head)) = it.next() else {
        return Err(refuse("the file is empty".into()));
    };
    let mut at: HashMap<&'static str, usize> = HashMap::new();
    for (i, cell) in head.iter().enumerate() {
        let key = column_of(cell.trim()).ok_or_else(|| {
            let known: Vec<&str> = COLUMNS.iter().map(|(k, _)| *k).collect();
            refuse(format!(
                "line 1, column {}: {cell:?} is no column of a settlement file (columns: {})",
                i + 1,
                known.join(", ")
            ))
        })?;
        if at.insert(key, i).is_some() {
            return Err(refuse(format!(
                "line 1, column {}: {key} appears twice",
                i + 1
            )));
        }
    }
    if let Some((k, _)) = COLUMNS.iter().find(|(k, _)| !at.contains_key(k)) {
        return Err(refuse(format!("line 1: the column {k} is missing")));
    }
    let mut out = ReadFile::default();
    for (n, (line, cells)) in it.enumerate() {
        if u64::try_from(n).unwrap_or(u64::MAX) >= MAX_ROWS {
            return Err(refuse(format!(
                "more than {MAX_ROWS} settlements: split the file"
            )));
        }
        match one(
            line,
            &Cells {
                at: &at,
                cells: &cells,
            },
        ) {
            Ok(s) => out.lines.push(s),
            Err(b) => out.bad.push(b),
        }
    }
    Ok(out)
}

/// One line's cells by column key.
struct Cells<'a> {
    at: &'a HashMap<&'static str, usize>,
    cells: &'a [String],
}

impl Cells<'_> {
    fn get(&self, k: &str) -> &str {
        self.at
            .get(k)
            .and_then(|i| self.cells.get(*i))
            .map(|s| s.trim())
            .unwrap_or("")
    }
}

fn one(line: u64, c: &Cells<'_>) -> Result<SettlementLine, BadLine> {
    let get = |k: &str| c.get(k);
    let bad = |field: &str, rule: RuleId, reason: String| BadLine {
        line,
        field: field.to_string(),
        rule,
        reason,
    };
    let id: ResidentId = get("id_number").parse().map_err(|e| {
        bad(
            "id_number",
            RuleId::MedicalSettlementFile,
            format!("not an ID number ({e})"),
        )
    })?;
    let date = NaiveDate::parse_from_str(get("date"), "%Y-%m-%d").map_err(|_| {
        bad(
            "date",
            RuleId::MedicalSettlementFile,
            format!("{:?} is not a date YYYY-MM-DD", get("date")),
        )
    })?;
    let institution = get("institution");
    if institution.is_empty()
        || institution.len() > 32
        || !institution.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(bad(
            "institution",
            RuleId::MedicalSettlementFile,
            format!("{institution:?} is not an institution code (1–32 letters and digits)"),
        ));
    }
    let mut amounts = [Decimal::ZERO; 4];
    for (slot, k) in amounts
        .iter_mut()
        .zip(["total", "fund_paid", "account_paid", "self_paid"])
    {
        *slot = get(k).parse::<Decimal>().map_err(|_| {
            bad(
                k,
                RuleId::MedicalSettlementParts,
                format!("{:?} is not a decimal amount", get(k)),
            )
        })?;
    }
    let [total, fund_paid, account_paid, self_paid] = amounts;
    sirm_domain::rules::medical::check_settlement(total, fund_paid, account_paid, self_paid)
        .map_err(|(k, why)| bad(k, RuleId::MedicalSettlementParts, why))?;
    Ok(SettlementLine {
        line,
        id,
        date,
        institution: institution.to_string(),
        total,
        fund_paid,
        account_paid,
        self_paid,
    })
}

/// The refusal of a file with bad lines: every one listed (up to
/// [`MAX_LISTED`]) with line, field and rule.
pub fn refusal(bad: &[BadLine]) -> AppError {
    let mut text = format!("{} bad line(s), nothing imported: ", bad.len());
    for (i, b) in bad.iter().take(MAX_LISTED).enumerate() {
        if i > 0 {
            text.push_str("; ");
        }
        text.push_str(&format!(
            "line {}, {} ({}): {}",
            b.line,
            b.field,
            b.rule.as_str(),
            b.reason
        ));
    }
    if bad.len() > MAX_LISTED {
        text.push_str(&format!("; … and {} more", bad.len() - MAX_LISTED));
    }
    let rule = if bad.iter().all(|b| b.rule == bad[0].rule) {
        bad.first()
            .map(|b| b.rule)
            .unwrap_or(RuleId::MedicalSettlementFile)
    } else {
        RuleId::MedicalSettlementFile
    };
    let field = match bad {
        [one] => format!("lines[{}].{}", one.line, one.field),
        _ => "file".to_string(),
    };
    AppError::invalid_by(field, rule, text)
}

/// The SHA-256 of the file at `path` (hex), as the archive will address it.
pub fn sha256_of(path: &Path) -> Result<String, AppError> {
    use sha2::Digest;
    use std::io::Read;
    let err = |e: std::io::Error| AppError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut f = std::fs::File::open(path).map_err(err)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}
