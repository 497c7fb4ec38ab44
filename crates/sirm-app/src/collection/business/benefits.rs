//! Benefits: the retirement benefit (退休待遇核定), computed from the record,
//! and its suspension or termination (待遇暂停 / 终止).

use sirm_domain::records::{self, kind, BenefitStatusChange, RetirementApplication};
use sirm_domain::status::BenefitStatus;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};

use super::{person_of_agency, Business};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

/// 退休待遇核定: eligibility and pension computed at submission and again
/// at approval.
pub(crate) struct Retire;

impl Business for Retire {
    const NAME_ZH: &'static str = "退休待遇核定";
    type Data = RetirementApplication;

    async fn check(
        sirm: &Sirm,
        who: &Principal,
        r: &RetirementApplication,
    ) -> Result<(), AppError> {
        person_of_agency(sirm, who, &r.id).await?;
        if sirm.store.benefit_of(r.id.as_str()).await?.is_some() {
            return Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!("{} already has a benefit granted", r.id.short()),
            ));
        }
        // Eligibility and pension are computed by `drafts`.
        Ok(())
    }

    async fn drafts(
        sirm: &Sirm,
        r: &RetirementApplication,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let granted = compute_benefit(sirm, r).await?;
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::BENEFIT_GRANTED,
            records::person_subject(&r.id),
            actor,
            &granted,
        )?])
    }
}

/// 待遇暂停 / 终止.
pub(crate) struct Status;

impl Business for Status {
    const NAME_ZH: &'static str = "待遇暂停 / 终止";
    type Data = BenefitStatusChange;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        vec![("effective_on", d.effective_on)]
    }

    async fn check(sirm: &Sirm, who: &Principal, b: &BenefitStatusChange) -> Result<(), AppError> {
        person_of_agency(sirm, who, &b.id).await?;
        if b.status == BenefitStatus::Granted {
            return Err(AppError::invalid(
                "status",
                format!("{} is not suspended or terminated", b.status),
            ));
        }
        records::check_text("reason", &b.reason, 400).map_err(AppError::invalid_record)?;
        match sirm.store.benefit_of(b.id.as_str()).await? {
            None => Err(AppError::not_found(
                RuleId::NotFoundBenefit,
                format!("a benefit of {}", b.id.short()),
            )),
            Some((BenefitStatus::Terminated, ..)) => Err(AppError::conflict_by(
                RuleId::AlreadyDone,
                format!("the benefit of {} is already terminated", b.id.short()),
            )),
            Some(_) => Ok(()),
        }
    }

    /// The change with the benefit paid for months after it took effect
    /// (the overpayment to recover), computed from the payments recorded.
    async fn drafts(
        sirm: &Sirm,
        b: &BenefitStatusChange,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let pays: Vec<(sirm_domain::rules::Month, rust_decimal::Decimal)> = sirm
            .store
            .benefit_payments_of(b.id.as_str())
            .await?
            .into_iter()
            .map(|p| (p.month, p.amount))
            .collect();
        let mut change = b.clone();
        // Due up to the day before the change takes effect.
        let last_due = b.effective_on.pred_opt().unwrap_or(b.effective_on);
        change.overpaid = Some(records::crosscheck::overpaid_after(last_due, &pays));
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::BENEFIT_STATUS,
            records::person_subject(&b.id),
            actor,
            &change,
        )?])
    }
}

/// Eligibility and pension of a retirement application, computed from
/// the record (paid bases, last closing balance) by [`benefit_of_record`].
async fn compute_benefit(
    sirm: &Sirm,
    r: &records::RetirementApplication,
) -> Result<records::BenefitGranted, AppError> {
    let today = chrono::Utc::now().date_naive();
    let set = sirm
        .rules_for_month(sirm_domain::rules::Month::of_date(today))
        .await?;
    let bases = sirm.store.paid_bases(r.id.as_str()).await?;
    let balance = match sirm.store.account_years_of(r.id.as_str()).await?.last() {
        Some(y) => y.closing_balance,
        None => rust_decimal::Decimal::ZERO,
    };
    let birth_date = sirm.birth_date_of(&r.id).await?;
    benefit_of_record(&set, r, birth_date, &bases, balance, today)
}

