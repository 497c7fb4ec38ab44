//! Monthly declarations as files (the batch path): a CSV of `ID number,
//! monthly wage` rows, validated row by row at the counter (bad rows are
//! reported with line number and reason, good rows kept), submitted as one
//! application, and on approval computed and appended in one streamed
//! transaction (`Store::append_stream`): all of it or none.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::id::{CreditCode, ResidentId};
use sirm_domain::records::{self, kind, DeclarationFile, RejectedLine};
use sirm_domain::rules::Month;
use sirm_ledger::{EntryDraft, Stream};

use super::BusinessType;
use crate::identity::Principal;
use crate::install::draft;
use crate::{AppError, Config, Sirm};

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

/// A converted XLSX row that was already refused (the reason follows).
const XLSX_REJECT: &str = "#rejected: ";

/// Row checks shared by the counter and the approval. Memory is bounded
/// by the employer's size, not the file's: the employed persons of the
/// month, and one "seen" bit per employed person.
pub(crate) struct RowCheck {
    employed: HashMap<String, usize>,
    seen: Vec<bool>,
}

impl RowCheck {
    pub(crate) async fn load(
        sirm: &Sirm,
        credit_code: &CreditCode,
        month: Month,
    ) -> Result<RowCheck, AppError> {
        let first = format!("{month}-01");
        let last = format!("{month}-31");
        let employed: HashMap<String, usize> = sirm
            .store
            .employed_in(credit_code.as_str(), &first, &last)
            .await?
            .into_iter()
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect();
        let seen = vec![false; employed.len()];
        Ok(RowCheck { employed, seen })
    }

    /// One CSV line: `Ok(None)` for a blank line or the header.
    fn row(&mut self, line_no: u64, line: &str) -> Result<Option<(ResidentId, Decimal)>, String> {
        let line = line.trim().trim_start_matches('\u{feff}');
        if let Some(reason) = line.strip_prefix(XLSX_REJECT) {
            return Err(reason.to_string());
        }
        if line.is_empty() || (line_no == 1 && !line.starts_with(|c: char| c.is_ascii_digit())) {
            return Ok(None);
        }
        let (id, wage) = line
            .split_once([',', '，', '\t', ';'])
            .ok_or_else(|| "expected two fields: ID number,monthly wage".to_string())?;
        let id: ResidentId = id
            .trim()
            .trim_matches('"')
            .parse()
            .map_err(|e| format!("id: {e}"))?;
        let wage_text = wage.trim().trim_matches('"');
        let wage: Decimal = wage_text
            .parse()
            .map_err(|_| format!("declared_wage: {wage_text:?} is not a decimal amount"))?;
        if wage.is_sign_negative() {
            return Err("declared_wage: must not be negative".into());
        }
        if wage.scale() > 2 {
            return Err(format!(
                "declared_wage: {wage_text:?} has more than two decimal places"
            ));
        }
        let Some(&slot) = self.employed.get(id.as_str()) else {
            return Err(format!(
                "id: {} is not employed by this employer in this month",
                id.masked()
            ));
        };
        if std::mem::replace(&mut self.seen[slot], true) {
            return Err(format!("id: {} appears twice in the file", id.masked()));
        }
        Ok(Some((id, wage)))
    }
}

/// Lines of a text file read one at a time (constant memory), numbered
/// from 1; a line that is not UTF-8 is an error naming it.
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
        match self.reader.read_until(b'\n', &mut self.buf) {
            Ok(0) => None,
            Ok(_) => {
                self.line_no += 1;
                let n = self.line_no;
                Some(
                    std::str::from_utf8(&self.buf).map(|l| (n, l)).map_err(|_| {
                        format!("line {n}: not UTF-8 text (save the file as UTF-8 CSV)")
                    }),
                )
            }
            Err(e) => Some(Err(format!("line {}: {e}", self.line_no + 1))),
        }
    }
}

