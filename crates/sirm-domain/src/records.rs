//! Registration record types (登记信息, Art 2 item 1) as they travel in ledger
//! payloads. Each business kind of ledger entry has exactly one payload type
//! here; the projection applier in `sirm-store` deserialises into these types,
//! so a payload that does not parse is refused before it is written.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::id::{CreditCode, Gender, PersonKey, RegionCode, ResidentId};
use crate::sealed::Sealed;

/// Ledger entry kinds. The dotted prefix names the record family.
pub mod kind {
    pub const AGENCY_REGISTERED: &str = "agency.registered";
    pub const EMPLOYER_REGISTERED: &str = "employer.registered";
    pub const EMPLOYER_CHANGED: &str = "employer.changed";
    pub const EMPLOYER_DEREGISTERED: &str = "employer.deregistered";
    pub const PERSON_REGISTERED: &str = "person.registered";
    pub const PERSON_CHANGED: &str = "person.changed";
    /// A person's data key was destroyed (erasure where the law demands
    /// it): their sealed fields are unreadable everywhere from then on.
    pub const PERSON_ERASED: &str = "person.erased";
    pub const EMPLOYMENT_STARTED: &str = "employment.started";
    pub const EMPLOYMENT_ENDED: &str = "employment.ended";
    pub const CONTRIBUTION_ASSESSED: &str = "contribution.assessed";
    pub const CONTRIBUTION_PAID: &str = "contribution.paid";
    pub const ACCOUNT_SETTLED: &str = "account.settled";
    pub const BENEFIT_GRANTED: &str = "benefit.granted";
    pub const BENEFIT_STATUS: &str = "benefit.status";
    pub const BENEFIT_PAID: &str = "benefit.paid";
    pub const SUBSIDY_GRANTED: &str = "subsidy.granted";
    pub const CONTRIBUTION_CORRECTED: &str = "contribution.corrected";
    pub const ACCOUNT_CREATED: &str = "account.created";
    pub const ACCOUNT_LOCKED: &str = "account.locked";
    pub const ACCOUNT_UNLOCKED: &str = "account.unlocked";
    /// An account retired for good (never deleted: its history stays, the
    /// name is never reused, it never signs in again).
    pub const ACCOUNT_RETIRED: &str = "account.retired";
    pub const ROLE_REQUESTED: &str = "role.requested";
    pub const ROLE_APPROVED: &str = "role.approved";
    pub const ROLE_REJECTED: &str = "role.rejected";
    /// A role taken away at once (entries written before revocations
    /// needed approval; still applied when replaying).
    pub const ROLE_REVOKED: &str = "role.revoked";
    /// The system administrator asks for a role to be taken away; it goes
    /// when the security administrator approves (`role.approved`).
    pub const ROLE_REVOCATION_REQUESTED: &str = "role.revocation_requested";
    pub const DELEGATION_RECORDED: &str = "delegation.recorded";
    /// Security audit events (login, lockout, password change, …): ledger only.
    pub const SECURITY_EVENT: &str = "security.event";
    pub const APPLICATION_SUBMITTED: &str = "application.submitted";
    pub const APPLICATION_DECIDED: &str = "application.decided";
    pub const APPLICATION_WITHDRAWN: &str = "application.withdrawn";
    /// A certificate (参保缴费证明 / 待遇领取证明, Art 15) was issued.
    pub const CERTIFICATE_ISSUED: &str = "certificate.issued";
    /// An issued certificate was revoked (作废).
    pub const CERTIFICATE_REVOKED: &str = "certificate.revoked";
    /// A regional rule set (or a new version of it) approved through the
    /// review chain: the whole document and its hash (Art 6).
    pub const RULE_SET_APPROVED: &str = "rule_set.approved";
}

/// Ledger subject strings: `kind:identifier`.
pub fn agency_subject(code: &str) -> String {
    format!("agency:{code}")
}
pub fn employer_subject(code: &CreditCode) -> String {
    format!("employer:{code}")
}
pub fn person_subject(id: &PersonKey) -> String {
    format!("person:{id}")
}
/// `rule_set:<id>`: every version of a regional rule set.
pub fn rule_set_subject(id: &str) -> String {
    format!("rule_set:{id}")
}

pub fn application_subject(id: &str) -> String {
    format!("application:{id}")
}
pub fn account_subject(username: &str) -> String {
    format!("account:{username}")
}