impl Sirm {
    /// A registered person's birth date (kept in clear on the person row:
    /// the rules engine needs it and must be recomputable without keys).
    pub(crate) async fn birth_date_of(
        &self,
        id: &sirm_domain::id::PersonKey,
    ) -> Result<chrono::NaiveDate, AppError> {
        let row = self.store.person(id.as_str()).await?.ok_or_else(|| {
            AppError::not_found(RuleId::NotFoundPerson, format!("person {}", id.short()))
        })?;
        Ok(row.birth_date)
    }
}

/// Eligibility and pension from a person's record: statutory retirement
/// month reached by `today`, minimum contribution months met, pension by
/// 国发〔2005〕38号 (RULES.md). `bases` are the paid months with their
/// contribution bases; `balance` the personal account's last closing balance.
pub fn benefit_of_record(
    set: &sirm_domain::rules::ruleset::RuleSet,
    r: &records::RetirementApplication,
    birth_date: chrono::NaiveDate,
    bases: &[(sirm_domain::rules::Month, rust_decimal::Decimal)],
    balance: rust_decimal::Decimal,
    today: chrono::NaiveDate,
) -> Result<records::BenefitGranted, AppError> {
    use sirm_domain::rules::engine;
    let ret = engine::retirement(set, birth_date, r.category, today)
        .map_err(|e| AppError::invalid("category", e))?;
    let this_month = sirm_domain::rules::Month::of_date(today);
    if ret.retirement_month > this_month {
        return Err(AppError::invalid(
            "id",
            format!(
                "statutory retirement month is {} ({} years {} months); not reached",
                ret.retirement_month, ret.age_years, ret.age_months
            ),
        ));
    }
    let paid_months = bases.len() as u32;
    let months = paid_months + r.deemed_months;
    if months < ret.min_contribution_months {
        return Err(AppError::invalid(
            "contribution_months",
            format!("{months} months ({paid_months} paid + {} deemed) are fewer than the {} required for retirement in {}", r.deemed_months, ret.min_contribution_months, ret.retirement_month),
        ));
    }
    let mut ratios = Vec::with_capacity(bases.len());
    for (month, base) in bases {
        let year = month.year();
        let avg = set
            .year(year)
            .ok()
            .and_then(|p| p.avg_wage)
            .ok_or_else(|| AppError::invalid("rule_set", format!("no average wage for {year}")))?;
        ratios.push((*base, avg));
    }
    let retire_year = ret.retirement_month.year();
    let params = set
        .year(retire_year)
        .map_err(|e| AppError::invalid("retirement year", e))?;
    let index = if ratios.is_empty() {
        engine::IndexResult {
            months: 0,
            sum_of_ratios: rust_decimal::Decimal::ZERO,
            index_unrounded: rust_decimal::Decimal::ZERO,
            rounding: params.rounding.index,
            index: rust_decimal::Decimal::ZERO,
        }
    } else {
        engine::contribution_index(params.rounding.index, &ratios)
            .map_err(|e| AppError::invalid("contribution_index", e))?
    };
    let c = params.pension_base_wage.ok_or_else(|| {
        AppError::invalid(
            "rule_set",
            format!("no pension base wage (C) for {retire_year}"),
        )
    })?;
    let deemed_years = (r.deemed_months > 0)
        .then(|| rust_decimal::Decimal::from(r.deemed_months) / rust_decimal::Decimal::from(12u32));
    let pension = engine::pension(
        set,
        &engine::PensionInputs {
            year: Some(retire_year),
            avg_wage: c,
            contribution_index: index.index,
            contribution_months: months,
            account_balance: balance,
            retirement_age_years: ret.age_years,
            deemed_years,
            transitional_coefficient: None,
        },
    )
    .map_err(|e| AppError::invalid("pension", e))?;
    Ok(records::BenefitGranted {
        id: r.id.clone(),
        retirement: ret,
        paid_months,
        deemed_months: r.deemed_months,
        index,
        pension,
    })
}
