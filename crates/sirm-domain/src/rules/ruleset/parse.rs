//! From the typed document (`schema.rs`) to the parts of a [`RuleSet`]: the
//! checks that span keys (contiguous years and ages, payout months not
//! rising, `max_months` not below `base_months`) and the layers
//! (`[defaults]`, `[years.Y]`, `params`) resolved per year. Errors name the
//! dotted key they are about.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::Value;

use super::super::doc::join;
use super::super::error::RuleError;
use super::super::rounding::{Rounding, RoundingRule};
use super::schema::*;
use super::*;

/// Maps errors about merged keys back to the `params` key that caused them.
pub(super) fn rename_to_params(e: RuleError, params: &Value) -> RuleError {
    pub(super) fn rest(key: &str) -> &str {
        if let Some(r) = key.strip_prefix("defaults.") {
            return r;
        }
        if let Some(r) = key.strip_prefix("years.") {
            if let Some((_, r)) = r.split_once('.') {
                return r;
            }
        }
        key
    }
    pub(super) fn present(v: &Value, dotted: &str) -> bool {
        let mut cur = v;
        for part in dotted.split('.') {
            match cur.get(part) {
                Some(n) => cur = n,
                None => return false,
            }
        }
        true
    }
    let map_key = |k: String| {
        let r = rest(&k);
        if present(params, r) {
            format!("params.{r}")
        } else {
            k
        }
    };
    match e {
        RuleError::Missing { key } => RuleError::Missing { key: map_key(key) },
        RuleError::Invalid { key, value, reason } => RuleError::Invalid {
            key: map_key(key),
            value,
            reason,
        },
        RuleError::UnknownKey { key, allowed } => RuleError::UnknownKey {
            key: map_key(key),
            allowed,
        },
        other => other,
    }
}

pub(super) fn check_contiguous(
    keys: impl Iterator<Item = i32>,
    path: &str,
) -> Result<(), RuleError> {
    let mut prev: Option<i32> = None;
    for y in keys {
        if let Some(p) = prev {
            if y != p + 1 {
                return Err(RuleError::missing(join(path, &(p + 1).to_string())));
            }
        }
        prev = Some(y);
    }
    Ok(())
}

pub(super) fn rounding(d: &RoundingDoc) -> Rounding {
    let rule = |r: &RoundingRuleDoc| RoundingRule::new(r.scale.u32(), r.mode);
    Rounding {
        base: rule(&d.base),
        amount: rule(&d.amount),
        index: rule(&d.index),
    }
}

pub(super) fn retirement(d: &RetirementDoc) -> RetirementSchedule {
    let step = |s: &ScheduleStepDoc| ScheduleStep {
        original_age_years: s.original_age_years.u32(),
        first_affected_birth_month: s.first_affected_birth_month.0,
        step_months: s.step_months.u32(),
        cap_months: s.cap_months.u32(),
    };
    RetirementSchedule {
        male: step(&d.male),
        female_55: step(&d.female_55),
        female_50: step(&d.female_50),
    }
}

pub(super) fn min_contribution(d: &MinContributionDoc) -> Result<MinContribution, RuleError> {
    let m = MinContribution {
        base_months: d.base_months.u32(),
        first_rising_year: d.first_rising_year.0 as i32,
        step_months: d.step_months.u32(),
        max_months: d.max_months.u32(),
    };
    if m.max_months < m.base_months {
        return Err(RuleError::invalid(
            "min_contribution.max_months",
            m.max_months.to_string(),
            format!("must not be below base_months {}", m.base_months),
        ));
    }
    Ok(m)
}

