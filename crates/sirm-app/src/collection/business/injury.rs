//! Work injury (工伤保险条例): the recognition (工伤认定) and the disability
//! assessment (劳动能力鉴定) recorded as decisions, the disability benefit
//! (伤残待遇: one-time subsidy and monthly allowance) and the benefits after
//! a death from a work injury (因工死亡: funeral grant, one-time death
//! subsidy, dependents' pensions), each figure computed by the rules
//! engine (`sirm_domain::rules::benefits`) under the rule set in force.

use chrono::{Datelike, NaiveDate};
use sirm_domain::id::PersonKey;
use sirm_domain::records::{
    self, claim_kind, DeathGranted, DependentGranted, DisabilityAssessment, DisabilityGranted,
    InjuryClaim, InjuryDeathClaim, InjuryFigures, InjuryRecognition, OwnWage, MAX_GRADE,
};
use sirm_domain::rules::{benefits, Month};
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};
use sirm_store::InjuryClaimRow;

use super::claims::{average, claim_subject, ensure_enrolled, figure, params_for, Insurance};
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

/// The recognised injury of the person on the date, or rule
/// `injury.not-recognised` naming `injury_date`.
async fn recognised(
    sirm: &Sirm,
    id: &PersonKey,
    date: NaiveDate,
) -> Result<InjuryClaimRow, AppError> {
    sirm.store
        .injury_claim(id.as_str(), date)
        .await?
        .ok_or_else(|| {
            AppError::invalid_by(
                "injury_date",
                RuleId::InjuryNotRecognised,
                format!("{} has no recognised work injury on {date}", id.short()),
            )
        })
}

/// The own wage (本人工资, Art 64): the average of the contribution bases of
/// the 12 months before the injury month, or rule `claim.wage`.
async fn own_wage(sirm: &Sirm, id: &PersonKey, injury: NaiveDate) -> Result<OwnWage, AppError> {
    let m = Month::of_date(injury);
    let months = sirm
        .store
        .bases_between(id.as_str(), m.add_months(-12), m.add_months(-1))
        .await?;
    let average = average(&months).ok_or_else(|| {
        AppError::invalid_by(
            "own_wage",
            RuleId::ClaimWage,
            format!(
                "no contribution base on record in the 12 months before {}",
                m
            ),
        )
    })?;
    Ok(OwnWage { months, average })
}

/// 工伤认定.
pub(crate) struct Recognise;

