//! Monthly declarations as files (the batch path): a CSV of `ID number,
//! monthly wage` rows, validated row by row at the counter (bad rows are
//! reported with line number and reason, good rows kept), submitted as one
//! application, and on approval computed and appended in one streamed
//! transaction (`Store::append_stream`): all of it or none.

use std::collections::HashSet;

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

/// Row checks shared by the counter and the approval.
pub(crate) struct RowCheck {
    employed: HashSet<String>,
    seen: HashSet<String>,
}

impl RowCheck {
    pub(crate) async fn load(
        sirm: &Sirm,
        credit_code: &CreditCode,
        month: Month,
    ) -> Result<RowCheck, AppError> {
        let first = format!("{month}-01");
        let last = format!("{month}-31");
        let employed = sirm
            .store
            .employed_in(credit_code.as_str(), &first, &last)
            .await?
            .into_iter()
            .collect();
        Ok(RowCheck {
            employed,
            seen: HashSet::new(),
        })
    }

    /// One CSV line: `Ok(None)` for a blank line or the header.
    fn row(&mut self, line_no: u64, line: &str) -> Result<Option<(ResidentId, Decimal)>, String> {
        let line = line.trim().trim_start_matches('\u{feff}');
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
        if !self.employed.contains(id.as_str()) {
            return Err(format!(
                "id: {} is not employed by this employer in this month",
                id.masked()
            ));
        }
        if !self.seen.insert(id.as_str().to_string()) {
            return Err(format!("id: {} appears twice in the file", id.masked()));
        }
        Ok(Some((id, wage)))
    }
}

/// Drafts of the approved file, produced lazily (one chunk of the stream at a time).
pub(crate) struct FileDrafts {
    pub(crate) text: String,
    pub(crate) pos: usize,
    pub(crate) line_no: u64,
    pub(crate) check: RowCheck,
    pub(crate) config: Config,
    pub(crate) params: &'static sirm_domain::rules::ruleset::Params,
    pub(crate) class: u8,
    pub(crate) credit_code: CreditCode,
    pub(crate) month: Month,
    pub(crate) application: String,
    pub(crate) actors: Vec<String>,
}

impl Iterator for FileDrafts {
    type Item = Result<EntryDraft, sirm_store::StoreError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.pos >= self.text.len() {
                return None;
            }
            let rest = &self.text[self.pos..];
            let end = rest.find('\n').map(|i| i + 1).unwrap_or(rest.len());
            let line = rest[..end].to_string();
            self.pos += end;
            self.line_no += 1;
            match self.check.row(self.line_no, &line) {
                Ok(None) | Err(_) => continue, // rejected rows were reported at the counter
                Ok(Some((id, wage))) => {
                    let made = sirm_domain::rules::engine::month(self.params, wage, self.class)
                        .map_err(|e| format!("line {}: {e}", self.line_no))
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
    /// Take a declaration file at the counter: archive it, check every row,
    /// and submit one application with the accepted rows' count and the
    /// rejected rows' reasons. `progress` is called with the rows read so far.
    pub async fn submit_declaration_file(
        &self,
        who: &Principal,
        credit_code: &CreditCode,
        month: Month,
        name: &str,
        bytes: &[u8],
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
        let text = std::str::from_utf8(bytes)
            .map_err(|e| AppError::invalid("file", format!("{name}: not UTF-8 text ({e})")))?;
        let mut check = RowCheck::load(self, credit_code, month).await?;
        let (mut rows, mut accepted, mut rejected_count) = (0u64, 0u64, 0u64);
        let mut rejected = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i as u64 + 1;
            match check.row(line_no, line) {
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
        let file = self.archive().put_data(name, bytes, "text/csv")?;
        let data = DeclarationFile {
            credit_code: credit_code.clone(),
            month,
            file: file.clone(),
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
                vec![file],
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
        let bytes = self.archive().get(&d.file.sha256)?;
        let text = String::from_utf8(bytes).map_err(|e| AppError::invalid("file", e))?;
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
            text,
            pos: 0,
            line_no: 0,
            check: RowCheck::load(self, &d.credit_code, d.month).await?,
            config: self.config.clone(),
            params,
            class,
            credit_code: d.credit_code.clone(),
            month: d.month,
            application: application.to_string(),
            actors,
        })
    }
}
