//! Registration: persons (参保登记, 个人信息变更) and employers (单位登记,
//! 变更, 注销). The drafts are the registration module's; the checks here
//! say whether the record fits what is registered now.

use sirm_domain::id::CreditCode;
use sirm_domain::records::{
    self, EmployerChange, EmployerDeregistration, EmployerRegistration, PersonChange,
    PersonRegistration,
};
use sirm_domain::RuleId;
use sirm_ledger::EntryDraft;

use super::{parse, person_of_agency, Business};
use crate::identity::Principal;
use crate::registration::{
    employer_change_draft, employer_deregistration_draft, employer_draft, person_change_draft,
    person_draft,
};
use crate::{AppError, Sirm};

/// 参保登记: a person registered for the first time.
pub(crate) struct PersonRegister;

impl Business for PersonRegister {
    const NAME_ZH: &'static str = "参保登记";
    type Data = PersonRegistration;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("registered_on", d.registered_on)]
    }

    async fn protect(sirm: &Sirm, data: serde_json::Value) -> Result<serde_json::Value, AppError> {
        let d: records::PersonDetails = parse(&data)?;
        serde_json::to_value(sirm.seal_registration(&d).await?)
            .map_err(|e| AppError::invalid("data", e))
    }

    async fn check(sirm: &Sirm, _who: &Principal, p: &PersonRegistration) -> Result<(), AppError> {
        // A number a registered person changed to is theirs (read from
        // the table: this process's alias copy may be a request behind).
        if sirm.store.person(p.id.as_str()).await?.is_some()
            || sirm.store.alias_target(p.id.as_str()).await?.is_some()
        {
            return Err(AppError::conflict_by(
                RuleId::RegistrationDuplicate,
                format!("person {} is already registered", p.id.short()),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        p: &PersonRegistration,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![person_draft(&sirm.config, actor, p)?])
    }
}

/// 个人信息变更: a registered person's details changed.
pub(crate) struct PersonChangeOf;

impl Business for PersonChangeOf {
    const NAME_ZH: &'static str = "个人信息变更";
    type Data = PersonChange;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("effective_on", d.effective_on)]
    }

    async fn protect(sirm: &Sirm, data: serde_json::Value) -> Result<serde_json::Value, AppError> {
        protect_person_change(sirm, data).await
    }

    async fn check(sirm: &Sirm, who: &Principal, c: &PersonChange) -> Result<(), AppError> {
        person_of_agency(sirm, who, &c.id).await
    }

    async fn drafts(
        sirm: &Sirm,
        p: &PersonChange,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![person_change_draft(&sirm.config, actor, p)?])
    }
}

/// A person change as entered → sealed (shared with the correction).
pub(crate) async fn protect_person_change(
    sirm: &Sirm,
    data: serde_json::Value,
) -> Result<serde_json::Value, AppError> {
    let d: records::PersonChangeDetails = parse(&data)?;
    serde_json::to_value(sirm.seal_change(&d).await?).map_err(|e| AppError::invalid("data", e))
}

/// 用人单位登记.
pub(crate) struct EmployerRegister;

impl Business for EmployerRegister {
    const NAME_ZH: &'static str = "用人单位登记";
    type Data = EmployerRegistration;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("registered_on", d.registered_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, e: &EmployerRegistration) -> Result<(), AppError> {
        if sirm
            .store
            .employer_exists(e.credit_code.as_str(), &who.agency)
            .await?
        {
            return Err(AppError::conflict_by(
                RuleId::RegistrationDuplicate,
                format!("employer {} is already registered", e.credit_code),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        e: &EmployerRegistration,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![employer_draft(&sirm.config, actor, e)?])
    }
}

/// 用人单位变更登记.
pub(crate) struct EmployerChangeOf;

impl Business for EmployerChangeOf {
    const NAME_ZH: &'static str = "用人单位变更登记";
    type Data = EmployerChange;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("effective_on", d.effective_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, e: &EmployerChange) -> Result<(), AppError> {
        employer_of_agency(sirm, who, &e.credit_code).await
    }

    async fn drafts(
        sirm: &Sirm,
        e: &EmployerChange,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![employer_change_draft(&sirm.config, actor, e)?])
    }
}

/// 用人单位注销登记.
pub(crate) struct EmployerDeregister;

impl Business for EmployerDeregister {
    const NAME_ZH: &'static str = "用人单位注销登记";
    type Data = EmployerDeregistration;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("effective_on", d.effective_on)]
    }

    async fn check(
        sirm: &Sirm,
        who: &Principal,
        e: &EmployerDeregistration,
    ) -> Result<(), AppError> {
        employer_of_agency(sirm, who, &e.credit_code).await
    }

    async fn drafts(
        sirm: &Sirm,
        e: &EmployerDeregistration,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![employer_deregistration_draft(&sirm.config, actor, e)?])
    }
}

/// A registered employer of the principal's agency (or not found).
pub(crate) async fn employer_of_agency(
    sirm: &Sirm,
    who: &Principal,
    credit_code: &CreditCode,
) -> Result<(), AppError> {
    if !sirm
        .store
        .employer_exists(credit_code.as_str(), &who.agency)
        .await?
    {
        return Err(AppError::not_found(
            RuleId::NotFoundEmployer,
            format!("employer {credit_code} in agency {}", who.agency),
        ));
    }
    Ok(())
}
