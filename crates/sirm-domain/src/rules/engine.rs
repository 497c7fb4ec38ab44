//! The formulas of RULES.md as pure functions over resolved parameters.
//!
//! Every result carries the [`RuleSetRef`] it was computed under and its
//! inputs; `recompute(&rule_set)` recomputes it from those alone.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::error::RuleError;
use super::period::Month;
use super::rounding::RoundingRule;
use super::ruleset::{Category, Insurance, Params, Payer, RuleSet, RuleSetRef};

pub(super) fn nonneg(v: Decimal, key: &str) -> Result<Decimal, RuleError> {
    if v.is_sign_negative() && !v.is_zero() {
        return Err(RuleError::invalid(
            key,
            format!("\"{v}\""),
            "must not be negative",
        ));
    }
    Ok(v)
}

pub(super) fn positive(v: Decimal, key: &str) -> Result<Decimal, RuleError> {
    if v <= Decimal::ZERO {
        return Err(RuleError::invalid(
            key,
            format!("\"{v}\""),
            "must be positive",
        ));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------
// Contribution base
// ---------------------------------------------------------------------------

/// Which bound, if any, the declared wage was clamped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    None,
    Floor,
    Ceiling,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseInputs {
    /// The year whose parameters were used (`None`: the rule set's defaults).
    pub year: Option<i32>,
    pub declared_wage: Decimal,
    /// The average monthly wage of the previous year the bounds derive from.
    pub avg_wage: Decimal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseResult {
    pub rule_set: RuleSetRef,
    pub inputs: BaseInputs,
    pub floor_ratio: Decimal,
    pub ceiling_ratio: Decimal,
    pub rounding: RoundingRule,
    pub floor: Decimal,
    pub ceiling: Decimal,
    pub base: Decimal,
    pub bound: Bound,
}

#[inline]
fn clamp(
    rounding: RoundingRule,
    floor: Decimal,
    ceiling: Decimal,
    wage: Decimal,
) -> (Decimal, Bound) {
    let w = rounding.apply(wage);
    if w < floor {
        (floor, Bound::Floor)
    } else if w > ceiling {
        (ceiling, Bound::Ceiling)
    } else {
        (w, Bound::None)
    }
}

/// Contribution base of a month of `year`: the declared wage clamped to the
/// year's [floor, ceiling] (rule set's avg wage of the previous year).
pub fn contribution_base(
    rule_set: &RuleSet,
    year: i32,
    declared_wage: Decimal,
) -> Result<BaseResult, RuleError> {
    base_in(rule_set.year(year)?, declared_wage)
}

/// [`contribution_base`] over already-resolved parameters (the hot path).
#[inline]
pub fn base_in(p: &Params, declared_wage: Decimal) -> Result<BaseResult, RuleError> {
    let (Some(avg_wage), Some(floor), Some(ceiling)) = (p.avg_wage, p.floor, p.ceiling) else {
        return Err(RuleError::missing(match p.year {
            Some(y) => format!("years.{y}.avg_wage"),
            None => "avg_wage".to_owned(),
        }));
    };
    nonneg(declared_wage, "declared_wage")?;
    Ok(base_between(p, avg_wage, floor, ceiling, declared_wage))
}

/// The base with an explicit average wage (the `base` calc rule).
pub fn base_with_avg_wage(
    p: &Params,
    avg_wage: Decimal,
    declared_wage: Decimal,
) -> Result<BaseResult, RuleError> {
    positive(avg_wage, "avg_wage")?;
    nonneg(declared_wage, "declared_wage")?;
    let r = p.rounding.base;
    let floor = r.apply(avg_wage * p.floor_ratio);
    let ceiling = r.apply(avg_wage * p.ceiling_ratio);
    Ok(base_between(p, avg_wage, floor, ceiling, declared_wage))
}

/// The base of `declared_wage` (checked) between `floor` and `ceiling`
/// (derived from `avg_wage` under `p`), with every figure it came from.
#[inline]
fn base_between(
    p: &Params,
    avg_wage: Decimal,
    floor: Decimal,
    ceiling: Decimal,
    declared_wage: Decimal,
) -> BaseResult {
    let (base, bound) = clamp(p.rounding.base, floor, ceiling, declared_wage);
    BaseResult {
        rule_set: p.rule_set,
        inputs: BaseInputs {
            year: p.year,
            declared_wage,
            avg_wage,
        },
        floor_ratio: p.floor_ratio,
        ceiling_ratio: p.ceiling_ratio,
        rounding: p.rounding.base,
        floor,
        ceiling,
        base,
        bound,
    }
}

// ---------------------------------------------------------------------------
// Contributions
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionInputs {
    pub year: Option<i32>,
    pub base: Decimal,
    pub insurance: Insurance,
    pub payer: Payer,
    pub industry_class: Option<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionResult {
    pub rule_set: RuleSetRef,
    pub inputs: ContributionInputs,
    pub rate: Decimal,
    pub amount_unrounded: Decimal,
    pub rounding: RoundingRule,
    pub amount: Decimal,
}

/// Amount = base × rate, rounded by the amount rule.
pub fn contribution(
    p: &Params,
    base: Decimal,
    insurance: Insurance,
    payer: Payer,
    industry_class: Option<u8>,
) -> Result<ContributionResult, RuleError> {
    nonneg(base, "base")?;
    let rate = p.rates.rate(insurance, payer, industry_class)?;
    let raw = base * rate;
    Ok(ContributionResult {
        rule_set: p.rule_set,
        inputs: ContributionInputs {
            year: p.year,
            base,
            insurance,
            payer,
            industry_class: if insurance == Insurance::WorkInjury {
                industry_class
            } else {
                None
            },
        },
        rate,
        amount_unrounded: raw,
        rounding: p.rounding.amount,
        amount: p.rounding.amount.apply(raw),
    })
}

/// All contributions of one person-month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthAmounts {
    pub pension_employer: Decimal,
    pub pension_employee: Decimal,
    pub medical_employer: Decimal,
    pub medical_employee: Decimal,
    pub unemployment_employer: Decimal,
    pub unemployment_employee: Decimal,
    pub work_injury_employer: Decimal,
}

impl MonthAmounts {
    /// Employer and employee parts together: what is due for the month.
    pub fn total(&self) -> Decimal {
        self.pension_employer
            + self.pension_employee
            + self.medical_employer
            + self.medical_employee
            + self.unemployment_employer
            + self.unemployment_employee
            + self.work_injury_employer
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthInputs {
    pub year: i32,
    pub declared_wage: Decimal,
    pub industry_class: u8,
    /// The insurance types the person is enrolled in for the month (参保险种),
    /// when not all four: only those are assessed. Absent: all four.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled: Option<Enrolled>,
}

/// The insurance types a person-month is enrolled in (参保关系): a
/// contribution is assessed only for these (maternity rides on medical).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrolled {
    pub pension: bool,
    pub medical: bool,
    pub unemployment: bool,
    pub work_injury: bool,
}

impl Enrolled {
    /// Enrolled in all four types (the default of an employment).
    pub const ALL: Enrolled = Enrolled {
        pension: true,
        medical: true,
        unemployment: true,
        work_injury: true,
    };

    pub fn is_all(&self) -> bool {
        *self == Enrolled::ALL
    }

    /// Whether the person-month is enrolled in `i`.
    pub fn has(&self, i: Insurance) -> bool {
        match i {
            Insurance::Pension => self.pension,
            Insurance::Medical => self.medical,
            Insurance::Unemployment => self.unemployment,
            Insurance::WorkInjury => self.work_injury,
        }
    }

    /// The same without `i`.
    pub fn without(mut self, i: Insurance) -> Enrolled {
        match i {
            Insurance::Pension => self.pension = false,
            Insurance::Medical => self.medical = false,
            Insurance::Unemployment => self.unemployment = false,
            Insurance::WorkInjury => self.work_injury = false,
        }
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthResult {
    pub rule_set: RuleSetRef,
    pub inputs: MonthInputs,
    pub base: Decimal,
    pub bound: Bound,
    pub amounts: MonthAmounts,
    /// Credited to the personal account: the whole employee pension contribution.
    pub account_credit: Decimal,
}

/// One person-month: base, every contribution and the account credit, under
/// the parameters of one year (obtain them once with [`RuleSet::year`]).
#[inline]
pub fn month(
    p: &Params,
    declared_wage: Decimal,
    industry_class: u8,
) -> Result<MonthResult, RuleError> {
    let (Some(year), Some(floor), Some(ceiling)) = (p.year, p.floor, p.ceiling) else {
        return Err(RuleError::missing(match p.year {
            Some(y) => format!("years.{y}.avg_wage"),
            None => "year".to_owned(),
        }));
    };
    nonneg(declared_wage, "declared_wage")?;
    let wi = p
        .rates
        .rate(Insurance::WorkInjury, Payer::Employer, Some(industry_class))?;
    let (base, bound) = clamp(p.rounding.base, floor, ceiling, declared_wage);
    let r = p.rounding.amount;
    let rt = &p.rates;
    let amounts = MonthAmounts {
        pension_employer: r.apply(base * rt.pension.employer),
        pension_employee: r.apply(base * rt.pension.employee),
        medical_employer: r.apply(base * rt.medical.employer),
        medical_employee: r.apply(base * rt.medical.employee),
        unemployment_employer: r.apply(base * rt.unemployment.employer),
        unemployment_employee: r.apply(base * rt.unemployment.employee),
        work_injury_employer: r.apply(base * wi),
    };
    Ok(MonthResult {
        rule_set: p.rule_set,
        inputs: MonthInputs {
            year,
            declared_wage,
            industry_class,
            enrolled: None,
        },
        base,
        bound,
        account_credit: amounts.pension_employee,
        amounts,
    })
}

/// One month of a flexibly employed person (灵活就业): the chosen base
/// (within the year's floor and ceiling: a base chosen in an earlier year
/// follows the bounds of this one), the pension contribution paid alone
/// at the statutory 20 % of which 8 % goes to the personal account
/// ([`super::benefits::flexible_pension`]), and medical insurance at the
/// region's whole medical rate (employer + employee rate of the rule set,
/// maternity merged).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlexibleMonth {
    pub rule_set: RuleSetRef,
    pub year: i32,
    pub chosen_base: Decimal,
    pub base: Decimal,
    pub bound: Bound,
    pub pension: super::benefits::FlexiblePension,
    pub medical_rate: Decimal,
    pub medical: Decimal,
}

impl FlexibleMonth {
    /// The month as the contribution record keeps every person-month: the
    /// person's own parts only, the account credit of 8 %.
    pub fn as_month(&self) -> MonthResult {
        let zero = Decimal::ZERO;
        MonthResult {
            rule_set: self.rule_set,
            inputs: MonthInputs {
                year: self.year,
                declared_wage: self.chosen_base,
                industry_class: 0,
                enrolled: Some(Enrolled {
                    pension: true,
                    medical: true,
                    unemployment: false,
                    work_injury: false,
                }),
            },
            base: self.base,
            bound: self.bound,
            amounts: MonthAmounts {
                pension_employer: zero,
                pension_employee: self.pension.amount,
                medical_employer: zero,
                medical_employee: self.medical,
                unemployment_employer: zero,
                unemployment_employee: zero,
                work_injury_employer: zero,
            },
            account_credit: self.pension.account_credit,
        }
    }
}

/// A flexibly employed person's month on the chosen base.
pub fn flexible_month(p: &Params, chosen_base: Decimal) -> Result<FlexibleMonth, RuleError> {
    let (Some(year), Some(floor), Some(ceiling)) = (p.year, p.floor, p.ceiling) else {
        return Err(RuleError::missing(match p.year {
            Some(y) => format!("years.{y}.avg_wage"),
            None => "year".to_owned(),
        }));
    };
    nonneg(chosen_base, "base")?;
    let (base, bound) = clamp(p.rounding.base, floor, ceiling, chosen_base);
    let medical_rate = p.rates.medical.employer + p.rates.medical.employee;
    Ok(FlexibleMonth {
        rule_set: p.rule_set,
        year,
        chosen_base,
        base,
        bound,
        pension: super::benefits::flexible_pension(p.rounding.amount, base)?,
        medical_rate,
        medical: p.rounding.amount.apply(base * medical_rate),
    })
}

/// One person-month as [`month`], assessed only for the insurance types
/// the person is enrolled in: the others are zero, and without pension
/// nothing is credited to the account. Enrolled in all four, it is
/// [`month`] exactly (the same entry, byte for byte).
pub fn month_enrolled(
    p: &Params,
    declared_wage: Decimal,
    industry_class: u8,
    enrolled: Enrolled,
) -> Result<MonthResult, RuleError> {
    let mut r = month(p, declared_wage, industry_class)?;
    if enrolled.is_all() {
        return Ok(r);
    }
    let a = &mut r.amounts;
    let zero = Decimal::ZERO;
    if !enrolled.pension {
        a.pension_employer = zero;
        a.pension_employee = zero;
        r.account_credit = zero;
    }
    if !enrolled.medical {
        a.medical_employer = zero;
        a.medical_employee = zero;
    }
    if !enrolled.unemployment {
        a.unemployment_employer = zero;
        a.unemployment_employee = zero;
    }
    if !enrolled.work_injury {
        a.work_injury_employer = zero;
    }
    r.inputs.enrolled = Some(enrolled);
    Ok(r)
}

// ---------------------------------------------------------------------------
// Personal account
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInputs {
    pub year: Option<i32>,
    pub opening_balance: Decimal,
    pub rate: Decimal,
    /// What was credited for months 1–12 (index 0 = January).
    pub credits: [Decimal; 12],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountResult {
    pub rule_set: RuleSetRef,
    pub inputs: AccountInputs,
    /// Σ c_m.
    pub credits_total: Decimal,
    /// Σ c_m × (13 − m): credits weighted by the months they earn interest.
    pub credits_weighted: Decimal,
    /// B_{Y−1} × r.
    pub interest_on_opening: Decimal,
    /// Σ c_m × r × (13 − m) / 12 (unrounded).
    pub interest_on_credits: Decimal,
    pub interest_unrounded: Decimal,
    pub rounding: RoundingRule,
    pub interest: Decimal,
    /// B_Y = B_{Y−1} + Σ c_m + interest, rounded.
    pub closing_balance: Decimal,
}

/// Year-end interest and closing balance (monthly-accumulation method).
#[inline]
pub fn account_year(
    p: &Params,
    opening_balance: Decimal,
    rate: Decimal,
    credits: &[Decimal; 12],
) -> Result<AccountResult, RuleError> {
    nonneg(opening_balance, "opening_balance")?;
    nonneg(rate, "rate")?;
    if rate >= Decimal::ONE {
        return Err(RuleError::invalid(
            "rate",
            format!("\"{rate}\""),
            "must be below 1 (a fraction, e.g. \"0.0612\")",
        ));
    }
    let mut total = Decimal::ZERO;
    let mut weighted = Decimal::ZERO;
    for (i, c) in credits.iter().enumerate() {
        if c.is_sign_negative() && !c.is_zero() {
            return Err(RuleError::invalid(
                format!("credits[month {}].amount", i + 1),
                format!("\"{c}\""),
                "must not be negative",
            ));
        }
        total += *c;
        weighted += *c * Decimal::from(12 - i as u32);
    }
    let on_opening = opening_balance * rate;
    let on_credits = weighted * rate / Decimal::from(12u32);
    let raw = on_opening + on_credits;
    let r = p.rounding.amount;
    let interest = r.apply(raw);
    Ok(AccountResult {
        rule_set: p.rule_set,
        inputs: AccountInputs {
            year: p.year,
            opening_balance,
            rate,
            credits: *credits,
        },
        credits_total: total,
        credits_weighted: weighted,
        interest_on_opening: on_opening,
        interest_on_credits: on_credits,
        interest_unrounded: raw,
        rounding: r,
        interest,
        closing_balance: r.apply(opening_balance + total + interest),
    })
}

// ---------------------------------------------------------------------------
// Contribution years
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionYears {
    /// Distinct paid months, ascending.
    pub paid_months: Vec<Month>,
    /// Entries of the input that repeated a month already counted.
    pub duplicates_ignored: u32,
    pub deemed_months: u32,
    pub months: u32,
    pub years: u32,
    pub remaining_months: u32,
    /// "N 年 M 个月".
    pub display: String,
}

/// Distinct paid months plus deemed months, as years and months.
pub fn contribution_years(paid: &[Month], deemed_months: u32) -> ContributionYears {
    let mut months = paid.to_vec();
    months.sort_unstable();
    months.dedup();
    let dup = (paid.len() - months.len()) as u32;
    let n = months.len() as u32 + deemed_months;
    ContributionYears {
        duplicates_ignored: dup,
        paid_months: months,
        deemed_months,
        months: n,
        years: n / 12,
        remaining_months: n % 12,
        display: format!("{} 年 {} 个月", n / 12, n % 12),
    }
}

// ---------------------------------------------------------------------------
// Retirement
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetirementInputs {
    pub birth_date: NaiveDate,
    pub category: Category,
    /// The date the birth date was checked against (not in the future).
    pub as_of: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetirementResult {
    pub rule_set: RuleSetRef,
    pub inputs: RetirementInputs,
    pub birth_month: Month,
    pub original_age_years: u32,
    pub first_affected_birth_month: Month,
    /// k: months from the first affected birth month to the birth month.
    pub months_after_first_affected: i32,
    pub step_months: u32,
    pub cap_months: u32,
    pub delay_months: u32,
    pub age_years: u32,
    pub age_months: u32,
    pub retirement_month: Month,
    pub min_contribution_months: u32,
}

/// Statutory retirement age and month under the rule set's schedule.
pub fn retirement(
    rule_set: &RuleSet,
    birth_date: NaiveDate,
    category: Category,
    as_of: NaiveDate,
) -> Result<RetirementResult, RuleError> {
    if birth_date > as_of {
        return Err(RuleError::invalid(
            "birth_date",
            format!("\"{birth_date}\""),
            format!("is in the future (today is {as_of})"),
        ));
    }
    let s = rule_set.retirement.of(category);
    let birth = Month::of_date(birth_date);
    let k = birth.months_since(s.first_affected_birth_month);
    let delay = if k < 0 {
        0
    } else {
        (k as u32 / s.step_months + 1).min(s.cap_months)
    };
    let total = s.original_age_years * 12 + delay;
    let retirement_month = birth.add_months(total as i32);
    Ok(RetirementResult {
        rule_set: rule_set.reference(),
        inputs: RetirementInputs {
            birth_date,
            category,
            as_of,
        },
        birth_month: birth,
        original_age_years: s.original_age_years,
        first_affected_birth_month: s.first_affected_birth_month,
        months_after_first_affected: k,
        step_months: s.step_months,
        cap_months: s.cap_months,
        delay_months: delay,
        age_years: total / 12,
        age_months: total % 12,
        retirement_month,
        min_contribution_months: rule_set.min_contribution.months(retirement_month.year()),
    })
}

/// Minimum contribution months for a monthly pension, by retirement year.
pub fn min_contribution_months(rule_set: &RuleSet, retirement_year: i32) -> u32 {
    rule_set.min_contribution.months(retirement_year)
}

/// Payout months (计发月数) for a whole retirement age; an error outside the table.
pub fn payout_months(rule_set: &RuleSet, retirement_age_years: u32) -> Result<u32, RuleError> {
    let t = &rule_set.payout;
    t.get(retirement_age_years).ok_or_else(|| {
        RuleError::invalid(
            "retirement_age_years",
            retirement_age_years.to_string(),
            format!(
                "outside the payout months table ({}–{})",
                t.first_age,
                t.last_age()
            ),
        )
    })
}

// ---------------------------------------------------------------------------
// Contribution index
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexResult {
    pub months: u32,
    /// Σ base_m / avg_wage_m.
    pub sum_of_ratios: Decimal,
    pub index_unrounded: Decimal,
    pub rounding: RoundingRule,
    pub index: Decimal,
}

/// The average contribution index: the mean over contribution months of the
/// month's base ÷ the average wage used for that month.
pub fn contribution_index(
    rounding: RoundingRule,
    months: &[(Decimal, Decimal)],
) -> Result<IndexResult, RuleError> {
    if months.is_empty() {
        return Err(RuleError::missing("months[0]"));
    }
    let mut sum = Decimal::ZERO;
    for (i, (base, avg)) in months.iter().enumerate() {
        nonneg(*base, &format!("months[{i}].base"))?;
        positive(*avg, &format!("months[{i}].avg_wage"))?;
        sum += *base / *avg;
    }
    let raw = sum / Decimal::from(months.len() as u64);
    Ok(IndexResult {
        months: months.len() as u32,
        sum_of_ratios: sum,
        index_unrounded: raw,
        rounding,
        index: rounding.apply(raw),
    })
}

// ---------------------------------------------------------------------------
// Pension
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PensionInputs {
    pub year: Option<i32>,
    /// C: the average monthly wage of the year before retirement.
    pub avg_wage: Decimal,
    /// I: the average contribution index.
    pub contribution_index: Decimal,
    /// N: contribution months including deemed months.
    pub contribution_months: u32,
    pub account_balance: Decimal,
    pub retirement_age_years: u32,
    pub deemed_years: Option<Decimal>,
    /// When absent, the rule set's coefficient (needed only with deemed years).
    pub transitional_coefficient: Option<Decimal>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PensionResult {
    pub rule_set: RuleSetRef,
    pub inputs: PensionInputs,
    /// C × I.
    pub indexed_wage: Decimal,
    /// (C + C × I) / 2.
    pub basic_wage: Decimal,
    /// N / 12.
    pub contribution_years: Decimal,
    pub basic_unrounded: Decimal,
    pub basic: Decimal,
    pub payout_months: u32,
    pub account_unrounded: Decimal,
    pub account: Decimal,
    pub deemed_years: Decimal,
    pub transitional_coefficient: Option<Decimal>,
    pub transitional_unrounded: Decimal,
    pub transitional: Decimal,
    pub rounding: RoundingRule,
    /// basic + account + transitional (each rounded first).
    pub total: Decimal,
}

/// Basic, account and transitional pension (国发〔2005〕38号).
pub fn pension(rule_set: &RuleSet, inputs: &PensionInputs) -> Result<PensionResult, RuleError> {
    let p = rule_set.params(inputs.year)?;
    let c = positive(inputs.avg_wage, "avg_wage")?;
    let idx = nonneg(inputs.contribution_index, "contribution_index")?;
    let n = inputs.contribution_months;
    nonneg(inputs.account_balance, "account_balance")?;
    let payout = payout_months(rule_set, inputs.retirement_age_years)?;
    let r = p.rounding.amount;
    let indexed = c * idx;
    let n_d = Decimal::from(n);
    // (C + C·I)/2 × (N/12) × 1 % = (C + C·I) × N / 2400, one division.
    let basic_raw = (c + indexed) * n_d / Decimal::from(2400u32);
    let account_raw = inputs.account_balance / Decimal::from(payout);
    let deemed = match inputs.deemed_years {
        Some(d) => nonneg(d, "deemed_years")?,
        None => Decimal::ZERO,
    };
    let coefficient = inputs
        .transitional_coefficient
        .or(p.transitional_coefficient);
    if let Some(k) = inputs.transitional_coefficient {
        if k < Decimal::new(10, 3) || k > Decimal::new(14, 3) {
            return Err(RuleError::invalid(
                "transitional_coefficient",
                format!("\"{k}\""),
                "must be between 0.010 and 0.014",
            ));
        }
    }
    let trans_raw = if deemed.is_zero() {
        Decimal::ZERO
    } else {
        let k = coefficient.ok_or_else(|| RuleError::missing("transitional_coefficient"))?;
        indexed * deemed * k
    };
    let basic = r.apply(basic_raw);
    let account = r.apply(account_raw);
    let transitional = r.apply(trans_raw);
    Ok(PensionResult {
        rule_set: rule_set.reference(),
        inputs: *inputs,
        indexed_wage: indexed,
        basic_wage: (c + indexed) / Decimal::TWO,
        contribution_years: n_d / Decimal::from(12u32),
        basic_unrounded: basic_raw,
        basic,
        payout_months: payout,
        account_unrounded: account_raw,
        account,
        deemed_years: deemed,
        transitional_coefficient: if deemed.is_zero() { None } else { coefficient },
        transitional_unrounded: trans_raw,
        transitional,
        rounding: r,
        total: basic + account + transitional,
    })
}

// ---------------------------------------------------------------------------
// Recomputation
// ---------------------------------------------------------------------------

/// `recompute(&rule_set)` for each result type: refuses a rule set other
/// than the one the result was computed under, then computes again from
/// the result's inputs (`$inputs`) with `$compute`.
macro_rules! recompute {
    ($($result:ident: |$rule_set:ident, $inputs:ident| $compute:expr;)*) => {$(
        impl $result {
            /// Computes this result again from its inputs under `rule_set`,
            /// which must be the rule set it was computed under (same id and
            /// version, same hash where both know one).
            pub fn recompute(&self, $rule_set: &RuleSet) -> Result<$result, RuleError> {
                $rule_set.check_ref(self.rule_set)?;
                let $inputs = &self.inputs;
                $compute
            }
        }
    )*};
}

recompute! {
    BaseResult: |rs, i| base_with_avg_wage(rs.params(i.year)?, i.avg_wage, i.declared_wage);
    ContributionResult: |rs, i| {
        contribution(rs.params(i.year)?, i.base, i.insurance, i.payer, i.industry_class)
    };
    MonthResult: |rs, i| month(rs.year(i.year)?, i.declared_wage, i.industry_class);
    AccountResult: |rs, i| account_year(rs.params(i.year)?, i.opening_balance, i.rate, &i.credits);
    RetirementResult: |rs, i| retirement(rs, i.birth_date, i.category, i.as_of);
    PensionResult: |rs, i| pension(rs, i);
}
