//! The formulas of RULES.md "More insurance types" as pure functions:
//! unemployment benefit (失业保险金), maternity allowance (生育津贴), work
//! injury (工伤: own wage, disability, death), the yearly pension adjustment
//! (养老金调整), flexible employment's pension contribution (灵活就业), the
//! pension transfer (养老保险关系转移) and the late-payment surcharge (滞纳金).
//!
//! Amounts round by the rule set's amount rule (half up to the fen by
//! default) at the end of each formula: products are taken before quotients
//! and nothing is rounded in between, so an output may differ by a fen from
//! a recomputation from other rounded outputs.
//!
//! The statutory figures — durations, leave days, grade tables, the 20 %/8 %
//! of flexible employment, the 12 % of a transfer — are national law and
//! stand here as constants with their source; the surcharge's 0.05 % a day
//! is the national rule set's `late_surcharge_rate` (a region may not
//! change it, but a later law would be a new version, not a release); regional figures (the unemployment benefit, the maternity
//! extension, the minimum wage, the adjustment) come from the rule set's
//! [`BenefitParams`](super::ruleset::BenefitParams) or the input.

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::engine::{nonneg, positive};
use super::error::RuleError;
use super::period::Month;
use super::rounding::RoundingRule;
use super::ruleset::PensionAdjustment;

fn pct(n: i64) -> Decimal {
    Decimal::new(n, 2)
}

// ---------------------------------------------------------------------------
// Unemployment (失业保险条例 Art 14, 17)
// ---------------------------------------------------------------------------

/// The longest a benefit is paid, carried-over months included (Art 17).
pub const MAX_UNEMPLOYMENT_MONTHS: u32 = 24;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnemploymentBenefit {
    /// At least 12 contribution months and an involuntary loss of job.
    pub eligible: bool,
    /// 12 (12–59 contribution months), 18 (60–119) or 24 (120 or more).
    pub base_duration_months: u32,
    /// Unused months of the previous spell that are added.
    pub carried_months: u32,
    /// base + carried, at most 24; 0 when not eligible.
    pub duration_months: u32,
    pub monthly_amount: Decimal,
    /// monthly_amount × duration_months.
    pub total_amount: Decimal,
}

pub fn unemployment_benefit(
    amount: RoundingRule,
    contribution_months: u32,
    involuntary: bool,
    carried_months: u32,
    monthly_amount: Decimal,
) -> Result<UnemploymentBenefit, RuleError> {
    positive(monthly_amount, "monthly_amount")?;
    let eligible = involuntary && contribution_months >= 12;
    let base = match contribution_months {
        0..=11 => 0,
        12..=59 => 12,
        60..=119 => 18,
        _ => 24,
    };
    let duration = if eligible {
        (base + carried_months).min(MAX_UNEMPLOYMENT_MONTHS)
    } else {
        0
    };
    Ok(UnemploymentBenefit {
        eligible,
        base_duration_months: if eligible { base } else { 0 },
        carried_months: if eligible { duration - base } else { 0 },
        duration_months: duration,
        monthly_amount: amount.apply(monthly_amount),
        total_amount: amount.apply(monthly_amount * Decimal::from(duration)),
    })
}

// ---------------------------------------------------------------------------
// Maternity (女职工劳动保护特别规定 Art 7; 社会保险法 Art 56)
// ---------------------------------------------------------------------------

/// What the allowance is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaternityEvent {
    Birth,
    MiscarriageUnder4Months,
    Miscarriage4MonthsOrMore,
}

