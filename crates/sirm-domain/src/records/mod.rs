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
    /// A person's resident ID number changed (身份证号码变更): written under
    /// the old subject, it names the new number's blind index as an alias.
    pub const PERSON_ID_CHANGED: &str = "person.id_changed";
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
    /// A unit's application for disclosure approved (Art 20 (1)).
    pub const DISCLOSURE_GRANTED: &str = "disclosure.granted";
    /// One read under a disclosure grant (Art 21).
    pub const DISCLOSURE_USED: &str = "disclosure.used";
    /// A unit's application refused in writing (Art 20 (2)).
    pub const DISCLOSURE_REFUSED: &str = "disclosure.refused";
    /// A de-identified extract released to a statistics user (Art 17):
    /// the request, its row count and SHA-256.
    pub const DISCLOSURE_EXTRACT: &str = "disclosure.extract";
    /// A confidentiality agreement (保密协议) of an outside maintenance
    /// helper filed with their account (Art 11): ledger only.
    pub const ACCOUNT_AGREEMENT: &str = "account.agreement";
    /// A maintenance application prepared by an outside maintenance helper
    /// for a maintenance officer (Art 11): ledger only.
    pub const APPLICATION_PREPARED: &str = "application.prepared";
    /// A prepared maintenance application taken (submitted as an
    /// application) or declined by a maintenance officer: ledger only.
    pub const APPLICATION_PREPARED_CLOSED: &str = "application.prepared_closed";
    /// A paid month's supplementary payment (补缴): new figures, the
    /// difference and the late-payment surcharge (Art 11).
    pub const CONTRIBUTION_SUPPLEMENTED: &str = "contribution.supplemented";
    /// A paid month's refund (退费), in part or whole (Art 11).
    pub const CONTRIBUTION_REFUNDED: &str = "contribution.refunded";
    /// An employment's period corrected (Art 11).
    pub const EMPLOYMENT_CORRECTED: &str = "employment.corrected";
    /// A settled account year recomputed after a correction (Art 11).
    pub const ACCOUNT_RECOMPUTED: &str = "account.recomputed";
    /// A granted benefit recomputed from the corrected record (Art 11).
    pub const BENEFIT_RECOMPUTED: &str = "benefit.recomputed";
    /// A written objection to items of a record (异议核查, Art 16).
    pub const OBJECTION_FILED: &str = "objection.filed";
    /// An objection linked to the correction application that puts it right.
    pub const OBJECTION_LINKED: &str = "objection.linked";
    /// An objection answered in writing: no error found, the reasons given.
    pub const OBJECTION_ANSWERED: &str = "objection.answered";
    /// A department's file taken in for cross-checking (Art 5): hash, kind, rows.
    pub const CROSSCHECK_IMPORTED: &str = "crosscheck.imported";
    /// One difference between a department's row and the record.
    pub const CROSSCHECK_DISCREPANCY: &str = "crosscheck.discrepancy";
    /// A discrepancy accepted, dismissed or asked about by the maintenance officer.
    pub const CROSSCHECK_RESOLVED: &str = "crosscheck.resolved";
    /// The asked employer's or person's answer to a discrepancy.
    pub const CROSSCHECK_ANSWERED: &str = "crosscheck.answered";
    /// A transfer-in application approved at the new region (转入申请, Art 10).
    pub const TRANSFER_APPLIED: &str = "transfer.applied";
    /// The contact letter (联系函) sent to the old region.
    pub const TRANSFER_LETTER_SENT: &str = "transfer.letter_sent";
    /// A contact letter received from the new region.
    pub const TRANSFER_LETTER_RECEIVED: &str = "transfer.letter_received";
    /// Transferred out (转出): figures computed, the record kept and marked.
    pub const TRANSFER_OUT: &str = "transfer.out";
    /// The package sent to the new region (its hash and checkpoint).
    pub const TRANSFER_PACKAGE_SENT: &str = "transfer.package_sent";
    /// A package received that passed every check, kept as received.
    pub const TRANSFER_PACKAGE_RECEIVED: &str = "transfer.package_received";
    /// Accepted at the new region (接收): the record continues from the figures.
    pub const TRANSFER_RECEIVED: &str = "transfer.received";
    /// A letter or package refused, here or by the peer, with the reason.
    pub const TRANSFER_REFUSED: &str = "transfer.refused";
    /// A peer agency added (security stream).
    pub const PEER_ADDED: &str = "peer.added";
    /// A peer agency removed (security stream).
    pub const PEER_REMOVED: &str = "peer.removed";
    /// A person enrolled in insurance types (参保, `RelationChange`).
    pub const INSURANCE_ENROLLED: &str = "insurance.enrolled";
    /// A person's insurance types suspended (暂停参保): no contributions
    /// assessed after the month of the date.
    pub const INSURANCE_SUSPENDED: &str = "insurance.suspended";
    /// A person's insurance types terminated (终止参保).
    pub const INSURANCE_TERMINATED: &str = "insurance.terminated";
    /// A person's record de-registered (人员注销): death, emigration,
    /// transfer out, other.
    pub const PERSON_DEREGISTERED: &str = "person.deregistered";
    /// A person registered as flexibly employed (灵活就业登记).
    pub const FLEXIBLE_REGISTERED: &str = "flexible.registered";
    /// A flexibly employed person's month computed and paid (灵活就业缴费):
    /// a contribution row without employer, paid.
    pub const FLEXIBLE_ASSESSED: &str = "flexible.assessed";
    /// An unemployment claim granted (失业保险金核定): duration and amount.
    pub const UNEMPLOYMENT_GRANTED: &str = "unemployment.granted";
    /// One month of unemployment benefit paid.
    pub const UNEMPLOYMENT_PAID: &str = "unemployment.paid";
    /// An unemployment claim ended (re-employment, death, other).
    pub const UNEMPLOYMENT_ENDED: &str = "unemployment.ended";
    /// A suspended benefit paid again (恢复发放).
    pub const BENEFIT_RESUMED: &str = "benefit.resumed";
    /// One pensioner's yearly adjustment (养老金年度调整).
    pub const BENEFIT_ADJUSTED: &str = "benefit.adjusted";
    /// The death of an insured person or pensioner with what it settles.
    pub const BENEFIT_DEATH: &str = "benefit.death";
    /// A settlement at a contracted hospital or pharmacy (医疗费用结算).
    pub const MEDICAL_SETTLED: &str = "medical.settled";
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

