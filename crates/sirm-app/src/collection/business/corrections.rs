//! Corrections by the maintenance officer (Art 11): registration details of
//! persons and employers, an unpaid person-month of contributions, and the
//! erasure of a person's identifying data. All go through the review chain.

use sirm_domain::access::Permission;
use sirm_domain::records::{
    self, kind, ContributionCorrection, EmployerChange, PersonChange, PersonErasure,
};
use sirm_ledger::{EntryDraft, Stream};

use super::contributions::assess;
use super::registration::{employer_of_agency, protect_person_change};
use super::{person_of_agency, Business};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::registration::{employer_change_draft, person_change_draft};
use crate::{AppError, Sirm};

/// 个人信息更正（维护）: a person change by the maintenance officer.
pub(crate) struct PersonCorrect;

impl Business for PersonCorrect {
    const NAME_ZH: &'static str = "个人信息更正（维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = PersonChange;

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

/// 单位信息更正（维护）: an employer change by the maintenance officer.
pub(crate) struct EmployerCorrect;

impl Business for EmployerCorrect {
    const NAME_ZH: &'static str = "单位信息更正（维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = EmployerChange;

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

/// 缴费记录更正（维护）: one unpaid person-month assessed again.
pub(crate) struct ContributionCorrect;

impl Business for ContributionCorrect {
    const NAME_ZH: &'static str = "缴费记录更正（维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = ContributionCorrection;

    async fn check(
        sirm: &Sirm,
        who: &Principal,
        c: &ContributionCorrection,
    ) -> Result<(), AppError> {
        person_of_agency(sirm, who, &c.id).await?;
        records::check_text("reason", &c.reason, 400)
            .map_err(|e| AppError::invalid("reason", e))?;
        if c.declared_wage.is_sign_negative() {
            return Err(AppError::invalid("declared_wage", "must not be negative"));
        }
        match sirm
            .store
            .contribution_month(c.id.as_str(), &c.month.to_string())
            .await?
        {
            None => Err(AppError::NotFound(format!(
                "contributions of {} for {}",
                c.id.short(),
                c.month
            ))),
            Some((_, _, status)) if status == "paid" => Err(AppError::Conflict(format!(
                "{} {} is already paid: a paid month is settled by refund or supplementary payment, not corrected",
                c.id.short(),
                c.month
            ))),
            Some(_) => Ok(()),
        }
    }

    async fn drafts(
        sirm: &Sirm,
        k: &ContributionCorrection,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let corrected = correct_contribution(sirm, k).await?;
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::CONTRIBUTION_CORRECTED,
            records::person_subject(&k.id),
            actor,
            &corrected,
        )?])
    }
}

/// 个人信息删除（维护）: destroys the person's data key.
pub(crate) struct PersonErase;

impl Business for PersonErase {
    const NAME_ZH: &'static str = "个人信息删除（维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = PersonErasure;

    async fn check(sirm: &Sirm, who: &Principal, e: &PersonErasure) -> Result<(), AppError> {
        person_of_agency(sirm, who, &e.id).await?;
        for (f, v, max) in [("reason", &e.reason, 400), ("basis", &e.basis, 400)] {
            records::check_text(f, v, max).map_err(|err| AppError::invalid(f, err))?;
        }
        if matches!(
            sirm.data_key(&e.id, false).await?,
            Some(crate::privacy::DataKey::Erased)
        ) {
            return Err(AppError::Conflict(format!(
                "the personal data of {} was erased already",
                e.id.short()
            )));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        e: &PersonErasure,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::PERSON_ERASED,
            records::person_subject(&e.id),
            actor,
            e,
        )?])
    }
}

/// The corrected person-month, computed again with the rules engine for
/// the employer and month on record.
async fn correct_contribution(
    sirm: &Sirm,
    k: &records::ContributionCorrection,
) -> Result<records::ContributionCorrected, AppError> {
    let (credit_code, previous, _) = sirm
        .store
        .contribution_month(k.id.as_str(), &k.month.to_string())
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!("contributions of {} for {}", k.id.short(), k.month))
        })?;
    let credit_code: sirm_domain::id::CreditCode = credit_code
        .parse()
        .map_err(|e| AppError::invalid("credit_code", e))?;
    let previous_declared_wage = previous
        .parse()
        .map_err(|e| AppError::invalid("declared_wage", e))?;
    let decl = records::ContributionDeclaration {
        credit_code,
        month: k.month,
        lines: vec![records::DeclarationLine {
            id: k.id.clone(),
            declared_wage: k.declared_wage,
        }],
    };
    let assessed: records::ContributionAssessed = assess(sirm, &decl, "sirm")
        .await?
        .into_iter()
        .next()
        .and_then(|d| serde_json::from_value(d.payload).ok())
        .ok_or_else(|| AppError::invalid("declared_wage", "could not be assessed"))?;
    Ok(records::ContributionCorrected {
        assessed,
        previous_declared_wage,
        reason: k.reason.clone(),
    })
}
