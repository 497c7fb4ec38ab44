//! Payloads of the rights records themselves (Art 2 items 2–5) and of
//! their applications: materials and review steps, employment, declarations
//! and contributions, personal accounts, benefits and subsidies,
//! certificates. Re-exported by [`super`]: one payload type per entry kind.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{check_text, RecordError};
use crate::id::{CreditCode, PersonKey};
use crate::sealed::Sealed;

/// An original material (原始材料) attached to an application: the scanned
/// file is kept content-addressed in the archive; the ledger keeps its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    pub sha256: String,
    pub name: String,
    pub media_type: String,
    pub size: u64,
}

/// A business transaction (业务经办) taken at the counter: raw data and
/// materials; submitting it is the clerk's preliminary review (初审).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSubmitted {
    pub application_id: String,
    /// e.g. `person.register`.
    pub business_type: String,
    /// The ledger subject the transaction will change.
    pub subject: String,
    /// The raw data as collected (never computed values).
    pub data: serde_json::Value,
    pub materials: Vec<Material>,
    /// The configured review chain for this business type.
    pub chain: Vec<crate::review::Stage>,
    /// Status after this submission (computed by the review state machine).
    pub status: crate::status::ApplicationStatus,
    pub next_stage: Option<crate::review::Stage>,
    /// The prepared application (`PR-…`) an outside maintenance helper
    /// wrote and the submitting maintenance officer took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepared: Option<String>,
}

/// A confidentiality agreement (保密协议) of an outside maintenance helper
/// (Art 11), filed by the system administrator with the helper's account:
/// the scan archived, the period in which the account may act.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfidentialityAgreement {
    pub username: String,
    /// The agreement's number.
    pub number: String,
    /// The contractor (the helper's employer) that signed it.
    pub party: String,
    pub valid_from: chrono::NaiveDate,
    pub valid_until: chrono::NaiveDate,
    /// The signed agreement, scanned and archived.
    pub file: Material,
}

/// A maintenance application prepared by an outside maintenance helper:
/// as an application would be submitted (raw data protected, materials
/// archived), waiting for a maintenance officer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationPrepared {
    pub prepared_id: String,
    pub business_type: String,
    pub subject: String,
    pub data: serde_json::Value,
    pub materials: Vec<Material>,
}

/// A prepared application taken by a maintenance officer (submitted as
/// `application`) or declined with a reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreparedClosed {
    pub prepared_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    pub reason: String,
}

/// A decision at one review stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDecided {
    pub application_id: String,
    pub stage: crate::review::Stage,
    pub approve: bool,
    pub reason: String,
    /// Status after this decision (computed by the review state machine).
    pub status: crate::status::ApplicationStatus,
    pub next_stage: Option<crate::review::Stage>,
}

/// The clerk withdraws a returned application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationWithdrawn {
    pub application_id: String,
    pub reason: String,
}

/// Employment start (参保人员就业登记 / 增员): who works where, from when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmploymentStart {
    pub id: PersonKey,
    pub credit_code: CreditCode,
    pub start_on: NaiveDate,
}

/// Employment end (减员).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmploymentEnd {
    pub id: PersonKey,
    pub credit_code: CreditCode,
    pub end_on: NaiveDate,
    pub reason: String,
}

/// One line of a monthly contribution declaration: raw data only — the
/// declared wage. Base and amounts are computed on approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationLine {
    pub id: PersonKey,
    /// Declared monthly wage, decimal yuan as a string ("8000.00").
    pub declared_wage: rust_decimal::Decimal,
}

/// An employer's monthly contribution declaration (缴费申报) for all its
/// employees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionDeclaration {
    pub credit_code: CreditCode,
    pub month: crate::rules::Month,
    pub lines: Vec<DeclarationLine>,
}

/// The computed contributions of one person-month (Art 6: computed, never
/// entered): the rules engine's full result, with rule set and inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionAssessed {
    pub id: PersonKey,
    pub credit_code: CreditCode,
    pub month: crate::rules::Month,
    pub result: crate::rules::engine::MonthResult,
}

/// A declaration file row that was refused at the counter, with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectedLine {
    pub line: u64,
    /// The reason's stable id (absent in entries written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<crate::RuleId>,
    pub reason: String,
}

