//! Medical insurance settlements (医疗费用结算记录, Art 5) from contracted
//! hospitals and pharmacies, imported as a file through the review chain:
//! every line checked at the counter and again at approval (the person of
//! the agency, the parts adding up, the medical personal account able to
//! pay its part), the file taken whole or not at all; approval writes one
//! `medical.settled` per line.

use std::collections::HashMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::access::Permission;
use sirm_domain::records::{self, kind, MedicalSettled, SettlementFile};
use sirm_domain::rules::Month;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::Business;
use crate::collection::registry::BusinessType;
use crate::drafts::draft;
use crate::identity::Principal;
use crate::medical_file::{self, BadLine, SettlementLine};
use crate::{AppError, Sirm};

/// What the counter sees after submitting a settlement file.
#[derive(Clone, Debug, Serialize)]
pub struct SettlementReport {
    pub application_id: String,
    pub rows: u64,
    pub total: Decimal,
    pub account_paid: Decimal,
}

/// The subject that keeps one application per file in review.
fn file_subject(sha256: &str) -> String {
    format!("medical_file:{sha256}")
}

/// 医疗费用结算记录导入.
pub(crate) struct SettlementImport;

impl Business for SettlementImport {
    const NAME_ZH: &'static str = "医疗费用结算记录导入";
    type Data = SettlementFile;

    fn subject(d: &SettlementFile, _: &[EntryDraft]) -> String {
        file_subject(&d.file.sha256)
    }

    async fn check(sirm: &Sirm, who: &Principal, d: &SettlementFile) -> Result<(), AppError> {
        // Checked whole when the drafts are built (the same pass).
        let _ = (sirm, who, d);
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        d: &SettlementFile,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let file = sirm.archive().verified_path(&d.file.sha256).await?;
        let path = file.path().to_path_buf();
        let lines = checked(sirm, &agency_of(sirm, actor).await?, &path, &d.file.sha256).await?;
        let rows = u64::try_from(lines.len()).unwrap_or(u64::MAX);
        if rows != d.rows {
            return Err(AppError::conflict_by(
                RuleId::MedicalSettlementFile,
                format!(
                    "file: the archived file holds {rows} settlements, the application {}",
                    d.rows
                ),
            ));
        }
        lines
            .iter()
            .map(|s| {
                draft(
                    &sirm.config,
                    Stream::Business,
                    kind::MEDICAL_SETTLED,
                    records::person_subject(&s.id),
                    actor,
                    s,
                )
            })
            .collect()
    }
}

/// The agency of the acting staff member (the file is checked against the
/// persons of that agency).
async fn agency_of(sirm: &Sirm, username: &str) -> Result<String, AppError> {
    Ok(sirm
        .store
        .account(username)
        .await?
        .map(|a| a.agency)
        .unwrap_or_else(|| sirm.config.agency_code.clone()))
}

/// Read and check every line of the file at `path`: refused whole, every
/// bad line named, or the settlements to record.
async fn checked(
    sirm: &Sirm,
    agency: &str,
    path: &Path,
    sha256: &str,
) -> Result<Vec<MedicalSettled>, AppError> {
    if sirm.store.settlement_file_recorded(sha256).await? {
        return Err(AppError::conflict_by(
            RuleId::AlreadyDone,
            "file: the settlements of this file are recorded already",
        ));
    }
    let limits = crate::collection::xlsx::XlsxLimits::from_config(&sirm.config.limits);
    let archive = sirm.archive();
    let p = path.to_path_buf();
    let read = tokio::task::spawn_blocking(move || medical_file::read(&p, &limits, &archive))
        .await
        .map_err(|e| AppError::invalid("file", e))??;
    let mut bad = read.bad;
    let today = crate::clock::today();
    // What each person's account can still pay, by person and month.
    let mut spent: HashMap<(String, Month), Decimal> = HashMap::new();
    let mut available: HashMap<(String, Month), Decimal> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(read.lines.len());
    for s in read.lines {
        match line(sirm, agency, today, &s, &mut seen).await {
            Err(b) => bad.push(b),
            Ok(id) => {
                let month = Month::of_date(s.date);
                let key = (id.as_str().to_string(), month);
                if s.account_paid > Decimal::ZERO {
                    if !available.contains_key(&key) {
                        let a = sirm.medical_available(id.as_str(), month).await?;
                        available.insert(key.clone(), a);
                    }
                    let before: Decimal = spent
                        .iter()
                        .filter(|((p, _), _)| *p == key.0)
                        .map(|(_, v)| *v)
                        .sum();
                    let can = available.get(&key).copied().unwrap_or_default() - before;
                    if s.account_paid > can {
                        bad.push(BadLine {
                            line: s.line,
                            field: "account_paid".into(),
                            rule: RuleId::MedicalAccountOverdrawn,
                            reason: format!(
                                "{} from the medical account, which can pay {} (credits up to {month} less what it paid)",
                                s.account_paid,
                                can.max(Decimal::ZERO)
                            ),
                        });
                        continue;
                    }
                    *spent.entry(key).or_default() += s.account_paid;
                }
                out.push(MedicalSettled {
                    id,
                    settled_on: s.date,
                    institution: s.institution,
                    total: s.total,
                    fund_paid: s.fund_paid,
                    account_paid: s.account_paid,
                    self_paid: s.self_paid,
                    file_sha256: sha256.to_string(),
                    line: s.line,
                });
            }
        }
    }
    if !bad.is_empty() {
        bad.sort_by_key(|b| b.line);
        return Err(medical_file::refusal(&bad));
    }
    if out.is_empty() {
        return Err(AppError::invalid_by(
            "file",
            RuleId::MedicalSettlementFile,
            "the file holds no settlement",
        ));
    }
    Ok(out)
}

