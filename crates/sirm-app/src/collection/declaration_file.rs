//! Monthly declarations as files (the batch path): a CSV of `ID number,
//! monthly wage` rows, validated row by row at the counter (bad rows are
//! reported with line number and reason, good rows kept), submitted as one
//! application, and on approval computed and appended in one streamed
//! transaction (`Store::append_stream`): all of it or none.

use sirm_domain::RuleId;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::id::{CreditCode, PersonKey, ResidentId};
use sirm_domain::records::{self, kind, DeclarationFile, RejectedLine};
use sirm_domain::rules::Month;
use sirm_ledger::{EntryDraft, Stream};

use super::csv_rows::{Fields, LineSplitter};
use super::registry::BusinessType;
use super::xlsx;
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Config, Sirm};

mod preview;
pub use preview::{FilePreview, PreviewRow, RejectedRow};

/// Rejected rows kept in the application (the count is always exact).
const KEEP_REJECTED: usize = 1000;

/// What the counter sees after submitting a file.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    pub application_id: String,
    pub rows: u64,
    pub accepted: u64,
    pub rejected_count: u64,
    pub rejected: Vec<RejectedLine>,
}

/// Row checks shared by the counter and the approval: the roster the rows
/// are checked against, and the splitter of CSV lines.
pub(crate) struct RowCheck {
    roster: Roster,
    /// Splits CSV lines into fields.
    splitter: LineSplitter,
}

/// The employer's roster for the month. Memory is bounded by the employer's
/// size, not the file's: the employed persons (their blind indexes, sorted:
/// a person's slot is its position), and one "seen" bit per person.
struct Roster {
    employed: Vec<String>,
    /// The first 16 hex digits of each blind index → its slot (a fast
    /// look-up; a clash falls back to binary search).
    by_prefix: std::collections::HashMap<u64, usize>,
    seen: Vec<bool>,
    keyer: crate::privacy::Keyer,
    /// The slots of persons not enrolled in every insurance type for the
    /// month (few; loaded in one read, docs/relations.md).
    enrolled: std::collections::HashMap<usize, sirm_domain::rules::Enrolled>,
    /// The slots of persons de-registered before the month.
    gone: std::collections::HashSet<usize>,
}

/// The first 16 hex digits after `pk` of a blind index, as a number.
fn prefix(pk: &str) -> Option<u64> {
    pk.get(2..18).and_then(|h| u64::from_str_radix(h, 16).ok())
}

impl RowCheck {
    pub(crate) async fn load(
        sirm: &Sirm,
        credit_code: &CreditCode,
        month: Month,
    ) -> Result<RowCheck, AppError> {
        // Rows name persons by any of their ID numbers (aliases, privacy/aliases.rs).
        sirm.refresh_aliases().await?;
        let first = format!("{month}-01");
        let last = format!("{month}-31");
        // Sorted and each once (`Store::employed_in`).
        let employed = sirm
            .store
            .employed_in(credit_code.as_str(), &first, &last)
            .await?;
        let seen = vec![false; employed.len()];
        let mut by_prefix = std::collections::HashMap::with_capacity(employed.len());
        for (slot, pk) in employed.iter().enumerate() {
            if let Some(p) = prefix(pk) {
                by_prefix.entry(p).or_insert(slot);
            }
        }
        let mut roster = Roster {
            employed,
            by_prefix,
            seen,
            keyer: sirm.vault()?.keyer(),
            enrolled: std::collections::HashMap::new(),
            gone: std::collections::HashSet::new(),
        };
        let exclusions = crate::relations::Exclusions::load(sirm, month).await?;
        for (pk, e) in exclusions.persons() {
            if let Some(slot) = pk.parse().ok().and_then(|k| roster.slot(&k)) {
                roster.enrolled.insert(slot, *e);
            }
        }
        for d in sirm.store.deregistrations().await? {
            if month > Month::of_date(d.effective_on) {
                if let Some(slot) = d.person_id.parse().ok().and_then(|k| roster.slot(&k)) {
                    roster.gone.insert(slot);
                }
            }
        }
        Ok(RowCheck {
            roster,
            splitter: LineSplitter::new(),
        })
    }

