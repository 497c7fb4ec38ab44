//! Corrections that follow a corrected record (Art 11): a settled account
//! year computed again (个人账户重新结算, the difference carried forward), a
//! granted benefit computed again (待遇重新核定, with what the months paid
//! so far were paid too much or too little), and an employment's period
//! corrected (就业期间更正, with its effect on the months assessed). Each is
//! taken by the maintenance officer and goes through the review chain.

use rust_decimal::Decimal;
use sirm_domain::access::Permission;
use sirm_domain::records::{
    self, kind, AccountRecomputation, AccountRecomputed, AccountYearFigures, BenefitFigures,
    BenefitGranted, BenefitRecomputation, BenefitRecomputed, EmploymentCorrected,
    EmploymentCorrection, EmploymentPeriod,
};
use sirm_domain::rules::Month;
use sirm_domain::status::ContributionStatus;
use sirm_domain::RuleId;
use sirm_ledger::{EntryDraft, Stream};
use sirm_store::RecordPart;

use super::{person_of_agency, Business};
use crate::drafts::draft;
use crate::identity::Principal;
use crate::{AppError, Sirm};

fn seq_u64(s: i64) -> u64 {
    u64::try_from(s).unwrap_or(0)
}

/// 个人账户重新结算（维护）: one person's settled year, computed again.
pub(crate) struct AccountRecompute;

impl Business for AccountRecompute {
    const NAME_ZH: &'static str = "个人账户重新结算（维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = AccountRecomputation;

    async fn check(sirm: &Sirm, who: &Principal, a: &AccountRecomputation) -> Result<(), AppError> {
        person_of_agency(sirm, who, &a.id).await?;
        records::check_reason_and_method(&a.reason, &a.method).map_err(AppError::invalid_record)
    }

    async fn drafts(
        sirm: &Sirm,
        a: &AccountRecomputation,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let recomputed = recompute_account(sirm, a).await?;
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::ACCOUNT_RECOMPUTED,
            records::person_subject(&a.id),
            actor,
            &recomputed,
        )?])
    }
}

/// The year settled again: opening balance = the closing balance of the
/// year before as it stands now, credits = the paid months' account credits
/// as they stand now, interest at the year's crediting rate (RULES.md).
async fn recompute_account(
    sirm: &Sirm,
    a: &AccountRecomputation,
) -> Result<AccountRecomputed, AppError> {
    let years = sirm.store.account_years_of(a.id.as_str()).await?;
    let row = years
        .iter()
        .find(|y| y.year == i64::from(a.year))
        .ok_or_else(|| {
            AppError::invalid_by(
                "year",
                RuleId::CorrectionNotSettled,
                format!("{} of {} is not settled", a.year, a.id.short()),
            )
        })?;
    let opening = years
        .iter()
        .find(|y| y.year == i64::from(a.year) - 1)
        .map_or(Decimal::ZERO, |y| y.closing_balance);
    let mut credits = [Decimal::ZERO; 12];
    for c in sirm.store.contributions_of(a.id.as_str()).await? {
        if c.status == ContributionStatus::Paid && c.month.year() == a.year {
            // `month()` is 1–12 by construction.
            credits[(c.month.month() as usize).clamp(1, 12) - 1] += c.account_credit;
        }
    }
    let set = sirm.rules_for_year(a.year).await?;
    let params = set.year(a.year).map_err(|e| AppError::invalid("year", e))?;
    let rate = params.crediting_rate.ok_or_else(|| {
        AppError::invalid(
            "year",
            format!("no crediting rate (记账利率) for {}", a.year),
        )
    })?;
    let result = sirm_domain::rules::engine::account_year(params, opening, rate, &credits)
        .map_err(|e| AppError::invalid("year", e))?;
    if result.inputs.opening_balance == row.opening_balance
        && result.credits_total == row.credits
        && result.closing_balance == row.closing_balance
    {
        return Err(AppError::invalid_by(
            "year",
            RuleId::CorrectionNoChange,
            format!(
                "{} of {} settles again to the same closing balance {}",
                a.year,
                a.id.short(),
                row.closing_balance
            ),
        ));
    }
    let corrects = sirm
        .store
        .written_by(RecordPart::AccountYear, a.id.as_str(), &a.year.to_string())
        .await?
        .map_or(0, seq_u64);
    Ok(AccountRecomputed {
        id: a.id.clone(),
        year: a.year,
        corrects,
        before: AccountYearFigures {
            opening_balance: row.opening_balance,
            credits: row.credits,
            interest: row.interest,
            closing_balance: row.closing_balance,
            rule_set: row.rule_set.clone(),
        },
        difference: result.closing_balance - row.closing_balance,
        next_year_settled: years.iter().any(|y| y.year == i64::from(a.year) + 1),
        result,
        reason: a.reason.trim().to_string(),
        method: a.method.trim().to_string(),
    })
}

