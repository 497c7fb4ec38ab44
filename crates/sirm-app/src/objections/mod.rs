//! Objections (异议核查, Art 16): "参保人员或者用人单位对社会保险个人权益记录
//! 存在异议时，可以向社会保险经办机构提出书面核查申请，并提供相关证明材料。
//! 社会保险经办机构应当进行复核，确实存在错误的，应当改正。"
//!
//! - **Filing** ([`Sirm::file_objection`]): the person in the portal, a
//!   delegate within an authorization in force, an employer's agent for its
//!   own employee's employment and contribution items, or a clerk at the
//!   counter with the person present (ID document checked) names the items
//!   and attaches evidence (archived sealed). One `objection.filed` entry:
//!   a number, the deadline in working days (`[objections]`, `[calendar]`),
//!   what the objector wrote sealed under the person's data key.
//! - **Re-checking** (`officer.rs`): the maintenance officer links it to a
//!   correction application in review (`objection.linked`; its approval
//!   makes the objection *corrected*, its withdrawal opens it again — the
//!   projection follows the application's own entries), or answers it in
//!   writing (`objection.answered`, a signed PDF letter, `letter.rs`).
//! - Nothing here changes a record: corrections go through the review chain.

mod letter;
mod officer;
mod view;

pub use officer::{ObjectionReport, QueueRow, ReportRow};
pub use view::{status_zh, ObjectionDetail, ObjectionView};

use rand::RngCore;
use sirm_domain::access::Permission;
use sirm_domain::id::{CreditCode, PersonKey, ResidentId};
use sirm_domain::records::{
    self, kind, objection_subject, Evidence, Material, ObjectionFiled, ObjectionItem, Objector,
};
use sirm_domain::status::ObjectionStatus;
use sirm_domain::RuleId;
use sirm_ledger::Stream;
use sirm_store::ObjectionRow;

use crate::drafts::draft;
use crate::identity::external::IdDocumentChecked;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// Items of one objection at most.
const MAX_ITEMS: usize = 20;
/// What the objector writes, at most (characters).
const MAX_STATEMENT: usize = 2000;
/// The registration fields an objection may name.
pub const REGISTRATION_FIELDS: &[(&str, &str)] = &[
    ("name", "姓名"),
    ("gender", "性别"),
    ("birth_date", "出生日期"),
    ("address", "地址"),
    ("phone", "联系电话"),
    ("registered_on", "参保日期"),
];

/// A written objection as the objector gives it.
#[derive(Debug, Default)]
pub struct ObjectionFiling {
    /// The person's ID number: for a delegate, an employer or the counter
    /// (the person in the portal objects to their own record).
    pub id: Option<String>,
    pub items: Vec<ObjectionItem>,
    /// What is wrong, in the objector's words.
    pub statement: String,
    /// The evidence files, already in the archive (sealed).
    pub evidence: Vec<Material>,
    /// The clerk's attestation that the person's ID document was checked
    /// in person (the counter only).
    pub id_document_checked: bool,
}

fn not_entitled(detail: &str) -> AppError {
    AppError::Forbidden {
        rule: RuleId::ObjectionNotEntitled,
        message: format!("refused by rule objection.not-entitled: {detail}"),
    }
}

pub(crate) fn no_such_objection(number: &str) -> AppError {
    AppError::not_found(RuleId::NotFoundObjection, format!("objection {number}"))
}

fn new_number(today: chrono::NaiveDate) -> String {
    let mut raw = [0u8; 4];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    format!("YY-{}-{}", today.format("%Y%m%d"), hex::encode_upper(raw))
}