    /// One CSV line: `Ok(None)` for a blank line or the header.
    fn row(&mut self, line_no: u64, line: &str) -> Result<Option<Accepted>, Rejected> {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || (line_no == 1 && !line.starts_with(|c: char| c.is_ascii_digit())) {
            return Ok(None);
        }
        match self.splitter.split(line) {
            Ok(Fields {
                first,
                second: Some(second),
                more: false,
            }) => self.roster.fields(first.trim(), second.trim()),
            Ok(_) => Err(Rejected::line(
                "expected two fields: ID number,monthly wage",
            )),
            Err(e) => Err(Rejected::line(e)),
        }
    }

    /// One spreadsheet row (columns A and B): `Ok(None)` for a blank row or
    /// the header. An ID stored as a number has lost digits in the
    /// spreadsheet and is refused; a wage stored as a number is taken at
    /// its shortest decimal form.
    fn cells(&mut self, row: &xlsx::Row) -> Result<Option<Accepted>, Rejected> {
        if matches!(row.a, xlsx::Cell::Number(_)) {
            return Err(Rejected {
                rule: RuleId::DeclarationIdAsNumber,
                reason: "id: column A holds a number, which has lost the ID's last digits; format column A as text".into(),
            });
        }
        let (id, wage) = (cell_text(&row.a), cell_text(&row.b));
        if id.is_empty() && wage.is_empty() {
            return Ok(None);
        }
        if row.number == 1 && !id.starts_with(|c: char| c.is_ascii_digit()) {
            return Ok(None);
        }
        self.roster.fields(&id, &wage)
    }
}

impl Roster {
    /// The slot (position among the employed persons) of `pk`.
    fn slot(&self, pk: &PersonKey) -> Option<usize> {
        let fast = prefix(pk.as_str())
            .and_then(|p| self.by_prefix.get(&p))
            .filter(|&&slot| self.employed[slot] == pk.as_str());
        match fast {
            Some(&slot) => Some(slot),
            None => self
                .employed
                .binary_search_by(|e| e.as_str().cmp(pk.as_str()))
                .ok(),
        }
    }

    /// The employed persons (blind indexes) no row has declared yet,
    /// leaving out those de-registered before the month.
    fn not_declared(&self) -> Vec<String> {
        self.employed
            .iter()
            .enumerate()
            .filter(|(slot, _)| !self.seen[*slot] && !self.gone.contains(slot))
            .map(|(_, pk)| pk.clone())
            .collect()
    }

    /// The ID number and wage of one row, checked.
    fn fields(&mut self, id: &str, wage_text: &str) -> Result<Option<Accepted>, Rejected> {
        let id: ResidentId = id.parse().map_err(|e| Rejected {
            rule: RuleId::IdResident,
            reason: format!("id: {e}"),
        })?;
        let wage = |reason: String| Rejected {
            rule: RuleId::DeclarationWage,
            reason,
        };
        let amount: Decimal = without_grouping(wage_text).parse().map_err(|_| {
            wage(format!(
                "declared_wage: {wage_text:?} is not a decimal amount"
            ))
        })?;
        if amount.is_sign_negative() {
            return Err(wage("declared_wage: must not be negative".into()));
        }
        if amount.scale() > 2 {
            return Err(wage(format!(
                "declared_wage: {wage_text:?} has more than two decimal places"
            )));
        }
        // The reason is kept with the application: it names the line, never
        // the person (no identifier leaves the file in clear).
        let pk = self.keyer.person_key(&id);
        let Some(slot) = self.slot(&pk) else {
            return Err(Rejected {
                rule: RuleId::DeclarationNotEmployed,
                reason: "id: this person is not employed by this employer in this month".into(),
            });
        };
        if self.gone.contains(&slot) {
            return Err(Rejected {
                rule: RuleId::PersonDeregistered,
                reason: "id: this person was de-registered before this month".into(),
            });
        }
        if std::mem::replace(&mut self.seen[slot], true) {
            return Err(Rejected {
                rule: RuleId::DeclarationPersonTwice,
                reason: "id: this person appears twice in the file".into(),
            });
        }
        Ok(Some(Accepted { slot, wage: amount }))
    }
}

