//! Maternity (生育): a birth or miscarriage recorded (生育/流产登记), the
//! maternity allowance (生育津贴) computed by the rules engine
//! (`maternity-allowance`) from the employer's average monthly wage of the
//! previous year, and medical expenses recorded as paid (生育医疗费用).

use chrono::{Datelike, NaiveDate};
use sirm_domain::id::PersonKey;
use sirm_domain::records::{
    self, claim_kind, MaternityAllowanceGranted, MaternityClaim, MaternityEventRecord,
    MaternityMedical,
};
use sirm_domain::rules::benefits::{self, MaternityEvent};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};
use sirm_store::MaternityClaimRow;

use super::claims::{average, claim_subject, ensure_enrolled, params_for, Insurance};
use super::{person_of_agency, Business};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

fn entry<T: serde::Serialize>(
    sirm: &Sirm,
    kind: &str,
    id: &PersonKey,
    actor: &str,
    payload: &T,
) -> Result<Vec<EntryDraft>, AppError> {
    Ok(vec![draft(
        &sirm.config,
        Stream::Business,
        kind,
        records::person_subject(id),
        actor,
        payload,
    )?])
}

/// The recorded birth or miscarriage of the person on the date, or rule
/// `maternity.no-event` naming `event_date`.
async fn recorded(
    sirm: &Sirm,
    id: &PersonKey,
    date: NaiveDate,
) -> Result<MaternityClaimRow, AppError> {
    sirm.store
        .maternity_claim(id.as_str(), date)
        .await?
        .ok_or_else(|| {
            AppError::invalid_by(
                "event_date",
                RuleId::MaternityNoEvent,
                format!(
                    "{} has no birth or miscarriage recorded on {date}",
                    id.short()
                ),
            )
        })
}

/// 生育/流产登记.
pub(crate) struct RecordEvent;

impl Business for RecordEvent {
    const NAME_ZH: &'static str = "生育/流产登记";
    type Data = MaternityEventRecord;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, NaiveDate)> {
        vec![("event_date", d.event_date)]
    }

    fn subject(d: &Self::Data, _: &[EntryDraft]) -> String {
        claim_subject("maternity.record", &d.id)
    }

    async fn check(sirm: &Sirm, who: &Principal, m: &MaternityEventRecord) -> Result<(), AppError> {
        person_of_agency(sirm, who, &m.id).await?;
        m.validate().map_err(AppError::invalid_record)?;
        super::registration::employer_of_agency(sirm, who, &m.credit_code).await?;
        ensure_enrolled(
            sirm,
            &m.id,
            Insurance::Maternity,
            m.event_date,
            Some(m.credit_code.as_str()),
            "event_date",
        )
        .await?;
        if sirm
            .store
            .maternity_claim(m.id.as_str(), m.event_date)
            .await?
            .is_some()
        {
            return Err(AppError::conflict_by(
                RuleId::ClaimOpen,
                format!(
                    "event_date: {} has an event on {} recorded already",
                    m.id.short(),
                    m.event_date
                ),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        m: &MaternityEventRecord,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        entry(sirm, claim_kind::MATERNITY_RECORDED, &m.id, actor, m)
    }
}

/// 生育津贴核定.
pub(crate) struct Allowance;

impl Business for Allowance {
    const NAME_ZH: &'static str = "生育津贴核定";
    type Data = MaternityClaim;

    fn subject(d: &Self::Data, _: &[EntryDraft]) -> String {
        claim_subject("maternity.allowance", &d.id)
    }

    async fn check(sirm: &Sirm, who: &Principal, c: &MaternityClaim) -> Result<(), AppError> {
        person_of_agency(sirm, who, &c.id).await?;
        let event = recorded(sirm, &c.id, c.event_date).await?;
        if event.status != "recorded" {
            return Err(AppError::conflict_by(
                RuleId::ClaimOpen,
                format!(
                    "event_date: the maternity allowance of {} for {} is granted already",
                    c.id.short(),
                    c.event_date
                ),
            ));
        }
        ensure_enrolled(
            sirm,
            &c.id,
            Insurance::Maternity,
            c.event_date,
            Some(&event.credit_code),
            "event_date",
        )
        .await
    }

    async fn drafts(
        sirm: &Sirm,
        c: &MaternityClaim,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let g = allowance_of(sirm, c).await?;
        entry(
            sirm,
            claim_kind::MATERNITY_ALLOWANCE_GRANTED,
            &c.id,
            actor,
            &g,
        )
    }
}

/// The allowance computed by `maternity-allowance`: the employer's average
/// monthly wage (contribution bases) of the year before the event ÷ 30 ×
/// the leave days.
async fn allowance_of(
    sirm: &Sirm,
    c: &MaternityClaim,
) -> Result<MaternityAllowanceGranted, AppError> {
    let event = recorded(sirm, &c.id, c.event_date).await?;
    let kind = MaternityEvent::parse(&event.event).ok_or_else(|| {
        AppError::invalid(
            "event",
            format!("{:?} is not a maternity event", event.event),
        )
    })?;
    let year = c.event_date.year();
    let wage_year = year - 1;
    let bases = sirm
        .store
        .employer_bases_of_year(&event.credit_code, wage_year)
        .await?;
    let avg = average(&bases).ok_or_else(|| {
        AppError::invalid_by(
            "employer_avg_monthly_wage",
            RuleId::ClaimWage,
            format!(
                "employer {} has no wages (contribution bases) on record for {wage_year}",
                event.credit_code
            ),
        )
    })?;
    let p = params_for(sirm, year).await?;
    let babies = u32::try_from(event.babies).unwrap_or(1);
    let extra = p.benefits.maternity_extra_days.unwrap_or(0);
    let r = benefits::maternity_allowance(
        p.rounding.amount,
        avg,
        kind,
        event.difficult_birth,
        babies,
        extra,
    )
    .map_err(|e| AppError::invalid("employer_avg_monthly_wage", e))?;
    Ok(MaternityAllowanceGranted {
        id: c.id.clone(),
        event_date: c.event_date,
        credit_code: event
            .credit_code
            .parse()
            .map_err(|e| AppError::invalid_id("credit_code", e))?,
        event: event.event.clone(),
        rule_set: p.rule_set,
        wage_year,
        wage_months: u32::try_from(bases.len()).unwrap_or(u32::MAX),
        employer_avg_monthly_wage: avg,
        base_days: r.base_days,
        difficult_birth_days: r.difficult_birth_days,
        multiple_birth_days: r.multiple_birth_days,
        extra_days: r.extra_days,
        days: r.days,
        amount: r.amount,
    })
}

/// 生育医疗费用: an expense recorded as paid (a fact, not a computed figure).
pub(crate) struct Medical;

impl Business for Medical {
    const NAME_ZH: &'static str = "生育医疗费用登记";
    type Data = MaternityMedical;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, NaiveDate)> {
        vec![("paid_on", d.paid_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, m: &MaternityMedical) -> Result<(), AppError> {
        person_of_agency(sirm, who, &m.id).await?;
        m.validate().map_err(AppError::invalid_record)?;
        recorded(sirm, &m.id, m.event_date).await.map(drop)
    }

    async fn drafts(
        sirm: &Sirm,
        m: &MaternityMedical,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        entry(sirm, claim_kind::MATERNITY_MEDICAL_PAID, &m.id, actor, m)
    }
}
