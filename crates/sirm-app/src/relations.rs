//! Insurance relationships (参保关系): what a person is enrolled in, month
//! by month, and whether a person or an employer is de-registered (注销).
//! Read by the business checks (nothing is started, declared or enrolled
//! for a de-registered person or after an employer's de-registration), by
//! the assessment of contributions (only the types enrolled are assessed,
//! loaded in bulk for a declaration) and by the record views.
//!
//! The rule: a person with no row for a type holds it through employment
//! (an employment enrols in all four types). A type suspended or
//! terminated on a date is assessed up to that date's month and not after.
//! See `docs/relations.md`.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use sirm_domain::id::{CreditCode, PersonKey};
use sirm_domain::records::{self, kind, DeregistrationReason, PersonDeregistration};
use sirm_domain::rules::{Enrolled, Insurance, Month};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};
use sirm_store::{DeregistrationRow, RelationRow};

use crate::drafts::draft;
use crate::{AppError, Sirm};

/// The insurance type of a stored name.
fn insurance_of(name: &str) -> Option<Insurance> {
    Insurance::parse(name)
}

/// Month of a stored date `YYYY-MM-DD` (`None` when empty or malformed).
fn month_of(date: &str) -> Option<Month> {
    date.get(..7).and_then(|m| Month::parse(m).ok())
}

/// Whether the row leaves its type out of `month`: suspended or terminated
/// in an earlier month.
fn leaves_out(row: &RelationRow, month: Month) -> bool {
    row.status != "active" && month_of(&row.changed_on).is_some_and(|changed| month > changed)
}

/// The types a person-month is enrolled in, from the person's rows.
pub(crate) fn enrolled_from_rows<'a>(
    rows: impl IntoIterator<Item = &'a RelationRow>,
    month: Month,
) -> Enrolled {
    let mut e = Enrolled::ALL;
    for row in rows {
        if leaves_out(row, month) {
            if let Some(i) = insurance_of(&row.insurance) {
                e = e.without(i);
            }
        }
    }
    e
}

/// The persons of a declaration who are not enrolled in every type for
/// the month, by blind index: one read for all lines.
pub(crate) struct Exclusions {
    by_person: HashMap<String, Enrolled>,
}

impl Exclusions {
    pub(crate) async fn load(sirm: &Sirm, month: Month) -> Result<Exclusions, AppError> {
        let mut by_person: HashMap<String, Enrolled> = HashMap::new();
        for row in sirm.store.relations_not_active().await? {
            if leaves_out(&row, month) {
                if let Some(i) = insurance_of(&row.insurance) {
                    let e = by_person
                        .entry(row.person_id.clone())
                        .or_insert(Enrolled::ALL);
                    *e = e.without(i);
                }
            }
        }
        Ok(Exclusions { by_person })
    }

    /// What `person_id` is enrolled in for the month.
    pub(crate) fn of(&self, person_id: &str) -> Enrolled {
        self.by_person
            .get(person_id)
            .copied()
            .unwrap_or(Enrolled::ALL)
    }

    /// The persons concerned.
    pub(crate) fn persons(&self) -> impl Iterator<Item = (&String, &Enrolled)> {
        self.by_person.iter()
    }
}

/// Every relationship row not active, by person: what any person-month of
/// any month is enrolled in, from one read (a recalculation over many
/// months).
pub(crate) struct NotActive {
    by_person: HashMap<String, Vec<RelationRow>>,
}

impl NotActive {
    pub(crate) async fn load(sirm: &Sirm) -> Result<NotActive, AppError> {
        let mut by_person: HashMap<String, Vec<RelationRow>> = HashMap::new();
        for row in sirm.store.relations_not_active().await? {
            by_person
                .entry(row.person_id.clone())
                .or_default()
                .push(row);
        }
        Ok(NotActive { by_person })
    }

    /// What `person_id` is enrolled in for `month`.
    pub(crate) fn of(&self, person_id: &str, month: Month) -> Enrolled {
        match self.by_person.get(person_id) {
            Some(rows) => enrolled_from_rows(rows, month),
            None => Enrolled::ALL,
        }
    }
}