/// The payout table: ages contiguous, months not rising with age.
pub(super) fn payout(rows: &BTreeMap<AgeKey, IntIn<1, 1200>>) -> Result<PayoutTable, RuleError> {
    const PATH: &str = "payout_months";
    let first_age = rows
        .keys()
        .next()
        .ok_or_else(|| RuleError::missing(join(PATH, "40")))?
        .0;
    let mut months: Vec<u32> = Vec::new();
    for (i, (AgeKey(age), m)) in rows.iter().enumerate() {
        let m = m.u32();
        if *age != first_age + i as u32 {
            return Err(RuleError::missing(join(
                PATH,
                &(first_age + i as u32).to_string(),
            )));
        }
        if let Some(prev) = months.last() {
            if m > *prev {
                return Err(RuleError::invalid(
                    join(PATH, &age.to_string()),
                    m.to_string(),
                    format!(
                        "payout months must not rise with age (age {} has {prev})",
                        age - 1
                    ),
                ));
            }
        }
        months.push(m);
    }
    Ok(PayoutTable { first_age, months })
}

/// The crediting rates by year, the years contiguous.
pub(super) fn crediting_rates(
    rates: &BTreeMap<YearKey, CreditingRate>,
) -> Result<BTreeMap<i32, Decimal>, RuleError> {
    let out: BTreeMap<i32, Decimal> = rates.iter().map(|(y, r)| (y.0, r.0)).collect();
    check_contiguous(out.keys().copied(), "crediting_rates")?;
    Ok(out)
}

/// One layer (`[defaults]`, `[years.Y]` or `params`) before resolution: every
/// value type- and range-checked, absent keys `None`.
#[derive(Clone, Default)]
pub(super) struct Layer {
    pub(super) avg_wage: Option<Decimal>,
    pub(super) pension_base_wage: Option<Decimal>,
    pub(super) floor_ratio: Option<(Decimal, String)>,
    pub(super) ceiling_ratio: Option<(Decimal, String)>,
    /// (insurance, payer) → rate
    pub(super) rates: BTreeMap<(&'static str, &'static str), Decimal>,
    pub(super) work_injury: BTreeMap<u8, Decimal>,
    pub(super) transitional_coefficient: Option<Decimal>,
    pub(super) benefits: BenefitParams,
}

impl Layer {
    /// The layer read at `path` (`defaults`, `years.YYYY`).
    pub(super) fn of(d: &LayerDoc, path: &str) -> Layer {
        let mut l = Layer {
            avg_wage: d.avg_wage.map(|p| p.0),
            pension_base_wage: d.pension_base_wage.map(|p| p.0),
            floor_ratio: d.floor_ratio.map(|p| (p.0, join(path, "floor_ratio"))),
            ceiling_ratio: d.ceiling_ratio.map(|p| (p.0, join(path, "ceiling_ratio"))),
            transitional_coefficient: d.transitional_coefficient.map(|c| c.0),
            benefits: BenefitParams {
                unemployment_benefit: d.unemployment_benefit.map(|p| p.0),
                maternity_extra_days: d.maternity_extra_days.map(IntIn::u32),
                min_wage: d.min_wage.map(|p| p.0),
                national_disposable_income: d.national_disposable_income.map(|p| p.0),
                late_surcharge_rate: d.late_surcharge_rate.map(|r| r.0),
                funeral_grant: d.funeral_grant.map(|p| p.0),
                survivor_months: d.survivor_months.map(IntIn::u32),
                medical_account_share: d.medical_account_share.map(|r| r.0),
                medical_retiree_credit: d.medical_retiree_credit.map(|p| p.0),
                pension_adjustment: d.pension_adjustment.as_ref().map(|a| PensionAdjustment {
                    fixed: a.fixed.map(|x| x.0).unwrap_or_default(),
                    percent: a.percent.map(|x| x.0).unwrap_or_default(),
                    per_year: a.per_year.map(|x| x.0).unwrap_or_default(),
                    age_bonus: a
                        .age_bonus
                        .iter()
                        .flatten()
                        .map(|b| AgeBonus {
                            from_age: b.from_age.u32(),
                            amount: b.amount.0,
                        })
                        .collect(),
                }),
            },
            ..Layer::default()
        };
        if let Some(r) = &d.rates {
            for (ins, payer_rates) in [
                ("pension", &r.pension),
                ("medical", &r.medical),
                ("unemployment", &r.unemployment),
            ] {
                let Some(pr) = payer_rates else { continue };
                for (payer, rate) in [("employer", pr.employer), ("employee", pr.employee)] {
                    if let Some(rate) = rate {
                        l.rates.insert((ins, payer), rate.0);
                    }
                }
            }
            if let Some(w) = &r.work_injury {
                l.work_injury
                    .extend(w.iter().map(|(class, rate)| (class.0, rate.0)));
            }
        }
        l
    }