/// 待遇重新核定（维护）: a granted benefit computed again from the record.
pub(crate) struct BenefitRecompute;

impl Business for BenefitRecompute {
    const NAME_ZH: &'static str = "待遇重新核定（维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = BenefitRecomputation;

    async fn check(sirm: &Sirm, who: &Principal, b: &BenefitRecomputation) -> Result<(), AppError> {
        person_of_agency(sirm, who, &b.id).await?;
        records::check_reason_and_method(&b.reason, &b.method).map_err(AppError::invalid_record)
    }

    async fn drafts(
        sirm: &Sirm,
        b: &BenefitRecomputation,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let recomputed = recompute_benefit(sirm, b).await?;
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::BENEFIT_RECOMPUTED,
            records::person_subject(&b.id),
            actor,
            &recomputed,
        )?])
    }
}

/// The grant in force for a person, from the ledger: the last
/// `benefit.recomputed` entry's grant, else the `benefit.granted` entry's;
/// with that entry's sequence number.
pub(crate) async fn grant_in_force(
    sirm: &Sirm,
    id: &sirm_domain::id::PersonKey,
) -> Result<(u64, BenefitGranted), AppError> {
    let subject = records::person_subject(id);
    let not_found = || {
        AppError::not_found(
            RuleId::NotFoundBenefit,
            format!("a benefit of {}", id.short()),
        )
    };
    let recomputed = sirm
        .store
        .subject_entries_of_kind(&subject, kind::BENEFIT_RECOMPUTED, 0)
        .await?;
    if let Some(row) = recomputed.last() {
        let r: BenefitRecomputed =
            serde_json::from_str(&row.payload).map_err(|e| AppError::invalid("benefit", e))?;
        return Ok((seq_u64(row.seq), r.granted));
    }
    let granted = sirm
        .store
        .subject_entries_of_kind(&subject, kind::BENEFIT_GRANTED, 0)
        .await?;
    let row = granted.last().ok_or_else(not_found)?;
    let g: BenefitGranted =
        serde_json::from_str(&row.payload).map_err(|e| AppError::invalid("benefit", e))?;
    Ok((seq_u64(row.seq), g))
}

/// The benefit computed again as it was first computed — the same day
/// (`as_of`), the rule set in force then, the category and deemed months
/// recorded — from the paid bases and the account's closing balance of the
/// last year settled before that day, as they stand now.
async fn recompute_benefit(
    sirm: &Sirm,
    b: &BenefitRecomputation,
) -> Result<BenefitRecomputed, AppError> {
    let (corrects, previous) = grant_in_force(sirm, &b.id).await?;
    let as_of = previous.retirement.inputs.as_of;
    let set = sirm.rules_for_month(Month::of_date(as_of)).await?;
    let application = records::RetirementApplication {
        id: b.id.clone(),
        category: previous.retirement.inputs.category,
        deemed_months: previous.deemed_months,
    };
    let bases = sirm.store.paid_bases(b.id.as_str()).await?;
    let balance = sirm
        .store
        .account_years_of(b.id.as_str())
        .await?
        .iter()
        .rfind(|y| y.year < i64::from(chrono::Datelike::year(&as_of)))
        .map_or(Decimal::ZERO, |y| y.closing_balance);
    let birth_date = sirm.birth_date_of(&b.id).await?;
    let granted =
        super::benefits::benefit_of_record(&set, &application, birth_date, &bases, balance, as_of)?;
    let old = &previous.pension;
    if granted.pension.total == old.total
        && granted.pension.basic == old.basic
        && granted.pension.account == old.account
    {
        return Err(AppError::invalid_by(
            "id",
            RuleId::CorrectionNoChange,
            format!(
                "the benefit of {} computes again to the same {} a month",
                b.id.short(),
                old.total
            ),
        ));
    }
    let payments = sirm.store.benefit_payments_of(b.id.as_str()).await?;
    let months_paid = u32::try_from(payments.len()).unwrap_or(u32::MAX);
    let paid_total: Decimal = payments.iter().map(|p| p.amount).sum();
    let due_total = granted.pension.total * Decimal::from(months_paid);
    Ok(BenefitRecomputed {
        id: b.id.clone(),
        corrects,
        before: BenefitFigures {
            contribution_months: old.inputs.contribution_months,
            basic: old.basic,
            account: old.account,
            transitional: old.transitional,
            total: old.total,
            rule_set: old.rule_set.to_string(),
        },
        granted,
        months_paid,
        paid_total,
        due_total,
        difference: due_total - paid_total,
        reason: b.reason.trim().to_string(),
        method: b.method.trim().to_string(),
    })
}