/// One line against the record: a person of the agency, a date not ahead,
/// the line not repeated.
async fn line(
    sirm: &Sirm,
    agency: &str,
    today: chrono::NaiveDate,
    s: &SettlementLine,
    seen: &mut std::collections::HashSet<String>,
) -> Result<sirm_domain::id::PersonKey, BadLine> {
    let bad = |field: &str, rule: RuleId, reason: String| BadLine {
        line: s.line,
        field: field.into(),
        rule,
        reason,
    };
    if s.date > today {
        return Err(bad(
            "date",
            RuleId::DateFuture,
            format!("{} is after today", s.date),
        ));
    }
    let id = sirm
        .person_key(&s.id)
        .map_err(|e| bad("id_number", RuleId::NotFoundPerson, e.to_string()))?;
    let person = sirm
        .store
        .person(id.as_str())
        .await
        .map_err(|e| bad("id_number", RuleId::NotFoundPerson, e.to_string()))?;
    match person {
        Some(p) if p.agency == agency => {}
        _ => {
            return Err(bad(
                "id_number",
                RuleId::NotFoundPerson,
                format!("{} is no insured person of this agency", s.id.masked()),
            ))
        }
    }
    let key = format!("{}|{}|{}|{}", id.as_str(), s.date, s.institution, s.total);
    if !seen.insert(key) {
        return Err(bad(
            "id_number",
            RuleId::MedicalSettlementFile,
            "the same settlement appears twice in the file".into(),
        ));
    }
    Ok(id)
}

impl Sirm {
    /// Take a settlement file at the counter: check every line (refused
    /// whole with every bad line named, nothing archived or written),
    /// archive it, and submit one application of `medical.settlement_file`
    /// for the review chain.
    pub async fn submit_settlement_file(
        &self,
        who: &Principal,
        name: &str,
        path: &Path,
    ) -> Result<SettlementReport, AppError> {
        self.authorize(who, Permission::RecordCollect).await?;
        let sha256 = medical_file::sha256_of(path)?;
        let lines = checked(self, &who.agency, path, &sha256).await?;
        let media = if crate::crosscheck::file::is_workbook(path)? {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        } else {
            "text/csv"
        };
        let file = self.archive().put_file(name, path, media).await?;
        let data = SettlementFile {
            rows: u64::try_from(lines.len()).unwrap_or(u64::MAX),
            total: lines.iter().map(|s| s.total).sum(),
            account_paid: lines.iter().map(|s| s.account_paid).sum(),
            file: file.clone(),
        };
        let value = serde_json::to_value(&data).map_err(|e| AppError::invalid("data", e))?;
        let application_id = self
            .submit_application(
                who,
                BusinessType::MedicalSettlementFile.as_str(),
                value,
                vec![file],
            )
            .await?;
        Ok(SettlementReport {
            application_id,
            rows: data.rows,
            total: data.total,
            account_paid: data.account_paid,
        })
    }
}