/// A social insurance agency (社会保险经办机构) serving one pooling region (统筹区).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyRegistration {
    /// Agency code: the region code, optionally followed by a suffix.
    pub code: String,
    pub name: String,
    pub region: RegionCode,
}

/// Employer registration (用人单位社会保险登记).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployerRegistration {
    pub credit_code: CreditCode,
    pub name: String,
    pub address: String,
    /// Work-injury industry risk class (行业风险类别) 1–8.
    pub industry_class: u8,
    pub registered_on: NaiveDate,
}

/// Change of employer registration details (变更登记). Absent fields are unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployerChange {
    pub credit_code: CreditCode,
    pub effective_on: NaiveDate,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry_class: Option<u8>,
}

/// Employer de-registration (注销登记).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployerDeregistration {
    pub credit_code: CreditCode,
    pub effective_on: NaiveDate,
    pub reason: String,
}

/// Person registration (参保登记) as written to the ledger: the person is
/// named by their blind index, every directly identifying field is sealed
/// under the person's data key (`docs/privacy.md`). Gender and birth date
/// stay in clear: the rules engine computes retirement age and pensions
/// from them, and anyone must be able to recompute those without a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRegistration {
    pub id: PersonKey,
    pub id_number: Sealed,
    pub name: Sealed,
    pub address: Sealed,
    pub phone: Sealed,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub registered_on: NaiveDate,
}

/// Person registration as the clerk enters it (in clear, never stored):
/// birth date and gender are part of the resident ID number and derived
/// from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonDetails {
    pub id: ResidentId,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub registered_on: NaiveDate,
}

/// Change of a person's registration details (个人信息变更) as written to
/// the ledger: changed fields sealed. Absent fields are unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonChange {
    pub id: PersonKey,
    pub effective_on: NaiveDate,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Sealed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Sealed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Sealed>,
}

/// Erasure of a person's identifying data (个人信息删除), where the law
/// demands it: approved through the review chain, it destroys the person's
/// data key. The record of rights stays (contributions, years, account),
/// the ledger still verifies; the identifying fields read "（已删除）".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonErasure {
    pub id: PersonKey,
    pub reason: String,
    /// The law or decision that demands the erasure.
    pub basis: String,
}

/// An application to put a rule set (or a new version) in force, as the
/// maintenance officer files it: the document as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetImport {
    /// `toml` or `json`.
    pub format: String,
    /// The rule set document, byte for byte as imported.
    pub text: String,
    /// Why (e.g. the announcement that published the figures).
    pub reason: String,
    /// Recompute the person-months already computed from `valid_from` on
    /// under the new version (重新核算): approval writes the version and a
    /// `contribution.corrected` entry for each person-month whose figures
    /// change. Without it, such a version is refused.
    #[serde(
        default,
        skip_serializing_if = "std::ops::Not::not",
        deserialize_with = "yes_or_no"
    )]
    pub recalculate: bool,
}

/// A yes/no field as JSON true/false or as a form's text (`true`, `yes`,
/// `是`, `1`; `false`, `no`, `否`, `0`, empty).
fn yes_or_no<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum YesNo {
        Bool(bool),
        Text(String),
    }
    match YesNo::deserialize(d)? {
        YesNo::Bool(b) => Ok(b),
        YesNo::Text(t) => match t.trim().to_lowercase().as_str() {
            "true" | "yes" | "是" | "1" => Ok(true),
            "false" | "no" | "否" | "0" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "{other:?}: must be yes (是) or no (否)"
            ))),
        },
    }
}

/// A rule set version in force (`rule_set.approved`): the document and the
/// hash every figure computed under it records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetApproved {
    pub id: String,
    pub version: u32,
    pub region: String,
    /// First month in force; `None`: every month (a first version).
    pub valid_from: Option<crate::rules::Month>,
    pub demo: bool,
    /// Hex digest of `text` under the installation's profile (SHA-256 or SM3).
    pub hash: String,
    pub format: String,
    pub text: String,
    pub reason: String,
}

/// A change of details as the clerk enters it (in clear, never stored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonChangeDetails {
    pub id: ResidentId,
    pub effective_on: NaiveDate,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A staff or external account came into existence (security stream).
/// `roles` are granted with the account: only the bootstrap administrator at
/// `sirm init`, demo accounts, and external roles bound to an identity check
/// (insured person by activation code, employer agent bound to a credit
/// code). Every other grant goes through a role request and its approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountCreated {
    pub username: String,
    pub display_name: String,
    pub agency: String,
    pub roles: Vec<String>,
    /// `staff` or `external`.
    #[serde(default = "staff_kind")]
    pub kind: crate::status::AccountKind,
    /// The insured person an external account belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonKey>,
    /// The employer an employer agent's account is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<CreditCode>,
}

