//! What the work-injury and maternity claims share: the enrolment hook,
//! the subject that keeps one claim of a kind open per person, and the rule
//! set figures of a year.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sirm_domain::id::PersonKey;
use sirm_domain::rules::ruleset::Params;
use sirm_domain::rules::Month;
use sirm_domain::RuleId;

use crate::{AppError, Sirm};

/// The insurance types a claim is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Insurance {
    /// 工伤保险.
    WorkInjury,
    /// 生育保险 (merged into medical insurance: the medical relationship).
    Maternity,
    /// 失业保险.
    Unemployment,
}

impl Insurance {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Insurance::WorkInjury => "work_injury",
            Insurance::Maternity => "maternity",
            Insurance::Unemployment => "unemployment",
        }
    }

    /// The insurance relationship (参保关系) that covers the claim, and
    /// its name.
    fn relation(self) -> (sirm_domain::rules::Insurance, &'static str) {
        use sirm_domain::rules::Insurance as I;
        match self {
            Insurance::WorkInjury => (I::WorkInjury, "work_injury"),
            Insurance::Maternity => (I::Medical, "medical"),
            Insurance::Unemployment => (I::Unemployment, "unemployment"),
        }
    }
}

/// Is the person insured for `insurance` on `on` (with the employer named,
/// when one is)? Two conditions: an employment covering the date, and the
/// insurance relationship of the type (参保关系: maternity is the medical
/// relationship) not suspended or terminated for the month of the date.
/// Refused by rule `claim.not-enrolled`, naming `field` and the type.
pub(crate) async fn ensure_enrolled(
    sirm: &Sirm,
    person: &PersonKey,
    insurance: Insurance,
    on: NaiveDate,
    employer: Option<&str>,
    field: &'static str,
) -> Result<(), AppError> {
    let jobs = sirm.store.employments_of(person.as_str()).await?;
    let covered = jobs.iter().any(|j| {
        j.start_on <= on
            && j.end_on.is_none_or(|end| end >= on)
            && employer.is_none_or(|c| c == j.credit_code)
    });
    if !covered {
        return Err(AppError::invalid_by(
            field,
            RuleId::ClaimNotEnrolled,
            format!(
                "{} is not insured for {} on {on}{} (no employment covering the date)",
                person.short(),
                insurance.as_str(),
                employer.map(|c| format!(" with {c}")).unwrap_or_default()
            ),
        ));
    }
    ensure_relation(sirm, person, insurance, on, field).await
}

/// Refuse (rule `claim.not-enrolled`, naming `field` and the type) a claim
/// whose insurance relationship is suspended or terminated for the month
/// of `on` (`insurance.suspend` / `insurance.terminate`).
pub(crate) async fn ensure_relation(
    sirm: &Sirm,
    person: &PersonKey,
    insurance: Insurance,
    on: NaiveDate,
    field: &'static str,
) -> Result<(), AppError> {
    let month = Month::of_date(on);
    let (relation, name) = insurance.relation();
    if sirm.enrolled_in(person, month).await?.has(relation) {
        return Ok(());
    }
    Err(AppError::invalid_by(
        field,
        RuleId::ClaimNotEnrolled,
        format!(
            "{} is not enrolled in {} insurance for {month} (the relationship is suspended or terminated)",
            person.short(),
            name,
        ),
    ))
}

/// The application subject of a claim: one of a kind open per person
/// (`Sirm::refuse_open_duplicate` refuses a second by rule `claim.open`).
pub(crate) fn claim_subject(code: &str, id: &PersonKey) -> String {
    format!("claim:{code}:{id}")
}

/// The rule set version in force for the month computed (today's), and
/// its parameters for `year` (the year of the injury or event).
pub(crate) async fn params_for(sirm: &Sirm, year: i32) -> Result<Params, AppError> {
    let set = sirm
        .rules_for_month(Month::of_date(crate::clock::today()))
        .await?;
    set.year(year)
        .cloned()
        .map_err(|e| AppError::invalid("rule_set", e))
}

/// A regional figure the rule set must hold for the year.
pub(crate) fn figure(v: Option<Decimal>, key: &str, year: i32) -> Result<Decimal, AppError> {
    v.ok_or_else(|| {
        AppError::invalid(
            "rule_set",
            format!("the rule set in force has no {key} for {year}"),
        )
    })
}

/// The average of some monthly amounts (unrounded), or `None` for none.
pub(crate) fn average(values: &[(Month, Decimal)]) -> Option<Decimal> {
    if values.is_empty() {
        return None;
    }
    let sum: Decimal = values.iter().map(|(_, v)| *v).sum();
    Some(sum / Decimal::from(values.len()))
}