/// One insurance type of a person's record, as shown (参保关系).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RelationView {
    /// `pension`, `medical`, `unemployment`, `work_injury`.
    pub insurance: &'static str,
    pub insurance_zh: &'static str,
    /// `active`, `suspended`, `terminated`, `not_enrolled`.
    pub status: &'static str,
    pub status_zh: &'static str,
    /// `employee`, `flexible`, or empty when not enrolled.
    pub payer: String,
    /// Start of the current period, when known.
    pub enrolled_on: Option<NaiveDate>,
    /// Date suspended or terminated.
    pub ended_on: Option<NaiveDate>,
    pub reason: String,
    /// A flexibly employed person's chosen base.
    pub base: Option<rust_decimal::Decimal>,
}

/// A de-registered person's record state (已注销), as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeregistrationView {
    pub reason: String,
    pub reason_zh: &'static str,
    pub effective_on: NaiveDate,
    pub death_date: Option<NaiveDate>,
    pub note: String,
}

fn status_zh(s: &str) -> (&'static str, &'static str) {
    match s {
        "active" => ("active", "参保缴费"),
        "suspended" => ("suspended", "暂停缴费"),
        "terminated" => ("terminated", "终止参保"),
        _ => ("not_enrolled", "未参保"),
    }
}

/// The four types of a person from their rows and first employment start.
pub fn relation_views(rows: &[RelationRow], first_job: Option<NaiveDate>) -> Vec<RelationView> {
    Insurance::ALL
        .into_iter()
        .map(|i| {
            let name = records::insurance_str(i);
            match rows.iter().find(|r| r.insurance == name) {
                Some(r) => {
                    let (status, zh) = status_zh(&r.status);
                    RelationView {
                        insurance: name,
                        insurance_zh: records::insurance_zh(i),
                        status,
                        status_zh: zh,
                        payer: r.payer.clone(),
                        enrolled_on: r.enrolled_on.parse().ok().or(first_job),
                        ended_on: (status != "active")
                            .then(|| r.changed_on.parse().ok())
                            .flatten(),
                        reason: r.reason.clone(),
                        base: r.base.parse().ok(),
                    }
                }
                None => {
                    let (status, zh) = status_zh(if first_job.is_some() { "active" } else { "" });
                    RelationView {
                        insurance: name,
                        insurance_zh: records::insurance_zh(i),
                        status,
                        status_zh: zh,
                        payer: if first_job.is_some() {
                            "employee".into()
                        } else {
                            String::new()
                        },
                        enrolled_on: first_job,
                        ended_on: None,
                        reason: String::new(),
                        base: None,
                    }
                }
            }
        })
        .collect()
}

/// A de-registration row as shown.
pub fn deregistration_view(r: &DeregistrationRow) -> DeregistrationView {
    DeregistrationView {
        reason: r.reason.clone(),
        reason_zh: DeregistrationReason::parse(&r.reason)
            .map(DeregistrationReason::name_zh)
            .unwrap_or("其他"),
        effective_on: r.effective_on,
        death_date: r.death_date.parse().ok(),
        note: r.note.clone(),
    }
}

impl Sirm {
    /// Refuse (rule `person.deregistered`) when the person is de-registered.
    pub(crate) async fn person_not_deregistered(
        &self,
        field: &str,
        id: &PersonKey,
    ) -> Result<(), AppError> {
        if let Some(d) = self.store.deregistration_of(id.as_str()).await? {
            return Err(AppError::conflict_by(
                RuleId::PersonDeregistered,
                format!(
                    "{field}: person {} was de-registered on {} ({})",
                    id.short(),
                    d.effective_on,
                    d.reason
                ),
            ));
        }
        Ok(())
    }

    /// Refuse (rule `employer.deregistered`) an employment starting on or
    /// after the employer's de-registration.
    pub(crate) async fn employer_open_on(
        &self,
        credit_code: &CreditCode,
        on: NaiveDate,
    ) -> Result<(), AppError> {
        if let Some(d) = self
            .store
            .employer_deregistered_on(credit_code.as_str())
            .await?
        {
            if on >= d {
                return Err(AppError::conflict_by(
                    RuleId::EmployerDeregistered,
                    format!("employer {credit_code} was de-registered on {d}"),
                ));
            }
        }
        Ok(())
    }