/// An amount written with thousands separators ("12,345.60") without
/// them; any other text as it is.
fn without_grouping(text: &str) -> std::borrow::Cow<'_, str> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let mut groups = int.split(',');
    let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && digits(g));
    if !int.contains(',') || !first_ok || !groups.all(|g| g.len() == 3 && digits(g)) {
        return text.into();
    }
    let sep = if text.contains('.') { "." } else { "" };
    format!("{}{sep}{frac}", int.replace(',', "")).into()
}

/// Why a row was refused: the rule (for the Chinese on the page) and the
/// English reason, naming the field, never the person.
#[derive(Debug)]
pub(crate) struct Rejected {
    rule: RuleId,
    reason: String,
}

impl Rejected {
    /// A line that is not two fields.
    fn line(reason: impl Into<String>) -> Self {
        Rejected {
            rule: RuleId::DeclarationLine,
            reason: reason.into(),
        }
    }
}

/// An accepted row: the person's slot among the employed, and the wage.
pub(crate) struct Accepted {
    slot: usize,
    wage: Decimal,
}

/// A spreadsheet cell's text (a number at its shortest decimal form).
fn cell_text(c: &xlsx::Cell) -> String {
    match c {
        xlsx::Cell::Empty => String::new(),
        xlsx::Cell::Text(s) => s.trim_start_matches('\u{feff}').trim().to_string(),
        xlsx::Cell::Number(f) => format!("{f}"),
    }
}

/// The text encoding a declaration CSV must have (shown on the upload form).
pub const CSV_ENCODING: &str = "UTF-8";

/// Longest accepted line of a declaration CSV (a line is "ID
/// number,monthly wage", some 30 bytes).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Lines of a text file read one at a time (memory bounded by
/// [`MAX_LINE_BYTES`]), numbered from 1; a line that is not UTF-8 or is
/// too long is an error naming it.
pub(crate) struct Lines {
    reader: BufReader<File>,
    buf: Vec<u8>,
    line_no: u64,
}

impl Lines {
    pub(crate) fn open(path: &Path) -> Result<Lines, AppError> {
        let f = File::open(path).map_err(|e| AppError::File {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(Lines {
            reader: BufReader::with_capacity(1 << 16, f),
            buf: Vec::with_capacity(128),
            line_no: 0,
        })
    }

    /// The next line and its number, or `None` at the end.
    pub(crate) fn next_line(&mut self) -> Option<Result<(u64, &str), String>> {
        self.buf.clear();
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) => return Some(Err(format!("line {}: {e}", self.line_no + 1))),
            };
            if available.is_empty() {
                break;
            }
            let (take, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            if self.buf.len() + take > MAX_LINE_BYTES {
                let n = self.line_no + 1;
                return Some(Err(format!(
                    "CSV 行过长：第 {n} 行超过 {MAX_LINE_BYTES} 字节 / line {n} is longer than {MAX_LINE_BYTES} bytes (a declaration line is \"ID number,monthly wage\")"
                )));
            }
            self.buf.extend_from_slice(&available[..take]);
            self.reader.consume(take);
            if done {
                break;
            }
        }
        if self.buf.is_empty() {
            return None;
        }
        self.line_no += 1;
        let n = self.line_no;
        Some(
            std::str::from_utf8(&self.buf)
                .map(|l| (n, l))
                .map_err(|_| format!("line {n}: not UTF-8 text (save the file as UTF-8 CSV)")),
        )
    }
}