/// Change of a person's registration details (个人信息变更): the person
/// (`Id`), when and why, and the new text (`Text`) of each field changed.
/// Absent fields are unchanged. Two forms: [`PersonChange`] as written to
/// the ledger, [`PersonChangeDetails`] as the clerk enters it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    bound(deserialize = "Id: Deserialize<'de>, Text: Deserialize<'de>")
)]
pub struct PersonDetailsChange<Id, Text> {
    pub id: Id,
    pub effective_on: NaiveDate,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Text>,
}

/// Change of a person's registration details as written to the ledger:
/// the person named by their blind index, changed fields sealed.
pub type PersonChange = PersonDetailsChange<PersonKey, Sealed>;

/// A change of details as the clerk enters it (in clear, never stored).
pub type PersonChangeDetails = PersonDetailsChange<ResidentId, String>;

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
pub(crate) fn yes_or_no<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
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

/// A step of a role request: the request, the role and the account it
/// concerns, and the reason given at this step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRequestStep {
    pub request_id: String,
    pub username: String,
    pub role: String,
    pub reason: String,
}

/// The system administrator asks for a role to be granted or taken away
/// (takes effect only after the security administrator approves).
pub type RoleRequested = RoleRequestStep;

/// The security administrator's decision on a role request.
pub type RoleDecision = RoleRequestStep;

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

/// A date that records what has happened (a registration, an employment's
/// start or end, a payment received, a change in effect): not after `today`
/// (the agency's date, given by the caller: the domain reads no clock).
pub fn check_not_future(
    field: &'static str,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), RecordError> {
    if date > today {
        return Err(RecordError::Future { field, date, today });
    }
    Ok(())
}