/// An XLSX workbook's first sheet as declaration CSV (`ID,wage` per row,
/// one line per spreadsheet row so line numbers are row numbers). An ID
/// stored as a number has lost digits in the spreadsheet and is refused;
/// a wage stored as a number is taken at its shortest decimal form.
pub fn xlsx_to_csv(bytes: &[u8]) -> Result<String, AppError> {
    use calamine::{Data, Reader};
    let bad = |m: String| AppError::invalid("file", m);
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable XLSX workbook: {e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| bad("the workbook has no sheet".into()))?
        .map_err(|e| bad(format!("first sheet: {e}")))?;
    let cell = |d: Option<&Data>| -> Result<String, String> {
        Ok(match d {
            None | Some(Data::Empty) => String::new(),
            Some(Data::String(s)) => s.trim().to_string(),
            Some(Data::Int(i)) => i.to_string(),
            Some(Data::Float(f)) => {
                if f.is_finite() {
                    format!("{f}")
                } else {
                    return Err("not a finite number".into());
                }
            }
            Some(other) => return Err(format!("unexpected cell {other:?}")),
        })
    };
    let first_row = range.start().map(|(r, _)| r).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c).unwrap_or(0);
    if first_col != 0 {
        return Err(bad(
            "the sheet must have the ID number in column A and the wage in column B".into(),
        ));
    }
    let mut out = String::new();
    for _ in 0..first_row {
        out.push('\n');
    }
    for (i, row) in range.rows().enumerate() {
        let n = u64::from(first_row) + i as u64 + 1;
        if matches!(row.first(), Some(Data::Float(_)) | Some(Data::Int(_))) {
            // Keep the line so the counter reports it with its row number.
            out.push_str(&format!(
                "{XLSX_REJECT}id: column A holds a number, which has lost the ID's last digits; format column A as text\n"
            ));
            continue;
        }
        let id = cell(row.first()).map_err(|e| bad(format!("row {n} column A: {e}")))?;
        let wage = cell(row.get(1)).map_err(|e| bad(format!("row {n} column B: {e}")))?;
        if id.is_empty() && wage.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{id},{wage}\n"));
        }
    }
    Ok(out)
}

/// Drafts of the approved file, produced lazily (one chunk of the stream
/// at a time) from the archived file read line by line.
pub(crate) struct FileDrafts {
    pub(crate) lines: Lines,
    pub(crate) check: RowCheck,
    pub(crate) config: Config,
    pub(crate) params: &'static sirm_domain::rules::ruleset::Params,
    pub(crate) class: u8,
    pub(crate) credit_code: CreditCode,
    pub(crate) month: Month,
    pub(crate) application: String,
    pub(crate) actors: Vec<String>,
    /// Progress shown in the workbench, when someone is watching.
    pub(crate) job: Option<std::sync::Arc<crate::progress::Job>>,
}