/// Counts of a file being checked, and the first rejected rows.
#[derive(Default)]
struct Tally {
    rows: u64,
    accepted: u64,
    rejected_count: u64,
    rejected: Vec<RejectedLine>,
    /// The rejected rows' text (each cut at 200 characters).
    rejected_text: Vec<String>,
}

impl Tally {
    fn record<T>(
        &mut self,
        line: u64,
        outcome: &Result<Option<T>, Rejected>,
        text: impl FnOnce() -> String,
    ) {
        match outcome {
            Ok(None) => {}
            Ok(Some(_)) => {
                self.rows += 1;
                self.accepted += 1;
            }
            Err(r) => {
                self.rows += 1;
                self.rejected_count += 1;
                if self.rejected.len() < KEEP_REJECTED {
                    self.rejected.push(RejectedLine {
                        line,
                        rule: Some(r.rule),
                        reason: r.reason.clone(),
                    });
                    self.rejected_text.push(text());
                }
            }
        }
    }
}

/// What the first bytes of an uploaded file say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileKind {
    Csv,
    Xlsx,
    /// An Excel 97–2003 workbook (OLE compound file).
    Xls,
}

fn file_kind(path: &Path, name: &str) -> Result<FileKind, AppError> {
    use std::io::Read;
    let mut head = [0u8; 8];
    let mut f = File::open(path).map_err(|e| AppError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => {
                return Err(AppError::File {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })
            }
        }
    }
    let lower = name.to_ascii_lowercase();
    let head = &head[..n];
    Ok(
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            FileKind::Xlsx
        } else if head == [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] {
            FileKind::Xls
        } else if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
            // Named a workbook but not a zip: the reader says what is wrong.
            FileKind::Xlsx
        } else {
            FileKind::Csv
        },
    )
}

/// Drafts of the approved file, produced lazily (one chunk of the stream
/// at a time) from the archived file read line by line.
pub(crate) struct FileDrafts {
    pub(crate) lines: Lines,
    pub(crate) check: RowCheck,
    pub(crate) config: Config,
    pub(crate) params: sirm_domain::rules::ruleset::Params,
    pub(crate) class: u8,
    pub(crate) credit_code: CreditCode,
    pub(crate) month: Month,
    pub(crate) application: String,
    pub(crate) actors: Vec<String>,
    /// Progress shown in the workbench, when someone is watching.
    pub(crate) job: Option<std::sync::Arc<crate::progress::Job>>,
    /// Each employed person's accepted wage (and its line), by slot; read
    /// on the first call of `next`.
    pub(crate) wages: Option<Vec<Option<(u64, Decimal)>>>,
    /// The next slot to write.
    pub(crate) cursor: usize,
}

impl FileDrafts {
    /// Reads the whole file once and keeps each accepted row's wage in its
    /// person's slot. The entries are then written in blind-index order:
    /// persons are keyed by blind index, so file order would scatter the
    /// inserts over every page of the indexes (docs/benchmarks.md).
    /// Memory: one optional wage per employed person.
    fn read_all(&mut self) -> Result<(), String> {
        // Rejected rows were reported at the counter.
        self.read_with(|_, _| {})
    }

    /// The insurance types the person in `slot` is enrolled in for the month.
    fn enrolled(&self, slot: usize) -> sirm_domain::rules::Enrolled {
        self.check
            .roster
            .enrolled
            .get(&slot)
            .copied()
            .unwrap_or(sirm_domain::rules::Enrolled::ALL)
    }

    /// [`FileDrafts::read_all`], handing each rejected line (its number
    /// and text) to `rejected` (the reviewer's preview shows them).
    fn read_with(&mut self, mut rejected: impl FnMut(u64, &str)) -> Result<(), String> {
        let mut wages = vec![None; self.check.roster.employed.len()];
        while let Some(next) = self.lines.next_line() {
            let (line_no, line) = next?;
            match self.check.row(line_no, line) {
                Ok(Some(Accepted { slot, wage })) => wages[slot] = Some((line_no, wage)),
                Ok(None) => {}
                Err(_) => rejected(line_no, line),
            }
        }
        self.wages = Some(wages);
        Ok(())
    }
}