fn staff_kind() -> crate::status::AccountKind {
    crate::status::AccountKind::Staff
}

/// An account was locked or unlocked by an administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountStatusChange {
    pub username: String,
    pub reason: String,
}

/// The system administrator asks for a role to be granted (takes effect only
/// after the security administrator approves).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRequested {
    pub request_id: String,
    pub username: String,
    pub role: String,
    pub reason: String,
}

/// The security administrator's decision on a role request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDecision {
    pub request_id: String,
    pub username: String,
    pub role: String,
    pub reason: String,
}

/// A role taken away (effective at once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRevoked {
    pub username: String,
    pub role: String,
    pub reason: String,
}

/// A written authorization (委托书) recorded by a clerk: who may query a
/// person's record on their behalf, for what, until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegationRecorded {
    pub delegation_id: String,
    pub person_id: PersonKey,
    pub delegate_username: String,
    /// Queryable items the authorization covers, e.g. `registration`, `contributions`.
    pub scope: Vec<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// SHA-256 of the scanned authorization document.
    pub document_sha256: String,
}

/// A security audit event (GB/T 22239 level 3 security audit): what happened,
/// to which account, from where, with what outcome. The entry's time is the
/// event time (UTC); the entry's actors name who acted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityEvent {
    /// e.g. `login.success`, `login.failure`, `lockout`, `logout`,
    /// `password.change`, `totp.enrol`, `permission.denied`, `config.change`.
    pub event: String,
    /// The account concerned (as typed, for unknown accounts).
    pub account: String,
    /// Source address (IP) or `cli`.
    pub source: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// Plain detail: the rule broken, the permission denied, …
    pub detail: String,
}

/// Human-readable gender word, for projections and screens.
pub fn gender_word(g: Gender) -> &'static str {
    match g {
        Gender::Male => "male",
        Gender::Female => "female",
    }
}

/// A free-text field of a registration: trimmed, non-empty, at most `max` characters.
pub fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), RecordError> {
    let t = value.trim();
    if t.is_empty() {
        return Err(RecordError::Empty { field });
    }
    if t.chars().count() > max {
        return Err(RecordError::TooLong { field, max });
    }
    if t.chars().any(char::is_control) {
        return Err(RecordError::ControlChar { field });
    }
    Ok(())
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    #[error("{field}: must not be empty")]
    Empty { field: &'static str },
    #[error("{field}: longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field}: contains a control character")]
    ControlChar { field: &'static str },
    #[error("industry_class: must be 1–8, got {0}")]
    IndustryClass(u8),
    /// A period whose end comes before its start.
    #[error("{field}: {message}")]
    Order {
        field: &'static str,
        message: String,
    },
    /// Any other value out of its range or set.
    #[error("{field}: {message}")]
    Value {
        field: &'static str,
        message: String,
    },
}

impl RecordError {
    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            RecordError::Empty { field }
            | RecordError::TooLong { field, .. }
            | RecordError::ControlChar { field }
            | RecordError::Order { field, .. }
            | RecordError::Value { field, .. } => field,
            RecordError::IndustryClass(_) => "industry_class",
        }
    }

    /// The reason's stable id, when a user is told about it by one.
    pub fn rule(&self) -> Option<crate::RuleId> {
        match self {
            RecordError::Empty { .. } => Some(crate::RuleId::FieldRequired),
            RecordError::Order { .. } => Some(crate::RuleId::DateOrder),
            _ => None,
        }
    }

    fn value(field: &'static str, message: impl Into<String>) -> Self {
        RecordError::Value {
            field,
            message: message.into(),
        }
    }
}

impl EmployerRegistration {
    pub fn validate(&self) -> Result<(), RecordError> {
        check_text("name", &self.name, 200)?;
        check_text("address", &self.address, 400)?;
        if !(1..=8).contains(&self.industry_class) {
            return Err(RecordError::IndustryClass(self.industry_class));
        }
        Ok(())
    }
}

impl PersonDetails {
    pub fn validate(&self) -> Result<(), RecordError> {
        check_text("name", &self.name, 100)?;
        check_text("address", &self.address, 400)?;
        check_text("phone", &self.phone, 30)?;
        Ok(())
    }
}

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