impl Sirm {
    /// File a written objection (Art 16). Returns its number.
    pub async fn file_objection(
        &self,
        who: &Principal,
        filing: ObjectionFiling,
    ) -> Result<String, AppError> {
        let (person, objector, employer) = self.objector_capacity(who, &filing).await?;
        check_filing(&filing, self.config.objections.max_evidence_files)?;
        if let Some(code) = &employer {
            // A month is the employer's when one of its employments of the
            // person covers it (the month's first or last day inside it).
            let jobs = self.store.employments_of(person.as_str()).await?;
            let covers = |m: &sirm_domain::rules::Month| {
                let (first, last) = (m.first_day(), m.last_day());
                jobs.iter().any(|j| {
                    j.credit_code == code.as_str()
                        && j.start_on <= last
                        && j.end_on.is_none_or(|e| e >= first)
                })
            };
            for (i, item) in filing.items.iter().enumerate() {
                let (own, message) = match item {
                    ObjectionItem::Employment { credit_code } => (
                        credit_code == code,
                        "an employer objects only to its own employment and contribution items",
                    ),
                    ObjectionItem::ContributionMonth { month } => (
                        covers(month),
                        "the person was not employed by this employer in that month",
                    ),
                    other => (
                        other.employer_may_object(),
                        "an employer objects only to its own employment and contribution items",
                    ),
                };
                if !own {
                    return Err(AppError::Invalid {
                        field: format!("items[{}]", i + 1),
                        rule: Some(RuleId::ObjectionNotEntitled),
                        message: message.into(),
                    });
                }
            }
        }
        let open = self
            .store
            .objections_of(person.as_str())
            .await?
            .iter()
            .filter(|o| {
                matches!(
                    o.status,
                    ObjectionStatus::Open | ObjectionStatus::InCorrection
                )
            })
            .count();
        let max = self.config.objections.max_open_per_person as usize;
        if open >= max {
            return Err(AppError::conflict_by(
                RuleId::ObjectionTooMany,
                format!("{open} objections of this person are open (at most {max})"),
            ));
        }
        let today = crate::clock::today();
        let calendar = self
            .config
            .calendar
            .calendar()
            .map_err(|e| AppError::invalid("calendar", e))?;
        let deadline =
            calendar.add_working_days(today, self.config.objections.deadline_working_days);
        let statement = self
            .seal_for(
                &person,
                "objection.statement",
                filing.statement.trim().as_bytes(),
            )
            .await?;
        let number = new_number(today);
        let filed = ObjectionFiled {
            number: number.clone(),
            person,
            objector,
            filed_by: who.username.clone(),
            employer,
            items: filing.items,
            statement,
            // The file name is not kept: it may name the person.
            evidence: filing
                .evidence
                .into_iter()
                .map(|m| Evidence {
                    sha256: m.sha256,
                    media_type: m.media_type,
                    size: m.size,
                })
                .collect(),
            filed_on: today,
            deadline,
        };
        let d = draft(
            &self.config,
            Stream::Business,
            kind::OBJECTION_FILED,
            objection_subject(&number),
            &who.username,
            &filed,
        )?;
        self.append(vec![d]).await?;
        Ok(number)
    }