impl Business for Recognise {
    const NAME_ZH: &'static str = "工伤认定";
    type Data = InjuryRecognition;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, NaiveDate)> {
        vec![("injury_date", d.injury_date), ("decided_on", d.decided_on)]
    }

    fn subject(d: &Self::Data, _: &[EntryDraft]) -> String {
        claim_subject("injury.recognise", &d.id)
    }

    async fn check(sirm: &Sirm, who: &Principal, r: &InjuryRecognition) -> Result<(), AppError> {
        person_of_agency(sirm, who, &r.id).await?;
        r.validate().map_err(AppError::invalid_record)?;
        super::registration::employer_of_agency(sirm, who, &r.credit_code).await?;
        ensure_enrolled(
            sirm,
            &r.id,
            Insurance::WorkInjury,
            r.injury_date,
            Some(r.credit_code.as_str()),
            "injury_date",
        )
        .await?;
        if sirm
            .store
            .injury_claim(r.id.as_str(), r.injury_date)
            .await?
            .is_some()
        {
            return Err(AppError::conflict_by(
                RuleId::ClaimOpen,
                format!(
                    "injury_date: {} has a work injury on {} recognised already",
                    r.id.short(),
                    r.injury_date
                ),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        r: &InjuryRecognition,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        entry(sirm, claim_kind::INJURY_RECOGNISED, &r.id, actor, r)
    }
}

/// 劳动能力鉴定.
pub(crate) struct Assess;

impl Business for Assess {
    const NAME_ZH: &'static str = "劳动能力鉴定（伤残等级）";
    type Data = DisabilityAssessment;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, NaiveDate)> {
        vec![("assessed_on", d.assessed_on)]
    }

    fn subject(d: &Self::Data, _: &[EntryDraft]) -> String {
        claim_subject("injury.assess", &d.id)
    }

    async fn check(sirm: &Sirm, who: &Principal, a: &DisabilityAssessment) -> Result<(), AppError> {
        person_of_agency(sirm, who, &a.id).await?;
        if !(1..=i64::from(MAX_GRADE)).contains(&a.grade) {
            return Err(AppError::invalid_by(
                "grade",
                RuleId::InjuryGrade,
                format!("{} is not a disability grade from 1 to 10", a.grade),
            ));
        }
        a.validate().map_err(AppError::invalid_record)?;
        let injury = recognised(sirm, &a.id, a.injury_date).await?;
        if injury.status != "recognised" {
            return Err(AppError::conflict_by(
                RuleId::ClaimOpen,
                format!(
                    "injury_date: the work injury of {} on {} is assessed already (grade {})",
                    a.id.short(),
                    a.injury_date,
                    injury.grade
                ),
            ));
        }
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        a: &DisabilityAssessment,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        entry(sirm, claim_kind::INJURY_ASSESSED, &a.id, actor, a)
    }
}

/// 工伤伤残待遇核定.
pub(crate) struct DisabilityBenefit;

impl Business for DisabilityBenefit {
    const NAME_ZH: &'static str = "工伤伤残待遇核定";
    type Data = InjuryClaim;

    fn subject(d: &Self::Data, _: &[EntryDraft]) -> String {
        claim_subject("injury.disability", &d.id)
    }

    async fn check(sirm: &Sirm, who: &Principal, c: &InjuryClaim) -> Result<(), AppError> {
        person_of_agency(sirm, who, &c.id).await?;
        let injury = recognised(sirm, &c.id, c.injury_date).await?;
        match injury.status.as_str() {
            "recognised" => Err(AppError::invalid_by(
                "injury_date",
                RuleId::InjuryNotAssessed,
                format!(
                    "the work injury of {} on {} has no disability grade yet",
                    c.id.short(),
                    c.injury_date
                ),
            )),
            "assessed" => {
                ensure_enrolled(
                    sirm,
                    &c.id,
                    Insurance::WorkInjury,
                    c.injury_date,
                    Some(&injury.credit_code),
                    "injury_date",
                )
                .await
            }
            _ => Err(AppError::conflict_by(
                RuleId::ClaimOpen,
                format!(
                    "injury_date: the benefits of the work injury of {} on {} are granted already",
                    c.id.short(),
                    c.injury_date
                ),
            )),
        }
    }

    async fn drafts(
        sirm: &Sirm,
        c: &InjuryClaim,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let g = disability_of(sirm, c).await?;
        entry(
            sirm,
            claim_kind::INJURY_DISABILITY_GRANTED,
            &c.id,
            actor,
            &g,
        )
    }
}

/// The disability benefit computed by `work-injury-disability`.
async fn disability_of(sirm: &Sirm, c: &InjuryClaim) -> Result<DisabilityGranted, AppError> {
    let injury = recognised(sirm, &c.id, c.injury_date).await?;
    let grade = u8::try_from(injury.grade)
        .ok()
        .filter(|g| (1..=MAX_GRADE).contains(g))
        .ok_or_else(|| {
            AppError::invalid_by(
                "injury_date",
                RuleId::InjuryNotAssessed,
                "the work injury has no disability grade",
            )
        })?;
    let assessed_on: NaiveDate = injury.assessed_on.parse().map_err(|_| {
        AppError::invalid_by(
            "injury_date",
            RuleId::InjuryNotAssessed,
            "the work injury has no assessment date",
        )
    })?;
    let credit_code = injury
        .credit_code
        .parse()
        .map_err(|e| AppError::invalid_id("credit_code", e))?;
    let wage = own_wage(sirm, &c.id, c.injury_date).await?;
    let year = c.injury_date.year();
    let p = params_for(sirm, year).await?;
    let avg_wage = figure(p.avg_wage, "avg_wage", year)?;
    let min_wage = p.benefits.min_wage;
    let r = benefits::work_injury_disability(
        p.rounding.amount,
        wage.average,
        avg_wage,
        grade,
        min_wage,
    )
    .map_err(|e| AppError::invalid("grade", e))?;
    Ok(DisabilityGranted {
        id: c.id.clone(),
        injury_date: c.injury_date,
        credit_code,
        grade,
        own_wage: wage,
        figures: InjuryFigures {
            rule_set: p.rule_set,
            year,
            avg_wage,
            min_wage,
            national_disposable_income: None,
        },
        wage_used: r.wage_used,
        wage_clamped: r.wage_clamped,
        lump_sum_months: r.lump_sum_months,
        lump_sum: r.lump_sum,
        allowance_rate: r.allowance_rate,
        monthly_allowance: r.monthly_allowance,
        raised_to_min_wage: r.raised_to_min_wage,
        allowance_payer: payer_name(r.allowance_payer).into(),
        start_month: Month::of_date(assessed_on).add_months(1),
    })
}

fn payer_name(p: benefits::AllowancePayer) -> &'static str {
    match p {
        benefits::AllowancePayer::Fund => "fund",
        benefits::AllowancePayer::Employer => "employer",
        benefits::AllowancePayer::None => "none",
    }
}