/// 就业期间更正（维护）: an employment's start and end dates.
pub(crate) struct EmploymentCorrect;

impl Business for EmploymentCorrect {
    const NAME_ZH: &'static str = "就业期间更正（维护）";
    const TAKER: Permission = Permission::RecordMaintain;
    type Data = EmploymentCorrection;

    fn past_dates(d: &Self::Data) -> Vec<(&'static str, chrono::NaiveDate)> {
        let mut v = vec![("new_start_on", d.new_start_on)];
        if let Some(e) = d.new_end_on {
            v.push(("new_end_on", e));
        }
        v
    }

    async fn check(sirm: &Sirm, who: &Principal, e: &EmploymentCorrection) -> Result<(), AppError> {
        person_of_agency(sirm, who, &e.id).await?;
        e.validate().map_err(AppError::invalid_record)
    }

    async fn drafts(
        sirm: &Sirm,
        e: &EmploymentCorrection,
        actor: &str,
    ) -> Result<Vec<EntryDraft>, AppError> {
        let corrected = correct_employment(sirm, e).await?;
        Ok(vec![draft(
            &sirm.config,
            Stream::Business,
            kind::EMPLOYMENT_CORRECTED,
            records::person_subject(&e.id),
            actor,
            &corrected,
        )?])
    }
}

/// The employment found by its recorded start, its new period checked
/// against the person's other employments, and the months whose
/// assessment the change affects.
async fn correct_employment(
    sirm: &Sirm,
    e: &EmploymentCorrection,
) -> Result<EmploymentCorrected, AppError> {
    let jobs = sirm.store.employments_of(e.id.as_str()).await?;
    let job = jobs
        .iter()
        .find(|j| j.credit_code == e.credit_code.as_str() && j.start_on == e.start_on)
        .ok_or_else(|| {
            AppError::not_found(
                RuleId::NotFoundEmployment,
                format!(
                    "an employment of {} with {} from {}",
                    e.id.short(),
                    e.credit_code,
                    e.start_on
                ),
            )
        })?;
    let before = EmploymentPeriod {
        start_on: job.start_on,
        end_on: job.end_on,
    };
    if before.start_on == e.new_start_on && before.end_on == e.new_end_on {
        return Err(AppError::invalid_by(
            "new_start_on",
            RuleId::CorrectionNoChange,
            "the period is the one on record",
        ));
    }
    let far = chrono::NaiveDate::MAX;
    for other in jobs.iter().filter(|j| !std::ptr::eq(*j, job)) {
        if other.start_on <= e.new_end_on.unwrap_or(far)
            && e.new_start_on <= other.end_on.unwrap_or(far)
        {
            return Err(AppError::invalid_by(
                "new_start_on",
                RuleId::CorrectionPeriod,
                format!(
                    "the period overlaps the employment with {} from {}",
                    other.credit_code, other.start_on
                ),
            ));
        }
    }
    let (first, current) = (
        Month::of_date(e.new_start_on),
        crate::clock::current_month(),
    );
    let last = e.new_end_on.map(Month::of_date);
    let inside = |m: Month| m >= first && last.is_none_or(|l| m <= l);
    let assessed: Vec<Month> = sirm
        .store
        .contributions_of(e.id.as_str())
        .await?
        .into_iter()
        .filter(|c| c.credit_code == e.credit_code.as_str())
        .map(|c| c.month)
        .collect();
    let months_outside = assessed.iter().copied().filter(|m| !inside(*m)).collect();
    let mut months_unassessed = Vec::new();
    let mut m = first;
    while m < current && last.is_none_or(|l| m <= l) {
        if !assessed.contains(&m) {
            months_unassessed.push(m);
        }
        m = m.add_months(1);
    }
    let corrects = sirm
        .store
        .written_by(
            RecordPart::Employment,
            e.id.as_str(),
            &e.start_on.to_string(),
        )
        .await?
        .map_or(0, seq_u64);
    Ok(EmploymentCorrected {
        id: e.id.clone(),
        credit_code: e.credit_code.clone(),
        corrects,
        before,
        start_on: e.new_start_on,
        end_on: e.new_end_on,
        months_outside,
        months_unassessed,
        reason: e.reason.trim().to_string(),
        method: e.method.trim().to_string(),
    })
}