    /// Whose record, in what capacity: the person (own record), a delegate
    /// (authorization in force), the employer (its employee), the counter
    /// (the person present). Anyone else: rule `objection.not-entitled`.
    async fn objector_capacity(
        &self,
        who: &Principal,
        filing: &ObjectionFiling,
    ) -> Result<(PersonKey, Objector, Option<CreditCode>), AppError> {
        let named = match filing
            .id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(text) => {
                let id: ResidentId = text.parse().map_err(|e| AppError::invalid_id("id", e))?;
                Some(self.person_key(&id)?)
            }
        };
        let own = who.person_id.as_deref();
        if who.may(Permission::OwnRecordRead)
            && own.is_some()
            && (named.is_none() || named.as_ref().map(|k| k.as_str()) == own)
        {
            self.authorize(who, Permission::OwnRecordRead).await?;
            let pk: PersonKey = own
                .unwrap_or_default()
                .parse()
                .map_err(|e| AppError::invalid("id", e))?;
            return Ok((pk, Objector::Person, None));
        }
        let Some(pk) = named else {
            return Err(AppError::invalid(
                "id",
                "name the person whose record is objected to (ID number)",
            ));
        };
        if who.may(Permission::DelegatedRecordRead) && self.delegate_of(who, &pk).await? {
            self.authorize(who, Permission::DelegatedRecordRead).await?;
            return Ok((pk, Objector::Delegate, None));
        }
        if let (Some(code), true) = (&who.employer, who.may(Permission::EmployerRecordRead)) {
            let employed = self
                .store
                .employments_of(pk.as_str())
                .await?
                .iter()
                .any(|j| &j.credit_code == code);
            if employed {
                self.authorize(who, Permission::EmployerRecordRead).await?;
                let code: CreditCode = code
                    .parse()
                    .map_err(|e| AppError::invalid_id("employer", e))?;
                return Ok((pk, Objector::Employer, Some(code)));
            }
            return Err(not_entitled("not an employee of this employer"));
        }
        if who.may(Permission::RecordCollect) {
            self.authorize(who, Permission::RecordCollect).await?;
            IdDocumentChecked::attested(filing.id_document_checked, "id_document_checked")?;
            self.person_of_agency(who, &pk).await?;
            return Ok((pk, Objector::Counter, None));
        }
        Err(not_entitled(
            "neither the person, nor a delegate with an authorization in force, nor the employer",
        ))
    }

    /// Does `who` hold a written authorization in force for `pk`?
    pub(crate) async fn delegate_of(
        &self,
        who: &Principal,
        pk: &PersonKey,
    ) -> Result<bool, AppError> {
        let today = crate::clock::today();
        Ok(self
            .store
            .delegations_of(&who.username)
            .await?
            .iter()
            .any(|d| d.person_id == pk.as_str() && d.valid_from <= today && today <= d.valid_until))
    }

    /// The objection `number` if `who` may see it: the person, a delegate
    /// in force, the employer that filed it, the clerk who took it, or the
    /// maintenance officer of the person's agency. Anything else is the
    /// same "not found" as a number that does not exist.
    pub(crate) async fn objection_for(
        &self,
        who: &Principal,
        number: &str,
    ) -> Result<ObjectionRow, AppError> {
        let row = self
            .store
            .objection(number.trim())
            .await?
            .ok_or_else(|| no_such_objection(number))?;
        let pk: PersonKey = row
            .person_id
            .parse()
            .map_err(|e| AppError::invalid("person", e))?;
        let visible = (who.may(Permission::OwnRecordRead)
            && who.person_id.as_deref() == Some(row.person_id.as_str()))
            || (who.may(Permission::DelegatedRecordRead) && self.delegate_of(who, &pk).await?)
            || (who.may(Permission::EmployerRecordRead)
                && !row.employer.is_empty()
                && who.employer.as_deref() == Some(row.employer.as_str()))
            || (who.may(Permission::RecordCollect) && row.filed_by == who.username)
            || (who.may(Permission::RecordMaintain)
                && self
                    .store
                    .person(pk.as_str())
                    .await?
                    .is_some_and(|p| p.agency == who.agency));
        if !visible {
            return Err(no_such_objection(number));
        }
        Ok(row)
    }
}

/// Items named, evidence attached, the statement within bounds.
fn check_filing(f: &ObjectionFiling, max_evidence: u32) -> Result<(), AppError> {
    if f.items.is_empty() {
        return Err(AppError::invalid_by(
            "items",
            RuleId::ObjectionItems,
            "name at least one item of the record (a month's contributions, an employment, a registration field, a benefit payment)",
        ));
    }
    if f.items.len() > MAX_ITEMS {
        return Err(AppError::invalid_by(
            "items",
            RuleId::ObjectionItems,
            format!("at most {MAX_ITEMS} items in one objection"),
        ));
    }
    let today = crate::clock::today();
    let this_month = sirm_domain::rules::Month::of_date(today);
    for (i, item) in f.items.iter().enumerate() {
        let field = format!("items[{}]", i + 1);
        match item {
            ObjectionItem::ContributionMonth { month }
            | ObjectionItem::BenefitPayment { month }
                if *month > this_month =>
            {
                return Err(AppError::invalid_by(
                    field,
                    RuleId::DateFuture,
                    format!("{month} lies in the future"),
                ));
            }
            ObjectionItem::RegistrationField { field: name }
                if !REGISTRATION_FIELDS.iter().any(|(f, _)| f == name) =>
            {
                return Err(AppError::invalid_by(
                    field,
                    RuleId::ObjectionItems,
                    format!(
                        "{name:?} is not a registration field; use one of {}",
                        REGISTRATION_FIELDS
                            .iter()
                            .map(|(f, _)| *f)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            _ => {}
        }
    }
    if f.evidence.is_empty() {
        return Err(AppError::invalid_by(
            "evidence",
            RuleId::ObjectionEvidence,
            "attach the evidence (相关证明材料, Art 16)",
        ));
    }
    if f.evidence.len() > max_evidence as usize {
        return Err(AppError::invalid_by(
            "evidence",
            RuleId::ObjectionEvidence,
            format!("at most {max_evidence} evidence files"),
        ));
    }
    records::check_text("statement", &f.statement, MAX_STATEMENT).map_err(AppError::invalid_record)
}