    pub(super) fn overlay(&self, over: &Layer) -> Layer {
        let mut l = self.clone();
        l.avg_wage = over.avg_wage.or(l.avg_wage);
        l.pension_base_wage = over.pension_base_wage.or(l.pension_base_wage);
        if over.floor_ratio.is_some() {
            l.floor_ratio.clone_from(&over.floor_ratio);
        }
        if over.ceiling_ratio.is_some() {
            l.ceiling_ratio.clone_from(&over.ceiling_ratio);
        }
        l.transitional_coefficient = over.transitional_coefficient.or(l.transitional_coefficient);
        l.benefits = l.benefits.overlay(&over.benefits);
        l.rates.extend(over.rates.iter().map(|(k, v)| (*k, *v)));
        l.work_injury
            .extend(over.work_injury.iter().map(|(k, v)| (*k, *v)));
        l
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn resolve(
        &self,
        rule_set: RuleSetRef,
        year: Option<i32>,
        path: &str,
        defaults_path: &str,
        regional: bool,
        rounding: Rounding,
        crediting_rates: &BTreeMap<i32, Decimal>,
    ) -> Result<Params, RuleError> {
        let (floor_ratio, _) = self
            .floor_ratio
            .clone()
            .ok_or_else(|| RuleError::missing(join(defaults_path, "floor_ratio")))?;
        let (ceiling_ratio, ceiling_key) = self
            .ceiling_ratio
            .clone()
            .ok_or_else(|| RuleError::missing(join(defaults_path, "ceiling_ratio")))?;
        if ceiling_ratio < floor_ratio {
            return Err(RuleError::invalid(
                ceiling_key,
                format!("\"{ceiling_ratio}\""),
                format!("the ceiling ratio is below the floor ratio {floor_ratio}"),
            ));
        }
        let rate = |ins: &'static str, payer: &'static str| {
            self.rates
                .get(&(ins, payer))
                .copied()
                .ok_or_else(|| RuleError::missing(format!("{defaults_path}.rates.{ins}.{payer}")))
        };
        let pr = |ins: &'static str| -> Result<PayerRates, RuleError> {
            Ok(PayerRates {
                employer: rate(ins, "employer")?,
                employee: rate(ins, "employee")?,
            })
        };
        let mut work_injury = Vec::new();
        for (i, (class, r)) in self.work_injury.iter().enumerate() {
            if *class as usize != i + 1 {
                return Err(RuleError::missing(format!(
                    "{defaults_path}.rates.work_injury.{}",
                    i + 1
                )));
            }
            work_injury.push(*r);
        }
        if work_injury.is_empty() {
            return Err(RuleError::missing(format!(
                "{defaults_path}.rates.work_injury.1"
            )));
        }
        let avg_wage = self.avg_wage;
        if regional && year.is_some() && avg_wage.is_none() {
            return Err(RuleError::missing(join(path, "avg_wage")));
        }
        let floor = avg_wage.map(|a| rounding.base.apply(a * floor_ratio));
        let ceiling = avg_wage.map(|a| rounding.base.apply(a * ceiling_ratio));
        Ok(Params {
            rule_set,
            year,
            avg_wage,
            pension_base_wage: self.pension_base_wage,
            floor_ratio,
            ceiling_ratio,
            floor,
            ceiling,
            rates: Rates {
                pension: pr("pension")?,
                medical: pr("medical")?,
                unemployment: pr("unemployment")?,
                work_injury,
            },
            crediting_rate: year.and_then(|y| crediting_rates.get(&y).copied()),
            transitional_coefficient: self.transitional_coefficient,
            benefits: self.benefits.clone(),
            rounding,
        })
    }
}
