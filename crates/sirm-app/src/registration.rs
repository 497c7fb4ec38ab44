//! Registration (登记, Art 2 item 1) of employers and persons, and changes to
//! it: the ledger drafts, built by the `*_draft` functions below. Nothing
//! here appends: a registration enters the ledger only as an application
//! taken at the counter and approved through the review chain
//! (`collection/`), which uses these drafts (as does the demo generator).

use sirm_domain::records::{
    self, kind, EmployerChange, EmployerDeregistration, EmployerRegistration, PersonChange,
    PersonRegistration,
};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use crate::drafts::draft;
use crate::{AppError, Config, Sirm};

pub fn employer_draft(
    config: &Config,
    actor: &str,
    r: &EmployerRegistration,
) -> Result<EntryDraft, AppError> {
    r.validate().map_err(AppError::invalid_record)?;
    draft(
        config,
        Stream::Business,
        kind::EMPLOYER_REGISTERED,
        records::employer_subject(&r.credit_code),
        actor,
        r,
    )
}

pub fn employer_change_draft(
    config: &Config,
    actor: &str,
    c: &EmployerChange,
) -> Result<EntryDraft, AppError> {
    if c.name.is_none() && c.address.is_none() && c.industry_class.is_none() {
        return Err(AppError::invalid("employer change", "changes nothing"));
    }
    records::check_text("reason", &c.reason, 400).map_err(AppError::invalid_record)?;
    draft(
        config,
        Stream::Business,
        kind::EMPLOYER_CHANGED,
        records::employer_subject(&c.credit_code),
        actor,
        c,
    )
}

pub fn employer_deregistration_draft(
    config: &Config,
    actor: &str,
    d: &EmployerDeregistration,
) -> Result<EntryDraft, AppError> {
    records::check_text("reason", &d.reason, 400).map_err(AppError::invalid_record)?;
    draft(
        config,
        Stream::Business,
        kind::EMPLOYER_DEREGISTERED,
        records::employer_subject(&d.credit_code),
        actor,
        d,
    )
}

pub fn person_draft(
    config: &Config,
    actor: &str,
    r: &PersonRegistration,
) -> Result<EntryDraft, AppError> {
    if r.registered_on < r.birth_date {
        return Err(AppError::invalid_by(
            "registered_on",
            RuleId::DateOrder,
            "is before the birth date in the ID number",
        ));
    }
    draft(
        config,
        Stream::Business,
        kind::PERSON_REGISTERED,
        records::person_subject(&r.id),
        actor,
        r,
    )
}

pub fn person_change_draft(
    config: &Config,
    actor: &str,
    c: &PersonChange,
) -> Result<EntryDraft, AppError> {
    if c.name.is_none() && c.address.is_none() && c.phone.is_none() {
        return Err(AppError::invalid("person change", "changes nothing"));
    }
    records::check_text("reason", &c.reason, 400).map_err(AppError::invalid_record)?;
    draft(
        config,
        Stream::Business,
        kind::PERSON_CHANGED,
        records::person_subject(&c.id),
        actor,
        c,
    )
}

impl Sirm {
    /// A person's registration record, with its ledger history.
    pub async fn person_record(
        &self,
        id: &sirm_domain::id::PersonKey,
    ) -> Result<PersonRecord, AppError> {
        let row = self.store.person(id.as_str()).await?.ok_or_else(|| {
            AppError::not_found(RuleId::NotFoundPerson, format!("person {}", id.short()))
        })?;
        let history = self
            .store
            .entries_for_subject(&records::person_subject(id))
            .await?;
        Ok(PersonRecord {
            details: self.reveal_person(&row).await?,
            person: row,
            history: history
                .into_iter()
                .map(|e| HistoryItem {
                    seq: e.seq,
                    time: e.time.to_rfc3339(),
                    kind: e.kind,
                    actors: e.actors,
                })
                .collect(),
        })
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct PersonRecord {
    /// The projection row (identifying fields sealed).
    pub person: sirm_store::PersonRow,
    /// The identifying fields, opened for whoever was authorized to read.
    pub details: crate::privacy::PersonView,
    pub history: Vec<HistoryItem>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct HistoryItem {
    pub seq: u64,
    pub time: String,
    pub kind: String,
    pub actors: Vec<String>,
}

pub fn employment_start_draft(
    config: &Config,
    actor: &str,
    e: &sirm_domain::records::EmploymentStart,
) -> Result<EntryDraft, AppError> {
    draft(
        config,
        Stream::Business,
        kind::EMPLOYMENT_STARTED,
        records::person_subject(&e.id),
        actor,
        e,
    )
}

pub fn employment_end_draft(
    config: &Config,
    actor: &str,
    e: &sirm_domain::records::EmploymentEnd,
) -> Result<EntryDraft, AppError> {
    records::check_text("reason", &e.reason, 400).map_err(AppError::invalid_record)?;
    draft(
        config,
        Stream::Business,
        kind::EMPLOYMENT_ENDED,
        records::person_subject(&e.id),
        actor,
        e,
    )
}