/// 因工死亡待遇核定.
pub(crate) struct DeathBenefit;

impl Business for DeathBenefit {
    const NAME_ZH: &'static str = "因工死亡待遇核定";
    type Data = InjuryDeathClaim;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, NaiveDate)> {
        vec![("died_on", d.died_on)]
    }

    fn subject(d: &Self::Data, _: &[EntryDraft]) -> String {
        claim_subject("injury.death", &d.id)
    }

    async fn check(sirm: &Sirm, who: &Principal, c: &InjuryDeathClaim) -> Result<(), AppError> {
        person_of_agency(sirm, who, &c.id).await?;
        let injury = recognised(sirm, &c.id, c.injury_date).await?;
        if injury.status == "died" {
            return Err(AppError::conflict_by(
                RuleId::ClaimOpen,
                format!(
                    "injury_date: the death benefits of {} are granted already",
                    c.id.short()
                ),
            ));
        }
        if c.died_on < c.injury_date {
            return Err(AppError::invalid_by(
                "died_on",
                RuleId::DateOrder,
                format!("{} is before injury_date {}", c.died_on, c.injury_date),
            ));
        }
        dependents(c)?;
        ensure_enrolled(
            sirm,
            &c.id,
            Insurance::WorkInjury,
            c.injury_date,
            Some(&injury.credit_code),
            "injury_date",
        )
        .await
    }

    async fn drafts(
        sirm: &Sirm,
        c: &InjuryDeathClaim,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let g = death_of(sirm, c).await?;
        entry(sirm, claim_kind::INJURY_DEATH_GRANTED, &c.id, actor, &g)
    }
}

/// The dependents as the rules engine takes them: `spouse` or `other`, at
/// most one spouse, at most 20.
fn dependents(c: &InjuryDeathClaim) -> Result<Vec<benefits::Dependent>, AppError> {
    if c.dependents.len() > 20 {
        return Err(AppError::invalid("dependents", "at most 20 dependents"));
    }
    let mut out = Vec::with_capacity(c.dependents.len());
    for (i, d) in c.dependents.iter().enumerate() {
        let (spouse, alone) = match d.trim() {
            "spouse" => (true, false),
            "spouse_alone" => (true, true),
            "other" => (false, false),
            "other_alone" => (false, true),
            other => {
                return Err(AppError::invalid(
                    format!("dependents[{}]", i + 1),
                    format!("{other:?} is not spouse, other, spouse_alone or other_alone"),
                ))
            }
        };
        out.push(benefits::Dependent { spouse, alone });
    }
    if out.iter().filter(|d| d.spouse).count() > 1 {
        return Err(AppError::invalid(
            "dependents",
            "names more than one spouse",
        ));
    }
    Ok(out)
}

/// The death benefits computed by `work-injury-death`.
async fn death_of(sirm: &Sirm, c: &InjuryDeathClaim) -> Result<DeathGranted, AppError> {
    let injury = recognised(sirm, &c.id, c.injury_date).await?;
    let credit_code = injury
        .credit_code
        .parse()
        .map_err(|e| AppError::invalid_id("credit_code", e))?;
    let deps = dependents(c)?;
    let wage = own_wage(sirm, &c.id, c.injury_date).await?;
    let year = c.died_on.year();
    let p = params_for(sirm, year).await?;
    let avg_wage = figure(p.avg_wage, "avg_wage", year)?;
    let income = figure(
        p.benefits.national_disposable_income,
        "national_disposable_income",
        year,
    )?;
    let r = benefits::work_injury_death(p.rounding.amount, wage.average, avg_wage, income, &deps)
        .map_err(|e| AppError::invalid("dependents", e))?;
    Ok(DeathGranted {
        id: c.id.clone(),
        injury_date: c.injury_date,
        died_on: c.died_on,
        credit_code,
        own_wage: wage,
        figures: InjuryFigures {
            rule_set: p.rule_set,
            year,
            avg_wage,
            min_wage: None,
            national_disposable_income: Some(income),
        },
        wage_used: r.wage_used,
        funeral_grant: r.funeral_grant,
        death_subsidy: r.death_subsidy,
        dependent_pensions: r
            .dependent_pensions
            .iter()
            .map(|d| DependentGranted {
                relation: d.relation.to_string(),
                alone: d.alone,
                rate: d.rate,
                monthly: d.monthly,
            })
            .collect(),
        dependents_total: r.dependents_total,
        capped: r.capped,
    })
}