    /// Refuse (rule `employer.deregistered`) a declaration or payment for a
    /// month after the month of the employer's de-registration (the last
    /// month may still be declared and paid: arrears are settled).
    pub(crate) async fn employer_open_in(
        &self,
        credit_code: &CreditCode,
        month: Month,
    ) -> Result<(), AppError> {
        if let Some(d) = self
            .store
            .employer_deregistered_on(credit_code.as_str())
            .await?
        {
            if month > Month::of_date(d) {
                return Err(AppError::conflict_by(
                    RuleId::EmployerDeregistered,
                    format!("employer {credit_code} was de-registered on {d}: nothing is declared or paid for {month}"),
                ));
            }
        }
        Ok(())
    }

    /// The types a person is enrolled in for a month (one read).
    pub(crate) async fn enrolled_in(
        &self,
        id: &PersonKey,
        month: Month,
    ) -> Result<Enrolled, AppError> {
        let rows = self.store.relations_of(id.as_str()).await?;
        Ok(enrolled_from_rows(&rows, month))
    }

    /// A person's relationships and de-registration, as shown in the record.
    pub async fn relations_of(
        &self,
        id: &PersonKey,
    ) -> Result<(Vec<RelationView>, Option<DeregistrationView>), AppError> {
        let rows = self.store.relations_of(id.as_str()).await?;
        let first_job = self
            .store
            .employments_of(id.as_str())
            .await?
            .iter()
            .map(|j| j.start_on)
            .min();
        let dereg = self
            .store
            .deregistration_of(id.as_str())
            .await?
            .map(|d| deregistration_view(&d));
        Ok((relation_views(&rows, first_job), dereg))
    }

    /// The `person.deregistered` entry (reason `transfer_out`) that a
    /// transfer of the insurance relationship to another region (转移接续)
    /// writes with its own approval, after the same checks as a
    /// de-registration at the counter (registered, not de-registered
    /// already, the date neither before registration nor ahead). `note`
    /// names where the relationship goes. The caller authorizes and appends
    /// (it goes through the review chain of the transfer).
    pub async fn deregister_for_transfer(
        &self,
        id: &PersonKey,
        effective_on: NaiveDate,
        note: &str,
        actor: &str,
    ) -> Result<EntryDraft, AppError> {
        let d = PersonDeregistration {
            id: id.clone(),
            reason: DeregistrationReason::TransferOut,
            effective_on,
            death_date: None,
            note: note.to_string(),
        };
        self.check_deregistration(&d).await?;
        self.deregistration_draft(&d, actor)
    }

    /// The checks of a de-registration against the record and today.
    pub(crate) async fn check_deregistration(
        &self,
        d: &PersonDeregistration,
    ) -> Result<(), AppError> {
        let person = self.store.person(d.id.as_str()).await?.ok_or_else(|| {
            AppError::not_found(RuleId::NotFoundPerson, format!("person {}", d.id.short()))
        })?;
        self.person_not_deregistered("id", &d.id).await?;
        let today = crate::clock::today();
        let mut dates = vec![("effective_on", d.effective_on)];
        match (d.reason, d.death_date) {
            (DeregistrationReason::Death, Some(death)) => dates.push(("death_date", death)),
            (DeregistrationReason::Death, None) => {
                return Err(AppError::invalid_by(
                    "death_date",
                    RuleId::DeregistrationReason,
                    "is required when the reason is death",
                ))
            }
            (_, Some(_)) => {
                return Err(AppError::invalid_by(
                    "death_date",
                    RuleId::DeregistrationReason,
                    "is given only when the reason is death",
                ))
            }
            (_, None) => {}
        }
        if d.reason == DeregistrationReason::Other && d.note.trim().is_empty() {
            return Err(AppError::invalid_by(
                "note",
                RuleId::DeregistrationReason,
                "say what the other reason is (the materials show it)",
            ));
        }
        for (field, date) in dates {
            records::check_not_future(field, date, today).map_err(AppError::invalid_record)?;
            if date < person.registered_on {
                return Err(AppError::invalid_by(
                    field,
                    RuleId::DateOrder,
                    format!(
                        "{date} is before the registration on {}",
                        person.registered_on
                    ),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn deregistration_draft(
        &self,
        d: &PersonDeregistration,
        actor: &str,
    ) -> Result<EntryDraft, AppError> {
        draft(
            &self.config,
            Stream::Business,
            kind::PERSON_DEREGISTERED,
            records::person_subject(&d.id),
            actor,
            d,
        )
    }
}