/// A monthly declaration submitted as a file (CSV: `ID number,wage` per
/// line): the file is archived; the application records its hash, how many
/// rows were accepted, and the rejected rows with their reasons. Approval
/// reads the archived file again and computes every accepted row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationFile {
    pub credit_code: CreditCode,
    pub month: crate::rules::Month,
    pub file: Material,
    pub rows: u64,
    pub accepted: u64,
    pub rejected_count: u64,
    /// The first rejected rows (at most 1,000), with line numbers.
    pub rejected: Vec<RejectedLine>,
    /// Filed online by the employer's own agent (Art 6 互联网经办): the
    /// account's username; absent when taken at the counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<String>,
}

/// The collector's record that an employer-month's contributions arrived
/// (缴费到账确认). The amount must cover what was assessed, to the fen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionPaid {
    pub credit_code: CreditCode,
    pub month: crate::rules::Month,
    pub paid_on: NaiveDate,
    /// Total received, decimal yuan as a string.
    pub amount: rust_decimal::Decimal,
}

/// The year-end settlement of personal accounts (个人账户年度结算) for the
/// whole agency: raw data is only the year; every figure is computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSettlement {
    pub year: i32,
}

/// One person's settled account year: opening balance, paid credits by
/// month, interest at the year's crediting rate, closing balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSettled {
    pub id: PersonKey,
    pub year: i32,
    pub result: crate::rules::engine::AccountResult,
}

/// A retirement application (退休申请 / 待遇资格): raw data only — the
/// category and the deemed months on record; age, minimum contribution and
/// every pension figure are computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetirementApplication {
    pub id: PersonKey,
    /// `male`, `female_55` or `female_50`.
    pub category: crate::rules::Category,
    /// Deemed contribution months (视同缴费) on record.
    #[serde(default)]
    pub deemed_months: u32,
}

/// Benefit eligibility granted, with everything it was computed from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitGranted {
    pub id: PersonKey,
    pub retirement: crate::rules::engine::RetirementResult,
    pub paid_months: u32,
    pub deemed_months: u32,
    pub index: crate::rules::engine::IndexResult,
    pub pension: crate::rules::engine::PensionResult,
}

/// A benefit ends (待遇终止, e.g. on death) or is suspended (暂停) pending review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitStatusChange {
    pub id: PersonKey,
    /// `suspended` or `terminated`.
    pub status: crate::status::BenefitStatus,
    pub effective_on: NaiveDate,
    pub reason: String,
    /// Benefit paid for months after the benefit stopped being due,
    /// computed at approval (to be recovered, 追回多发待遇).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overpaid: Option<super::crosscheck::Overpaid>,
}

/// A social insurance subsidy (社会保险补贴) granted to a person for a run
/// of months, e.g. the subsidy for flexibly employed persons with
/// employment difficulties (灵活就业人员社会保险补贴). The monthly amount is
/// a fact of the granting department's decision (its document number is the
/// basis), not a figure SIRM derives; SIRM records it per month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubsidyGrant {
    pub id: PersonKey,
    /// `flexible_employment` (灵活就业社保补贴), `employer_hiring`
    /// (单位吸纳就业社保补贴) or `public_welfare_post` (公益性岗位社保补贴).
    pub kind: String,
    pub from_month: crate::rules::Month,
    pub to_month: crate::rules::Month,
    pub monthly_amount: rust_decimal::Decimal,
    /// The granting decision, e.g. "京人社就发〔2026〕12号".
    pub basis: String,
}

/// Subsidy kinds, with their Chinese names.
pub const SUBSIDY_KINDS: &[(&str, &str)] = &[
    ("flexible_employment", "灵活就业人员社会保险补贴"),
    ("employer_hiring", "单位吸纳就业社会保险补贴"),
    ("public_welfare_post", "公益性岗位社会保险补贴"),
];

impl SubsidyGrant {
    pub fn validate(&self) -> Result<(), RecordError> {
        if !SUBSIDY_KINDS.iter().any(|(k, _)| *k == self.kind) {
            let known: Vec<&str> = SUBSIDY_KINDS.iter().map(|(k, _)| *k).collect();
            return Err(RecordError::value(
                "kind",
                format!("{:?} is not one of {}", self.kind, known.join(", ")),
            ));
        }
        if self.to_month < self.from_month {
            return Err(RecordError::Order {
                field: "to_month",
                message: format!("{} is before from_month {}", self.to_month, self.from_month),
            });
        }
        if self.to_month.months_since(self.from_month) >= 60 {
            return Err(RecordError::value(
                "to_month",
                "a grant covers at most 60 months",
            ));
        }
        if self.monthly_amount <= rust_decimal::Decimal::ZERO {
            return Err(RecordError::value(
                "monthly_amount",
                "must be more than zero",
            ));
        }
        if self.monthly_amount.scale() > 2 {
            return Err(RecordError::value(
                "monthly_amount",
                "at most two decimal places (fen)",
            ));
        }
        check_text("basis", &self.basis, 200)
    }
}