/// A phone number: 7–20 characters (trimmed) of digits, spaces, `+` and
/// `-`, at least one of them a digit.
pub fn check_phone(field: &'static str, value: &str) -> Result<(), RecordError> {
    let t = value.trim();
    if t.is_empty() {
        return Err(RecordError::Empty { field });
    }
    let n = t.chars().count();
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-');
    if !(7..=20).contains(&n) || !t.chars().all(allowed) || !t.chars().any(|c| c.is_ascii_digit()) {
        return Err(RecordError::Phone { field });
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
    /// A date after today where only a date that has come is accepted.
    #[error("{field}: {date} is in the future (today is {today})")]
    Future {
        field: &'static str,
        date: NaiveDate,
        today: NaiveDate,
    },
    /// A phone number of the wrong form.
    #[error("{field}: not a phone number (7–20 characters: digits, spaces, + and -)")]
    Phone { field: &'static str },
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
            | RecordError::Future { field, .. }
            | RecordError::Phone { field }
            | RecordError::Value { field, .. } => field,
            RecordError::IndustryClass(_) => "industry_class",
        }
    }

    /// The reason's stable id, when a user is told about it by one.
    pub fn rule(&self) -> Option<crate::RuleId> {
        match self {
            RecordError::Empty { .. } => Some(crate::RuleId::FieldRequired),
            RecordError::Order { .. } => Some(crate::RuleId::DateOrder),
            RecordError::Future { .. } => Some(crate::RuleId::DateFuture),
            RecordError::Phone { .. } => Some(crate::RuleId::PhoneFormat),
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
        check_phone("phone", &self.phone)?;
        Ok(())
    }
}

impl PersonChangeDetails {
    /// The new text of each field changed, checked as at registration.
    pub fn validate(&self) -> Result<(), RecordError> {
        if let Some(name) = &self.name {
            check_text("name", name, 100)?;
        }
        if let Some(address) = &self.address {
            check_text("address", address, 400)?;
        }
        if let Some(phone) = &self.phone {
            check_phone("phone", phone)?;
        }
        Ok(())
    }
}

pub mod claims;
mod corrections;
pub mod crosscheck;
mod disclosure;
mod extract;
mod id_change;
mod life;
mod medical;
mod objection;
mod relations;
mod rights;
mod transfer;
pub use claims::*;
pub use corrections::*;
pub use crosscheck::{
    CrosscheckAnswered, CrosscheckDiscrepancy, CrosscheckImported, CrosscheckResolved,
    DiscrepancyEvidence, DiscrepancyKind, Overpaid, Proposal, Resolution,
};
pub use disclosure::*;
pub use extract::*;
pub use id_change::*;
pub use life::*;
pub use medical::*;
pub use objection::*;
pub use relations::*;
pub use rights::*;
pub use transfer::*;

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_date_that_has_not_come_is_refused_by_its_rule() {
        let today = day("2026-12-05");
        assert_eq!(check_not_future("registered_on", today, today), Ok(()));
        assert_eq!(
            check_not_future("registered_on", day("2020-01-01"), today),
            Ok(())
        );
        let e = check_not_future("registered_on", day("2099-01-01"), today).unwrap_err();
        assert_eq!(e.field(), "registered_on");
        assert_eq!(e.rule(), Some(crate::RuleId::DateFuture));
        assert!(e.to_string().contains("2099-01-01"), "{e}");
    }

    #[test]
    fn phone_numbers_are_digits_spaces_plus_and_minus() {
        for ok in [
            "13800001111",
            "+86 10 8888-6666",
            "010-1234567",
            " 1234567 ",
        ] {
            assert_eq!(check_phone("phone", ok), Ok(()), "{ok}");
        }
        for bad in [
            "abc",
            "123456",
            "1380000111a",
            "+-- -- --",
            "123456789012345678901",
            "１３８００００１１１１",
        ] {
            let e = check_phone("phone", bad).unwrap_err();
            assert_eq!(e.rule(), Some(crate::RuleId::PhoneFormat), "{bad}");
            assert_eq!(e.field(), "phone");
        }
        assert_eq!(
            check_phone("phone", "  ").unwrap_err().rule(),
            Some(crate::RuleId::FieldRequired)
        );
    }

    #[test]
    fn registration_and_change_check_the_phone() {
        let d = PersonDetails {
            id: "11010519491231002X".parse().expect("id"),
            name: "王小明".into(),
            address: "北京市朝阳区建国路8号".into(),
            phone: "abc".into(),
            registered_on: day("2020-01-01"),
        };
        assert_eq!(
            d.validate().unwrap_err().rule(),
            Some(crate::RuleId::PhoneFormat)
        );
        let c = PersonChangeDetails {
            id: d.id.clone(),
            effective_on: day("2020-01-01"),
            reason: "搬家".into(),
            name: None,
            address: None,
            phone: Some("abc".into()),
        };
        assert_eq!(c.validate().unwrap_err().field(), "phone");
    }
}