impl Iterator for FileDrafts {
    type Item = Result<EntryDraft, sirm_store::StoreError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (line_no, line) = match self.lines.next_line()? {
                Ok(l) => l,
                Err(e) => return Some(Err(sirm_store::StoreError::Inconsistent(e))),
            };
            match self.check.row(line_no, line) {
                Ok(None) | Err(_) => continue, // rejected rows were reported at the counter
                Ok(Some((id, wage))) => {
                    if let Some(job) = &self.job {
                        job.add_done(1);
                    }
                    let made = sirm_domain::rules::engine::month(self.params, wage, self.class)
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
    }
}

impl Sirm {
    /// Take a declaration file at the counter: check every row (streamed
    /// from disk: memory does not grow with the file), archive it, and
    /// submit one application with the accepted rows' count and the
    /// rejected rows' reasons. CSV (UTF-8) or XLSX (first sheet, columns
    /// A and B; converted to CSV, the original archived beside it).
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
        if self
            .store
            .employer_class(credit_code.as_str(), &who.agency)
            .await?
            .is_none()
        {
            return Err(AppError::NotFound(format!(
                "employer {credit_code} in agency {}",
                who.agency
            )));
        }
        if self
            .store
            .assessed_count(credit_code.as_str(), &month.to_string())
            .await?
            > 0
        {
            return Err(AppError::Conflict(format!(
                "{credit_code} already has contributions assessed for {month}"
            )));
        }
        let archive = self.archive();
        let mut materials = Vec::new();
        // An XLSX workbook becomes the CSV that is checked and approved;
        // the workbook itself is archived as the original material.
        let mut head = [0u8; 4];
        let is_xlsx = {
            use std::io::Read;
            let mut f = File::open(path).map_err(|e| AppError::File {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            f.read(&mut head).map(|n| n == 4).unwrap_or(false) && head == *b"PK\x03\x04"
        };
        let converted;
        let (csv_path, csv_name) = if is_xlsx {
            let bytes = std::fs::read(path).map_err(|e| AppError::File {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            let csv = xlsx_to_csv(&bytes).map_err(|e| match e {
                AppError::Invalid { message, .. } => {
                    AppError::invalid("file", format!("{name}: {message}"))
                }
                other => other,
            })?;
            materials.push(
                archive
                    .put_data(
                        name,
                        &bytes,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    )
                    .await?,
            );
            drop(bytes);
            converted = archive.temp_file(csv.as_bytes())?;
            (converted.path().to_path_buf(), format!("{name}.csv"))
        } else {
            (path.to_path_buf(), name.to_string())
        };
        let mut check = RowCheck::load(self, credit_code, month).await?;
        let (mut rows, mut accepted, mut rejected_count) = (0u64, 0u64, 0u64);
        let mut rejected = Vec::new();
        let mut lines = Lines::open(&csv_path)?;
        while let Some(next) = lines.next_line() {
            let (line_no, outcome) = match next {
                Ok((n, line)) => (n, check.row(n, line)),
                Err(e) => {
                    return Err(AppError::invalid("file", format!("{name}: {e}")));
                }
            };
            match outcome {
                Ok(None) => {}
                Ok(Some(_)) => {
                    rows += 1;
                    accepted += 1;
                }
                Err(reason) => {
                    rows += 1;
                    rejected_count += 1;
                    if rejected.len() < KEEP_REJECTED {
                        rejected.push(RejectedLine {
                            line: line_no,
                            reason,
                        });
                    }
                }
            }
            if line_no.is_multiple_of(100_000) {
                progress(line_no);
            }
        }
        progress(rows);
        if accepted == 0 {
            let first = rejected
                .first()
                .map(|r| format!("line {}: {}", r.line, r.reason))
                .unwrap_or_else(|| "the file is empty".into());
            return Err(AppError::invalid(
                "file",
                format!("{name}: no row can be accepted ({first})"),
            ));
        }
        let file = archive.put_file(&csv_name, &csv_path, "text/csv").await?;
        materials.insert(0, file.clone());
        let data = DeclarationFile {
            credit_code: credit_code.clone(),
            month,
            file,
            rows,
            accepted,
            rejected_count,
            rejected: rejected.clone(),
        };
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
            rows,
            accepted,
            rejected_count,
            rejected,
        })
    }

    /// The streamed drafts of an approved declaration file.
    pub(crate) async fn file_drafts(
        &self,
        d: &DeclarationFile,
        application: &str,
        actors: Vec<String>,
    ) -> Result<FileDrafts, AppError> {
        let path = self.archive().verified_path(&d.file.sha256).await?;
        let book = crate::rules_book()?;
        let set = book
            .by_region(&self.config.agency_code)
            .map_err(|e| AppError::invalid("rule_set", e))?;
        let params = set
            .year(d.month.year())
            .map_err(|e| AppError::invalid("month", e))?;
        let class = self
            .store
            .employer_class(d.credit_code.as_str(), &self.config.agency_code)
            .await?
            .map(|(c, _)| u8::try_from(c).unwrap_or(1))
            .unwrap_or(1);
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
        })
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
