//! The correction history of a person's record (更正记录, Art 11, 12): each
//! supplementary payment, refund, employment period correction, account
//! year or benefit recomputed, read from its ledger entry — what it
//! corrected (`corrects`), the figure before and after, why and how.

use rust_decimal::Decimal;
use serde::Serialize;
use sirm_domain::id::PersonKey;
use sirm_domain::records::{
    self, kind, AccountRecomputed, BenefitRecomputed, ContributionAdjusted, EmploymentCorrected,
};

use crate::{AppError, Sirm};

/// Which part of the record a correction changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectedPart {
    Contributions,
    Employment,
    Account,
    Benefit,
}

/// One correction of the record, as its entry recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CorrectionNote {
    pub seq: i64,
    /// UTC, RFC 3339.
    pub time: String,
    /// The entry kind, e.g. `contribution.supplemented`.
    pub kind: String,
    pub part: CorrectedPart,
    /// What it corrects: a month `YYYY-MM`, a year, an employment's
    /// `credit code start date`, or `benefit`.
    pub target: String,
    /// The employer, for a month or an employment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    /// The ledger entry whose figures it corrects.
    pub corrects: u64,
    /// The figure before and after: a month's base, an employment's period,
    /// a year's closing balance, the monthly pension (`—`: refunded whole).
    pub before: String,
    pub after: String,
    /// After − before in money: paid in addition (补缴) or refunded
    /// (negative); the closing balance carried forward; underpaid (> 0)
    /// or overpaid (< 0) benefit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<Decimal>,
    /// The late-payment surcharge of a 补缴.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surcharge: Option<Decimal>,
    pub reason: String,
    pub method: String,
}

/// The kinds of the corrections the record shows.
const KINDS: [&str; 5] = [
    kind::CONTRIBUTION_SUPPLEMENTED,
    kind::CONTRIBUTION_REFUNDED,
    kind::EMPLOYMENT_CORRECTED,
    kind::ACCOUNT_RECOMPUTED,
    kind::BENEFIT_RECOMPUTED,
];

impl Sirm {
    /// The corrections of a person's record, oldest first, read from
    /// `store` (the primary or a read replica). No authorization here:
    /// [`Sirm::rights_of`]'s callers authorize.
    pub(crate) async fn corrections_on(
        &self,
        store: &sirm_store::Store,
        id: &PersonKey,
    ) -> Result<Vec<CorrectionNote>, AppError> {
        let subject = records::person_subject(id);
        let mut out = Vec::new();
        for row in store.subject_entries_of_kinds(&subject, &KINDS).await? {
            let time = chrono::DateTime::from_timestamp_micros(row.time_us)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default();
            if let Some(n) = note(&row.kind, &row.payload) {
                out.push(CorrectionNote {
                    seq: row.seq,
                    time,
                    kind: row.kind.clone(),
                    ..n
                });
            }
        }
        Ok(out)
    }
}

/// The note of one entry's payload (`seq`, `time`, `kind` left blank);
/// `None` for a payload that does not parse (the projection check names it).
fn note(kind_: &str, payload: &str) -> Option<CorrectionNote> {
    let blank = |part, target: String, corrects, before: String, after: String| CorrectionNote {
        seq: 0,
        time: String::new(),
        kind: String::new(),
        part,
        target,
        credit_code: None,
        corrects,
        before,
        after,
        difference: None,
        surcharge: None,
        reason: String::new(),
        method: String::new(),
    };
    Some(match kind_ {
        kind::CONTRIBUTION_SUPPLEMENTED | kind::CONTRIBUTION_REFUNDED => {
            let c: ContributionAdjusted = serde_json::from_str(payload).ok()?;
            let after = c
                .result
                .as_ref()
                .map_or_else(|| "—".to_string(), |r| r.base.to_string());
            CorrectionNote {
                credit_code: c.credit_code.as_ref().map(ToString::to_string),
                difference: Some(c.difference_total),
                surcharge: c.surcharge.as_ref().map(|s| s.surcharge),
                reason: c.reason.clone(),
                method: c.method.clone(),
                ..blank(
                    CorrectedPart::Contributions,
                    c.month.to_string(),
                    c.corrects,
                    c.before.base.to_string(),
                    after,
                )
            }
        }
        kind::EMPLOYMENT_CORRECTED => {
            let e: EmploymentCorrected = serde_json::from_str(payload).ok()?;
            let period = |s: chrono::NaiveDate, e: Option<chrono::NaiveDate>| {
                format!(
                    "{s} – {}",
                    e.map_or_else(|| "—".to_string(), |d| d.to_string())
                )
            };
            CorrectionNote {
                credit_code: Some(e.credit_code.to_string()),
                reason: e.reason.clone(),
                method: e.method.clone(),
                ..blank(
                    CorrectedPart::Employment,
                    format!("{} {}", e.credit_code, e.before.start_on),
                    e.corrects,
                    period(e.before.start_on, e.before.end_on),
                    period(e.start_on, e.end_on),
                )
            }
        }
        kind::ACCOUNT_RECOMPUTED => {
            let a: AccountRecomputed = serde_json::from_str(payload).ok()?;
            CorrectionNote {
                difference: Some(a.difference),
                reason: a.reason.clone(),
                method: a.method.clone(),
                ..blank(
                    CorrectedPart::Account,
                    a.year.to_string(),
                    a.corrects,
                    a.before.closing_balance.to_string(),
                    a.result.closing_balance.to_string(),
                )
            }
        }
        kind::BENEFIT_RECOMPUTED => {
            let b: BenefitRecomputed = serde_json::from_str(payload).ok()?;
            CorrectionNote {
                difference: Some(b.difference),
                reason: b.reason.clone(),
                method: b.method.clone(),
                ..blank(
                    CorrectedPart::Benefit,
                    "benefit".to_string(),
                    b.corrects,
                    b.before.total.to_string(),
                    b.granted.pension.total.to_string(),
                )
            }
        }
        _ => return None,
    })
}