/// A monthly benefit payment run (待遇发放): raw data is only the month;
/// who is paid and how much comes from the benefit projection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitPaymentRun {
    pub month: crate::rules::Month,
}

/// One person's benefit paid for a month: the granted monthly pension, the
/// benefit entry it comes from and its rule set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenefitPaid {
    pub id: PersonKey,
    pub month: crate::rules::Month,
    pub amount: rust_decimal::Decimal,
    /// Ledger sequence of the `benefit.granted` entry the amount comes from.
    pub granted_seq: u64,
    pub rule_set: String,
}

/// Correction of one person-month of contributions (缴费记录更正, Art 11):
/// raw data only — the corrected declared wage and why. Base and amounts
/// are computed again on approval. Only a month not yet paid can be
/// corrected; a paid month is settled by refund or supplementary payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionCorrection {
    pub id: PersonKey,
    pub month: crate::rules::Month,
    pub declared_wage: rust_decimal::Decimal,
    pub reason: String,
}

/// The recomputed person-month with the correction's reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionCorrected {
    pub assessed: ContributionAssessed,
    pub previous_declared_wage: rust_decimal::Decimal,
    pub reason: String,
}

/// What a certificate says, as printed on it (the PDF is rendered from
/// exactly this). Kept in the ledger so that the public verification page
/// can show the content without the PDF.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateContent {
    pub agency_name: String,
    pub person_name: String,
    /// Masked, e.g. `110105********0012`.
    pub id_masked: String,
    /// As printed, e.g. `2016-01 至 2025-12`.
    pub period: String,
    pub summary: Vec<(String, String)>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub verify_url: String,
    pub footer_note: String,
}

/// A certificate issued (出具) to a person, free of charge (Art 15). The
/// agency signs [`CertificateIssued::statement`] with its ledger key; the
/// entry itself is anchored by the ledger's signed checkpoints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateIssued {
    /// Verification code (核验码), random, e.g. `7KQ2-9XHM-D4PA-R3TB`.
    pub code: String,
    /// `contribution` (参保缴费证明) or `benefit` (待遇领取证明).
    pub kind: String,
    pub id: PersonKey,
    pub from_month: crate::rules::Month,
    pub to_month: crate::rules::Month,
    /// Local agency time (UTC+8) as printed, `YYYY-MM-DD HH:MM:SS`.
    pub issued_at: String,
    /// The [`CertificateContent`] as JSON, sealed under the person's data key.
    pub content: Sealed,
    /// SHA-256 of the PDF as issued (hex); the PDF is kept in the archive
    /// under this hash.
    pub pdf_sha256: String,
    pub pdf_bytes: u64,
    /// Channel it was requested through (`portal`, `counter`, …).
    pub channel: String,
    /// Key id of the signing key (the ledger key).
    pub key_id: String,
    /// ed25519 signature over [`CertificateIssued::statement`], hex.
    pub signature: String,
}

/// The certificate kinds, with their printed titles.
pub const CERTIFICATE_KINDS: &[(&str, &str)] = &[
    ("contribution", "参保缴费证明"),
    ("benefit", "待遇领取证明"),
];

impl CertificateIssued {
    /// The bytes the agency signs: every identifying field and the PDF hash.
    pub fn statement(&self) -> Vec<u8> {
        format!(
            "SIRM certificate v1\ncode {}\nkind {}\nperson {}\nperiod {} {}\nissued {}\npdf-sha256 {}\n",
            self.code,
            self.kind,
            self.id.as_str(),
            self.from_month,
            self.to_month,
            self.issued_at,
            self.pdf_sha256
        )
        .into_bytes()
    }
}

/// An issued certificate revoked (作废), e.g. issued in error. The code then
/// verifies as revoked, never as genuine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRevoked {
    pub code: String,
    pub reason: String,
}