impl MaternityEvent {
    pub const NAMES: &'static [&'static str] = &[
        "birth",
        "miscarriage_under_4_months",
        "miscarriage_4_months_or_more",
    ];

    pub fn parse(s: &str) -> Option<MaternityEvent> {
        Some(match s {
            "birth" => MaternityEvent::Birth,
            "miscarriage_under_4_months" => MaternityEvent::MiscarriageUnder4Months,
            "miscarriage_4_months_or_more" => MaternityEvent::Miscarriage4MonthsOrMore,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MaternityAllowance {
    /// 98 for a birth, 15 or 42 for a miscarriage.
    pub base_days: u32,
    /// +15 for a difficult birth.
    pub difficult_birth_days: u32,
    /// +15 for each baby after the first.
    pub multiple_birth_days: u32,
    /// The regional extension (births only).
    pub extra_days: u32,
    pub days: u32,
    /// employer_avg_monthly_wage × days ÷ 30.
    pub amount: Decimal,
}

pub fn maternity_allowance(
    amount: RoundingRule,
    employer_avg_monthly_wage: Decimal,
    event: MaternityEvent,
    difficult_birth: bool,
    babies: u32,
    extra_days: u32,
) -> Result<MaternityAllowance, RuleError> {
    nonneg(employer_avg_monthly_wage, "employer_avg_monthly_wage")?;
    let (base, difficult, multiple, extra) = match event {
        MaternityEvent::Birth => (
            98,
            if difficult_birth { 15 } else { 0 },
            15 * babies.saturating_sub(1),
            extra_days,
        ),
        MaternityEvent::MiscarriageUnder4Months => (15, 0, 0, 0),
        MaternityEvent::Miscarriage4MonthsOrMore => (42, 0, 0, 0),
    };
    let days = base + difficult + multiple + extra;
    Ok(MaternityAllowance {
        base_days: base,
        difficult_birth_days: difficult,
        multiple_birth_days: multiple,
        extra_days: extra,
        days,
        amount: amount.apply(employer_avg_monthly_wage * Decimal::from(days) / Decimal::from(30)),
    })
}

// ---------------------------------------------------------------------------
// Work injury (工伤保险条例 Art 35–37, 39, 64)
// ---------------------------------------------------------------------------

/// The own wage used: the 12-month average clamped to [60 %, 300 %] of the
/// regional average monthly wage C (Art 64). Unrounded.
fn wage_used(own_wage: Decimal, avg_wage: Decimal) -> Result<Decimal, RuleError> {
    nonneg(own_wage, "own_wage")?;
    positive(avg_wage, "avg_wage")?;
    Ok(own_wage.clamp(avg_wage * pct(60), avg_wage * Decimal::from(3)))
}

/// Months of own wage of the one-time disability subsidy, grades 1–10 (Art 35–37).
const LUMP_SUM_MONTHS: [u32; 10] = [27, 25, 23, 21, 18, 16, 13, 11, 9, 7];
/// Monthly allowance rate in percent, grades 1–6 (grades 7–10: none).
const ALLOWANCE_PERCENT: [i64; 6] = [90, 85, 80, 75, 70, 60];

/// Who pays the monthly disability allowance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AllowancePayer {
    /// Grades 1–4: the work-injury fund.
    Fund,
    /// Grades 5–6: the employer, when it provides no suitable job.
    Employer,
    /// Grades 7–10: no monthly allowance.
    None,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkInjuryDisability {
    pub grade: u8,
    /// The own wage clamped to [0.6 × avg_wage, 3 × avg_wage].
    pub wage_used: Decimal,
    /// True when the own wage was raised to the floor or cut to the ceiling.
    pub wage_clamped: bool,
    pub lump_sum_months: u32,
    pub lump_sum: Decimal,
    pub allowance_rate: Decimal,
    pub monthly_allowance: Decimal,
    /// True when the allowance was raised to the minimum wage.
    pub raised_to_min_wage: bool,
    pub allowance_payer: AllowancePayer,
}

pub fn work_injury_disability(
    amount: RoundingRule,
    own_wage: Decimal,
    avg_wage: Decimal,
    grade: u8,
    min_wage: Option<Decimal>,
) -> Result<WorkInjuryDisability, RuleError> {
    if !(1..=10).contains(&grade) {
        return Err(RuleError::invalid(
            "grade",
            grade.to_string(),
            "must be a disability grade from 1 to 10",
        ));
    }
    if let Some(m) = min_wage {
        nonneg(m, "min_wage")?;
    }
    let used = wage_used(own_wage, avg_wage)?;
    let i = usize::from(grade - 1);
    let months = LUMP_SUM_MONTHS[i];
    let (rate, payer) = match ALLOWANCE_PERCENT.get(i) {
        Some(p) if grade <= 4 => (pct(*p), AllowancePayer::Fund),
        Some(p) => (pct(*p), AllowancePayer::Employer),
        None => (Decimal::ZERO, AllowancePayer::None),
    };
    let raw = used * rate;
    let floor = min_wage.filter(|m| payer != AllowancePayer::None && raw < *m);
    Ok(WorkInjuryDisability {
        grade,
        wage_used: amount.apply(used),
        wage_clamped: used != own_wage,
        lump_sum_months: months,
        lump_sum: amount.apply(used * Decimal::from(months)),
        allowance_rate: rate,
        monthly_allowance: amount.apply(floor.unwrap_or(raw)),
        raised_to_min_wage: floor.is_some(),
        allowance_payer: payer,
    })
}

/// A dependent of a worker who died of a work injury (Art 39).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Dependent {
    pub spouse: bool,
    /// A lone elderly person or an orphan: +10 %.
    pub alone: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DependentPension {
    pub relation: &'static str,
    pub alone: bool,
    /// 0.40 (spouse) or 0.30, +0.10 when alone.
    pub rate: Decimal,
    /// wage_used × rate, scaled down in proportion when the total is capped.
    pub monthly: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkInjuryDeath {
    pub wage_used: Decimal,
    /// 6 × avg_wage.
    pub funeral_grant: Decimal,
    /// 20 × national_disposable_income.
    pub death_subsidy: Decimal,
    pub dependent_pensions: Vec<DependentPension>,
    /// Their sum, at most wage_used.
    pub dependents_total: Decimal,
    /// True when the rates added up to more than the whole wage used.
    pub capped: bool,
}

pub fn work_injury_death(
    amount: RoundingRule,
    own_wage: Decimal,
    avg_wage: Decimal,
    national_disposable_income: Decimal,
    dependents: &[Dependent],
) -> Result<WorkInjuryDeath, RuleError> {
    nonneg(national_disposable_income, "national_disposable_income")?;
    let used = wage_used(own_wage, avg_wage)?;
    let rates: Vec<Decimal> = dependents
        .iter()
        .map(|d| {
            pct(if d.spouse { 40 } else { 30 }) + if d.alone { pct(10) } else { Decimal::ZERO }
        })
        .collect();
    let rate_sum: Decimal = rates.iter().sum();
    let capped = rate_sum > Decimal::ONE;
    let pensions = dependents
        .iter()
        .zip(&rates)
        .map(|(d, rate)| {
            // Capped: each share is wage_used × rate ÷ Σ rates (in proportion).
            let raw = if capped {
                used * rate / rate_sum
            } else {
                used * rate
            };
            DependentPension {
                relation: if d.spouse { "spouse" } else { "other" },
                alone: d.alone,
                rate: *rate,
                monthly: amount.apply(raw),
            }
        })
        .collect();
    Ok(WorkInjuryDeath {
        wage_used: amount.apply(used),
        funeral_grant: amount.apply(avg_wage * Decimal::from(6)),
        death_subsidy: amount.apply(national_disposable_income * Decimal::from(20)),
        dependent_pensions: pensions,
        dependents_total: amount.apply(used * rate_sum.min(Decimal::ONE)),
        capped,
    })
}

// ---------------------------------------------------------------------------
// Pension adjustment, flexible employment, transfer, surcharge
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PensionAdjustmentResult {
    pub fixed: Decimal,
    /// pension × percent.
    pub by_percent: Decimal,
    /// per_year × whole contribution years.
    pub by_years: Decimal,
    pub whole_years: u32,
    /// The bonus of the highest `from_age` not above `age` (0 if none).
    pub age_bonus: Decimal,
    pub increase: Decimal,
    pub new_pension: Decimal,
}

pub fn pension_adjustment(
    amount: RoundingRule,
    pension: Decimal,
    contribution_years: Decimal,
    age: u32,
    a: &PensionAdjustment,
) -> Result<PensionAdjustmentResult, RuleError> {
    nonneg(pension, "pension")?;
    nonneg(contribution_years, "contribution_years")?;
    let whole = contribution_years.trunc();
    let bonus = a
        .age_bonus
        .iter()
        .filter(|b| b.from_age <= age)
        .max_by_key(|b| b.from_age)
        .map(|b| b.amount)
        .unwrap_or_default();
    let by_percent = pension * a.percent;
    let by_years = a.per_year * whole;
    let increase = amount.apply(a.fixed + by_percent + by_years + bonus);
    Ok(PensionAdjustmentResult {
        fixed: amount.apply(a.fixed),
        by_percent: amount.apply(by_percent),
        by_years: amount.apply(by_years),
        whole_years: whole.to_u32().unwrap_or(u32::MAX),
        age_bonus: amount.apply(bonus),
        increase,
        new_pension: amount.apply(pension) + increase,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FlexiblePension {
    /// 0.20: the whole contribution, paid by the person.
    pub rate: Decimal,
    pub amount: Decimal,
    /// 0.08 of the base goes to the personal account.
    pub account_rate: Decimal,
    pub account_credit: Decimal,
}

/// A flexibly employed person's pension contribution on `base`.
pub fn flexible_pension(amount: RoundingRule, base: Decimal) -> Result<FlexiblePension, RuleError> {
    nonneg(base, "base")?;
    Ok(FlexiblePension {
        rate: pct(20),
        amount: amount.apply(base * pct(20)),
        account_rate: pct(8),
        account_credit: amount.apply(base * pct(8)),
    })
}

/// The first month whose base counts in a transfer's pooled part (国办发〔2009〕66号).
pub const TRANSFER_FIRST_YEAR: i32 = 1998;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PensionTransfer {
    /// The personal account balance, in full.
    pub account_transfer: Decimal,
    /// Months from 1998-01 on.
    pub months_counted: u32,
    pub months_before_1998: u32,
    /// Σ of their bases.
    pub bases_counted: Decimal,
    /// 0.12 × bases_counted.
    pub pooled_transfer: Decimal,
    pub total: Decimal,
}

pub fn pension_transfer(
    amount: RoundingRule,
    account_balance: Decimal,
    bases: &[(Month, Decimal)],
) -> Result<PensionTransfer, RuleError> {
    nonneg(account_balance, "account_balance")?;
    let mut seen = std::collections::BTreeSet::new();
    let (mut counted, mut before, mut sum) = (0u32, 0u32, Decimal::ZERO);
    for (i, (m, base)) in bases.iter().enumerate() {
        nonneg(*base, &format!("bases[{i}].base"))?;
        if !seen.insert(*m) {
            return Err(RuleError::invalid(
                format!("bases[{i}].month"),
                format!("\"{m}\""),
                "appears twice (give one base per month)",
            ));
        }
        if m.year() >= TRANSFER_FIRST_YEAR {
            counted += 1;
            sum += base;
        } else {
            before += 1;
        }
    }
    let account = amount.apply(account_balance);
    let pooled = amount.apply(sum * pct(12));
    Ok(PensionTransfer {
        account_transfer: account,
        months_counted: counted,
        months_before_1998: before,
        bases_counted: sum,
        pooled_transfer: pooled,
        total: account + pooled,
    })
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LateSurcharge {
    /// Calendar days from the due date to the payment date (0 if not late).
    pub days: u32,
    /// The rule set's `late_surcharge_rate` (national 0.0005 a day,
    /// 社会保险法 Art 86).
    pub daily_rate: Decimal,
    pub surcharge: Decimal,
    pub total: Decimal,
}

/// The day a person-month's contributions are due: the last day of the
/// month they are for (a month unpaid when the next begins is in arrears,
/// `sirm_app::rights::in_arrears`).
pub fn contribution_due_on(month: Month) -> NaiveDate {
    month.last_day()
}

/// 滞纳金: `daily_rate` × overdue amount per calendar day from `due` to
/// `paid` (RULES.md "Late-payment surcharge").
pub fn late_surcharge(
    amount: RoundingRule,
    daily_rate: Decimal,
    overdue: Decimal,
    due: NaiveDate,
    paid: NaiveDate,
) -> Result<LateSurcharge, RuleError> {
    nonneg(overdue, "amount")?;
    nonneg(daily_rate, "daily_rate")?;
    let days = u32::try_from((paid - due).num_days().max(0)).unwrap_or(u32::MAX);
    let surcharge = amount.apply(overdue * daily_rate * Decimal::from(days));
    Ok(LateSurcharge {
        days,
        daily_rate,
        surcharge,
        total: amount.apply(overdue) + surcharge,
    })
}

#[cfg(test)]
mod tests {
    //! Expected figures worked out by hand from RULES.md (arithmetic in the
    //! comments), never by calling another formula of the engine.
    use super::*;
    use crate::rules::rounding::RoundingMode;
    use crate::rules::ruleset::AgeBonus;

    const FEN: RoundingRule = RoundingRule::new(2, RoundingMode::HalfUp);

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn unemployment_duration_by_contribution_months_capped_at_24() {
        // 70 months → 18; + 10 carried = 28 → 24 (6 carried used); 1800 × 24.
        let r = unemployment_benefit(FEN, 70, true, 10, d("1800")).unwrap();
        assert_eq!(
            (
                r.eligible,
                r.base_duration_months,
                r.carried_months,
                r.duration_months
            ),
            (true, 18, 6, 24)
        );
        assert_eq!(r.total_amount, d("43200.00"));
        // The band edges: 12 → 12, 59 → 12, 60 → 18, 119 → 18, 120 → 24.
        for (months, want) in [(12, 12), (59, 12), (60, 18), (119, 18), (120, 24)] {
            let r = unemployment_benefit(FEN, months, true, 0, d("1800")).unwrap();
            assert_eq!(r.duration_months, want, "{months} months");
        }
        // 11 months, or a voluntary quit: nothing.
        for (months, involuntary) in [(11, true), (200, false)] {
            let r = unemployment_benefit(FEN, months, involuntary, 6, d("1800")).unwrap();
            assert_eq!((r.eligible, r.duration_months), (false, 0));
            assert_eq!(r.total_amount, d("0.00"));
        }
    }

    #[test]
    fn maternity_days_and_amount() {
        // Birth: 98 + 15 (difficult) + 15 (a second baby) + 30 (regional) = 158;
        // 9000 × 158 ÷ 30 = 47400.
        let r = maternity_allowance(FEN, d("9000"), MaternityEvent::Birth, true, 2, 30).unwrap();
        assert_eq!(r.days, 158);
        assert_eq!(r.amount, d("47400.00"));
        // 7000 × 98 ÷ 30 = 22866.666… → 22866.67.
        let r = maternity_allowance(FEN, d("7000"), MaternityEvent::Birth, false, 1, 0).unwrap();
        assert_eq!((r.days, r.amount), (98, d("22866.67")));
        // Miscarriages: 15 and 42 days, no extras even when asked.
        let under = MaternityEvent::MiscarriageUnder4Months;
        let r = maternity_allowance(FEN, d("9000"), under, true, 3, 30).unwrap();
        assert_eq!((r.days, r.amount), (15, d("4500.00")));
        let over = MaternityEvent::Miscarriage4MonthsOrMore;
        let r = maternity_allowance(FEN, d("9000"), over, false, 1, 30).unwrap();
        assert_eq!((r.days, r.amount), (42, d("12600.00")));
    }

    #[test]
    fn disability_by_grade_with_the_wage_clamped() {
        // Own 4000 under 0.6 × 8000 = 4800: 4800 used. Grade 5: 18 months
        // (86400), 70 % (3360) from the employer.
        let r = work_injury_disability(FEN, d("4000"), d("8000"), 5, None).unwrap();
        assert_eq!((r.wage_used, r.wage_clamped), (d("4800.00"), true));
        assert_eq!((r.lump_sum_months, r.lump_sum), (18, d("86400.00")));
        assert_eq!(r.monthly_allowance, d("3360.00"));
        assert_eq!(r.allowance_payer, AllowancePayer::Employer);
        // The minimum wage 3500 lifts it.
        let r = work_injury_disability(FEN, d("4000"), d("8000"), 5, Some(d("3500"))).unwrap();
        assert_eq!(
            (r.monthly_allowance, r.raised_to_min_wage),
            (d("3500.00"), true)
        );
        // Own 30000 over 3 × 8000 = 24000. Grade 1: 27 × 24000 = 648000;
        // 90 % = 21600 from the fund.
        let r = work_injury_disability(FEN, d("30000"), d("8000"), 1, None).unwrap();
        assert_eq!(r.wage_used, d("24000.00"));
        assert_eq!(r.lump_sum, d("648000.00"));
        assert_eq!(r.monthly_allowance, d("21600.00"));
        assert_eq!(r.allowance_payer, AllowancePayer::Fund);
        // Grade 8: 11 months, no allowance, the minimum wage does not apply.
        let r = work_injury_disability(FEN, d("6000"), d("8000"), 8, Some(d("3500"))).unwrap();
        assert_eq!(
            (r.lump_sum, r.monthly_allowance),
            (d("66000.00"), d("0.00"))
        );
        assert_eq!(r.allowance_payer, AllowancePayer::None);
        assert!(work_injury_disability(FEN, d("6000"), d("8000"), 11, None).is_err());
    }

    #[test]
    fn death_benefits_capped_at_the_wage_used() {
        // Spouse 40 %, a lone parent 30 + 10 %, a child 30 %: 110 % > 100 %,
        // so each gets 10000 × rate ÷ 1.10: 3636.36, 3636.36, 2727.27.
        let deps = [
            Dependent {
                spouse: true,
                alone: false,
            },
            Dependent {
                spouse: false,
                alone: true,
            },
            Dependent {
                spouse: false,
                alone: false,
            },
        ];
        let r = work_injury_death(FEN, d("10000"), d("8000"), d("51821"), &deps).unwrap();
        assert_eq!(r.funeral_grant, d("48000.00")); // 6 × 8000
        assert_eq!(r.death_subsidy, d("1036420.00")); // 20 × 51821
        let monthly: Vec<Decimal> = r.dependent_pensions.iter().map(|p| p.monthly).collect();
        assert_eq!(monthly, [d("3636.36"), d("3636.36"), d("2727.27")]);
        assert_eq!((r.dependents_total, r.capped), (d("10000.00"), true));
        // A spouse alone: 40 % of 10000, not capped.
        let r = work_injury_death(FEN, d("10000"), d("8000"), d("51821"), &deps[..1]).unwrap();
        assert_eq!((r.dependents_total, r.capped), (d("4000.00"), false));
    }

    #[test]
    fn pension_adjustment_adds_every_part() {
        // 50 + 3000 × 1.5 % (45) + 2 × 25 whole years (50) + the 70+ bonus 30 = 175.
        let a = PensionAdjustment {
            fixed: d("50"),
            percent: d("0.015"),
            per_year: d("2"),
            age_bonus: vec![
                AgeBonus {
                    from_age: 65,
                    amount: d("20"),
                },
                AgeBonus {
                    from_age: 70,
                    amount: d("30"),
                },
                AgeBonus {
                    from_age: 75,
                    amount: d("50"),
                },
            ],
        };
        let r = pension_adjustment(FEN, d("3000"), d("25.9"), 72, &a).unwrap();
        assert_eq!((r.whole_years, r.increase), (25, d("175.00")));
        assert_eq!(r.new_pension, d("3175.00"));
        // Under every bonus age: no bonus.
        let r = pension_adjustment(FEN, d("3000"), d("25"), 60, &a).unwrap();
        assert_eq!((r.age_bonus, r.increase), (d("0.00"), d("145.00")));
    }

    #[test]
    fn flexible_transfer_and_surcharge() {
        // 6000 × 20 % = 1200, 8 % = 480.
        let f = flexible_pension(FEN, d("6000")).unwrap();
        assert_eq!((f.amount, f.account_credit), (d("1200.00"), d("480.00")));
        // 1997-12 does not count; 12 % × (3000 + 3500) = 780.
        let m = |s: &str| Month::parse(s).unwrap();
        let bases = [
            (m("1997-12"), d("3000")),
            (m("1998-01"), d("3000")),
            (m("1998-02"), d("3500")),
        ];
        let t = pension_transfer(FEN, d("56000"), &bases).unwrap();
        assert_eq!((t.months_counted, t.months_before_1998), (2, 1));
        assert_eq!((t.pooled_transfer, t.total), (d("780.00"), d("56780.00")));
        let twice = [(m("2000-01"), d("1")), (m("2000-01"), d("2"))];
        assert!(pension_transfer(FEN, d("0"), &twice).is_err());
        // 2026-01-15 → 2026-03-01: 16 + 28 + 1 = 45 days; 10000 × 0.0005 × 45 = 225.
        let s = late_surcharge(
            FEN,
            d("0.0005"),
            d("10000"),
            day("2026-01-15"),
            day("2026-03-01"),
        )
        .unwrap();
        assert_eq!(
            (s.days, s.surcharge, s.total),
            (45, d("225.00"), d("10225.00"))
        );
        // Paid early or on the day: nothing.
        let s = late_surcharge(
            FEN,
            d("0.0005"),
            d("10000"),
            day("2026-01-15"),
            day("2026-01-10"),
        )
        .unwrap();
        assert_eq!((s.days, s.surcharge), (0, d("0.00")));
    }

    /// docs/rules.md's 补缴 example: 2025-03 due on its last day, the
    /// difference 375.00 paid on 2025-06-09: 30 + 31 + 9 = 70 days;
    /// 375 × 0.0005 × 70 = 13.125 → 13.13 (half up). The rate is the
    /// national rule set's figure, which every region inherits.
    #[test]
    fn supplementary_payment_example() {
        let due = contribution_due_on(Month::parse("2025-03").unwrap());
        assert_eq!(due, day("2025-03-31"));
        let rate = crate::rules::builtin::rule_book()
            .unwrap()
            .by_region("110105")
            .unwrap()
            .year(2025)
            .unwrap()
            .benefits
            .late_surcharge_rate;
        assert_eq!(rate, Some(d("0.0005")));
        let s = late_surcharge(FEN, d("0.0005"), d("375.00"), due, day("2025-06-09")).unwrap();
        assert_eq!((s.days, s.surcharge), (70, d("13.13")));
        assert!(late_surcharge(FEN, d("-0.0005"), d("1"), due, due).is_err());
        // `sirm calc late-surcharge`: the national rate unless the input
        // gives one (375 × 0.001 × 70 = 26.25).
        let book = crate::rules::builtin::rule_book().unwrap();
        let mut input = serde_json::json!({"amount": "375.00", "due_date": "2025-03-31", "paid_date": "2025-06-09"});
        let out =
            crate::rules::calc::calc(&book, "late-surcharge", &input, day("2026-01-01")).unwrap();
        assert_eq!(
            (&out["daily_rate"], &out["surcharge"]),
            (&serde_json::json!("0.0005"), &serde_json::json!("13.13"))
        );
        input["daily_rate"] = serde_json::json!("0.001");
        let out =
            crate::rules::calc::calc(&book, "late-surcharge", &input, day("2026-01-01")).unwrap();
        assert_eq!(out["surcharge"], serde_json::json!("26.25"));
    }
}