impl Iterator for FileDrafts {
    type Item = Result<EntryDraft, sirm_store::StoreError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.wages.is_none() {
            if let Err(e) = self.read_all() {
                return Some(Err(sirm_store::StoreError::Inconsistent(e)));
            }
        }
        loop {
            let wages = self.wages.as_ref()?;
            let slot = self.cursor;
            if slot >= wages.len() {
                return None;
            }
            self.cursor += 1;
            let Some((line_no, wage)) = wages[slot] else {
                continue;
            };
            let id: PersonKey = match self.check.roster.employed[slot].parse() {
                Ok(k) => k,
                Err(e) => return Some(Err(sirm_store::StoreError::Inconsistent(format!("{e}")))),
            };
            if let Some(job) = &self.job {
                job.add_done(1);
            }
            let enrolled = self.enrolled(slot);
            let made = sirm_domain::rules::engine::month_enrolled(
                &self.params,
                wage,
                self.class,
                enrolled,
            )
            .map_err(|e| format!("line {line_no}: {e}"))
            .and_then(|result| {
                let p = records::ContributionAssessed {
                    id: id.clone(),
                    credit_code: self.credit_code.clone(),
                    month: self.month,
                    result,
                };
                draft(
                    &self.config,
                    Stream::Business,
                    kind::CONTRIBUTION_ASSESSED,
                    records::person_subject(&id),
                    "sirm",
                    &p,
                )
                .map_err(|e| e.to_string())
            })
            .map(|mut d| {
                d.application = Some(self.application.clone());
                d.actors = self.actors.clone();
                d
            })
            .map_err(sirm_store::StoreError::Inconsistent);
            return Some(made);
        }
    }
}

