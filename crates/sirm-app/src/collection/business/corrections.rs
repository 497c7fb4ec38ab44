//! Corrections by the maintenance officer (Art 11): registration details of
//! persons and employers, an unpaid person-month of contributions, and the
//! erasure of a person's identifying data. All go through the review chain.

use sirm_domain::access::Permission;
use sirm_domain::records::{self, kind, ContributionCorrection, PersonErasure};
use sirm_domain::status::ContributionStatus;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::contributions::assess;
use super::registration::{EmployerChangeOf, PersonChangeOf};
use super::{person_of_agency, Business, DraftStream};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// A registration detail corrected by the maintenance officer (维护): the
/// same raw data, checks and ledger entries as the change it corrects
/// (`Change`), under its own name and taken by the maintenance officer.
pub(crate) trait Corrects {
    const NAME_ZH: &'static str;
    type Change: Business;
}

impl<C: Corrects> Business for C {
    const NAME_ZH: &'static str = <C as Corrects>::NAME_ZH;
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = <C::Change as Business>::Data;

    async fn protect(sirm: &Sirm, data: serde_json::Value) -> Result<serde_json::Value, AppError> {
        C::Change::protect(sirm, data).await
    }

    async fn check(sirm: &Sirm, who: &Principal, data: &Self::Data) -> Result<(), AppError> {
        C::Change::check(sirm, who, data).await
    }

    async fn drafts(
        sirm: &Sirm,
        data: &Self::Data,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        C::Change::drafts(sirm, data, actor).await
    }

    fn past_dates(data: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        C::Change::past_dates(data)
    }

    fn subject(data: &Self::Data, drafts: &[EntryDraft]) -> String {
        C::Change::subject(data, drafts)
    }

    async fn on_approval(
        sirm: &Sirm,
        who: &Principal,
        data: &Self::Data,
        application: &str,
        actors: Vec<String>,
    ) -> Result<Option<DraftStream>, AppError> {
        C::Change::on_approval(sirm, who, data, application, actors).await
    }
}

/// 个人信息更正（维护）: a person change by the maintenance officer.
pub(crate) struct PersonCorrect;

impl Corrects for PersonCorrect {
    const NAME_ZH: &'static str = "个人信息更正（维护）";
    type Change = PersonChangeOf;
}

/// 单位信息更正（维护）: an employer change by the maintenance officer.
pub(crate) struct EmployerCorrect;

impl Corrects for EmployerCorrect {
    const NAME_ZH: &'static str = "单位信息更正（维护）";
    type Change = EmployerChangeOf;
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
        records::check_text("reason", &c.reason, 400).map_err(AppError::invalid_record)?;
        if c.declared_wage.is_sign_negative() {
            return Err(AppError::invalid("declared_wage", "must not be negative"));
        }
        match sirm
            .store
            .contribution_month(c.id.as_str(), &c.month.to_string())
            .await?
        {
            None => Err(AppError::not_found(
RuleId::NotFoundContribution,format!(
                "contributions of {} for {}",
                c.id.short(),
                c.month
            ))),
            Some((_, _, ContributionStatus::Paid)) => Err(AppError::conflict_by(RuleId::AlreadyDone, format!(
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
            records::check_text(f, v, max).map_err(AppError::invalid_record)?;
        }
        if matches!(
            sirm.data_key(&e.id, false).await?,
            Some(crate::privacy::DataKey::Erased)
        ) {
            return Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!("the personal data of {} was erased already", e.id.short()),
            ));
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
            AppError::not_found(
                RuleId::NotFoundContribution,
                format!("contributions of {} for {}", k.id.short(), k.month),
            )
        })?;
    let credit_code: sirm_domain::id::CreditCode = credit_code
        .parse()
        .map_err(|e| AppError::invalid_id("credit_code", e))?;
    let previous_declared_wage = previous;
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