/// A declaration file checked row by row, not yet archived: the counts,
/// the first rejected rows (with their text, for the one who sent them,
/// never kept in the application), the employed persons it does not
/// declare, and the UTF-8 CSV the approval will read.
pub(crate) struct Checked {
    pub(crate) credit_code: CreditCode,
    pub(crate) month: Month,
    pub(crate) rows: u64,
    pub(crate) accepted: u64,
    pub(crate) rejected_count: u64,
    pub(crate) rejected: Vec<RejectedLine>,
    pub(crate) rejected_text: Vec<String>,
    /// Blind indexes of the persons employed in the month (and not
    /// de-registered) whom no accepted row declares.
    pub(crate) not_declared: Vec<String>,
    csv: (std::path::PathBuf, String),
    /// The file as sent, archived beside the CSV when it is not that CSV
    /// (a workbook, or a GBK text): its name, path and media type.
    original: Option<(String, std::path::PathBuf, &'static str)>,
    _scratch: Option<super::archive::TempText>,
}

impl Sirm {
    /// Take a declaration file at the counter: check every row (streamed
    /// from disk: memory does not grow with the file), archive it, and
    /// submit one application with the accepted rows' count and the
    /// rejected rows' reasons. CSV (UTF-8 or GBK) or XLSX (first sheet,
    /// columns A and B, read streamed under `[limits]`' workbook caps; the
    /// accepted rows kept as CSV, the original archived beside it). Nothing
    /// is archived or written when the file is refused.
    /// `progress` is called with the rows read so far.
    pub async fn submit_declaration_file(
        &self,
        who: &Principal,
        credit_code: &CreditCode,
        month: Month,
        name: &str,
        path: &Path,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<FileReport, AppError> {
        self.authorize(who, Permission::RecordCollect).await?;
        let checked = self
            .check_declaration_file(&who.agency, credit_code, month, name, path, progress)
            .await?;
        if checked.accepted == 0 {
            let first = checked
                .rejected
                .first()
                .map(|r| format!("line {}: {}", r.line, r.reason))
                .unwrap_or_else(|| "the file is empty".into());
            return Err(AppError::invalid(
                "file",
                format!("{name}: no row can be accepted ({first})"),
            ));
        }
        let (data, materials) = self.archive_checked(&checked).await?;
        let value = serde_json::to_value(&data).map_err(|e| AppError::invalid("data", e))?;
        let id = self
            .submit_application(
                who,
                BusinessType::ContributionDeclareFile.as_str(),
                value,
                materials,
            )
            .await?;
        Ok(FileReport {
            application_id: id,
            rows: data.rows,
            accepted: data.accepted,
            rejected_count: data.rejected_count,
            rejected: data.rejected,
        })
    }

    /// Check a declaration file for `credit_code`'s `month` (no
    /// authorization here: the callers authorize). Refused as a whole when
    /// the month cannot be declared or the file cannot be read.
    pub(crate) async fn check_declaration_file(
        &self,
        agency: &str,
        credit_code: &CreditCode,
        month: Month,
        name: &str,
        path: &Path,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<Checked, AppError> {
        super::business::contributions::month_has_come(month)?;
        self.employer_of_agency(credit_code, agency).await?;
        self.employer_open_in(credit_code, month).await?;
        if self
            .store
            .assessed_count(credit_code.as_str(), &month.to_string())
            .await?
            > 0
        {
            return Err(AppError::conflict_by(
                RuleId::DeclarationAssessed,
                format!("{credit_code} already has contributions assessed for {month}"),
            ));
        }
        let archive = self.archive();
        let mut check = RowCheck::load(self, credit_code, month).await?;
        let mut tally = Tally::default();
        let refuse = |m: &dyn std::fmt::Display| AppError::invalid("file", format!("{name}: {m}"));
        let kind = file_kind(path, name)?;
        // An XLSX workbook's rows are checked as they are read; the
        // accepted rows become the CSV that is approved (one line per
        // spreadsheet row, so line numbers are row numbers), and the
        // workbook itself is archived beside it as the original.
        let (csv, original, scratch) = match kind {
            FileKind::Xls => {
                return Err(refuse(
                    &"an Excel 97–2003 (.xls) workbook: save it as .xlsx or as UTF-8 CSV",
                ));
            }
            FileKind::Xlsx => {
                let converted = archive.scratch()?;
                let out = File::create(converted.path()).map_err(|e| AppError::File {
                    path: converted.path().to_path_buf(),
                    message: e.to_string(),
                })?;
                let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
                let mut written = 0u64;
                let limits = xlsx::XlsxLimits::from_config(&self.config.limits);
                blocking(|| {
                    xlsx::read_rows(path, &limits, &archive, &mut |row| {
                        let outcome = check.cells(row);
                        tally.record(row.number, &outcome, || {
                            format!("{},{}", cell_text(&row.a), cell_text(&row.b))
                        });
                        if let Ok(Some(Accepted { wage, .. })) = outcome {
                            while written + 1 < row.number {
                                out.write_all(b"\n")?;
                                written += 1;
                            }
                            // The ID number as the row holds it (as text: a
                            // number was refused), not the blind index: the
                            // approval reads these lines like an uploaded CSV's.
                            writeln!(out, "{},{wage}", cell_text(&row.a))?;
                            written += 1;
                        }
                        if row.number.is_multiple_of(100_000) {
                            progress(row.number);
                        }
                        Ok(())
                    })
                })
                .map_err(|e| refuse(&e))?;
                out.flush().map_err(|e| AppError::File {
                    path: converted.path().to_path_buf(),
                    message: e.to_string(),
                })?;
                let xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
                (
                    (converted.path().to_path_buf(), format!("{name}.csv")),
                    Some((name.to_string(), path.to_path_buf(), xlsx_type)),
                    Some(converted),
                )
            }
            FileKind::Csv => {
                // A GBK file is read (and approved) as its UTF-8 transcript.
                let utf8 = blocking(|| super::csv_text::utf8_or_gbk(path, &archive))?;
                let csv_path = utf8.as_ref().map_or(path, |t| t.path());
                let mut lines = Lines::open(csv_path)?;
                blocking(|| {
                    while let Some(next) = lines.next_line() {
                        let (line_no, line) = next.map_err(|e| refuse(&e))?;
                        let outcome = check.row(line_no, line);
                        tally.record(line_no, &outcome, || {
                            line.trim().chars().take(200).collect()
                        });
                        if line_no.is_multiple_of(100_000) {
                            progress(line_no);
                        }
                    }
                    Ok::<_, AppError>(())
                })?;
                match utf8 {
                    Some(t) => (
                        (t.path().to_path_buf(), format!("{name}.utf8.csv")),
                        Some((name.to_string(), path.to_path_buf(), "text/csv")),
                        Some(t),
                    ),
                    None => ((path.to_path_buf(), name.to_string()), None, None),
                }
            }
        };
        progress(tally.rows);
        let not_declared = check.roster.not_declared();
        Ok(Checked {
            credit_code: credit_code.clone(),
            month,
            rows: tally.rows,
            accepted: tally.accepted,
            rejected_count: tally.rejected_count,
            rejected: tally.rejected,
            rejected_text: tally.rejected_text,
            not_declared,
            csv,
            original,
            _scratch: scratch,
        })
    }

    /// Archive a checked file (and its original beside it) and return the
    /// application's data and materials.
    pub(crate) async fn archive_checked(
        &self,
        c: &Checked,
    ) -> Result<(DeclarationFile, Vec<records::Material>), AppError> {
        let archive = self.archive();
        let file = archive.put_file(&c.csv.1, &c.csv.0, "text/csv").await?;
        let mut materials = vec![file.clone()];
        if let Some((name, path, media)) = &c.original {
            materials.push(archive.put_file(name, path, media).await?);
        }
        let data = DeclarationFile {
            credit_code: c.credit_code.clone(),
            month: c.month,
            file,
            rows: c.rows,
            accepted: c.accepted,
            rejected_count: c.rejected_count,
            rejected: c.rejected.clone(),
            online: None,
        };
        Ok((data, materials))
    }

    /// The streamed drafts of an approved declaration file.
    pub(crate) async fn file_drafts(
        &self,
        d: &DeclarationFile,
        application: &str,
        actors: Vec<String>,
    ) -> Result<FileDrafts, AppError> {
        let file = self.archive().verified_path(&d.file.sha256).await?;
        let path = file.path().to_path_buf();
        let set = self.rules_for_month(d.month).await?;
        let params = set
            .year(d.month.year())
            .map_err(|e| AppError::invalid("month", e))?
            .clone();
        let class = self.industry_class(&d.credit_code).await?;
        Ok(FileDrafts {
            lines: Lines::open(&path)?,
            check: RowCheck::load(self, &d.credit_code, d.month).await?,
            config: self.config.clone(),
            params,
            class,
            credit_code: d.credit_code.clone(),
            month: d.month,
            application: application.to_string(),
            actors,
            job: self.progress.get(&decision_job(application)).inspect(|j| {
                j.phase("writing", Some(d.accepted));
            }),
            wages: None,
            cursor: 0,
        })
    }
}

/// Run blocking file work (reading, inflating, checking rows) without
/// stalling the other tasks of a multi-threaded runtime; inline otherwise.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// The progress-board key of a decision taken in the background.
pub fn decision_job(application: &str) -> String {
    format!("decide:{application}")
}

/// The progress-board key of a declaration file being checked.
pub fn upload_job(token: &str) -> String {
    format!("upload:{token}")
}

#[cfg(test)]
mod tests {
    use super::without_grouping;

    #[test]
    fn thousands_separators_are_dropped_only_where_they_group() {
        assert_eq!(without_grouping("12,345.60"), "12345.60");
        assert_eq!(without_grouping("1,234,567"), "1234567");
        assert_eq!(without_grouping("5000.5"), "5000.5");
        for kept in ["12,34.5", "1,2345", ",123", "-1,234", "1,234,5"] {
            assert_eq!(without_grouping(kept), kept);
        }
    }
}
