//! Reading a rule set document: the typed, range-checked layers
//! (`[defaults]`, `[years.Y]`, `params`) and the helpers that read one
//! section each. Errors name the dotted key they are about.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::Value;

use super::super::doc::{join, Obj};
use super::super::error::RuleError;
use super::super::rounding::{Rounding, RoundingMode, RoundingRule};
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
        other => other,
    }
}

pub(super) fn parse_year_key(k: &str, path: &str) -> Result<i32, RuleError> {
    if k.len() != 4 || !k.bytes().all(|c| c.is_ascii_digit()) {
        return Err(RuleError::invalid(
            path,
            format!("{k:?}"),
            "a year key must be four digits",
        ));
    }
    let y: i64 = k.parse().unwrap_or(0);
    if y < YEAR_RANGE.0 || y > YEAR_RANGE.1 {
        return Err(RuleError::invalid(
            path,
            k,
            format!("year must be {}–{}", YEAR_RANGE.0, YEAR_RANGE.1),
        ));
    }
    Ok(y as i32)
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

pub(super) fn rate_in(
    v: Decimal,
    key: &str,
    lo: Decimal,
    hi: Decimal,
    what: &str,
) -> Result<Decimal, RuleError> {
    if v < lo || v > hi {
        return Err(RuleError::invalid(
            key,
            format!("\"{v}\""),
            format!("{what} must be between {lo} and {hi}"),
        ));
    }
    Ok(v)
}

pub(super) fn parse_rounding(o: Obj<'_>) -> Result<Rounding, RuleError> {
    o.deny_unknown(&["base", "amount", "index"])?;
    let rule = |k: &str| -> Result<RoundingRule, RuleError> {
        let path = o.key(k);
        let r = Obj::new(o.req(k)?, &path)?;
        r.deny_unknown(&["scale", "mode"])?;
        let scale = r.int("scale", 0, 10)? as u32;
        let mode_s = r.str("mode")?;
        let mode = RoundingMode::parse(mode_s).ok_or_else(|| {
            RuleError::invalid(
                r.key("mode"),
                format!("{mode_s:?}"),
                "must be half_up, half_even, down or up",
            )
        })?;
        Ok(RoundingRule::new(scale, mode))
    };
    Ok(Rounding {
        base: rule("base")?,
        amount: rule("amount")?,
        index: rule("index")?,
    })
}

pub(super) fn parse_retirement(o: Obj<'_>) -> Result<RetirementSchedule, RuleError> {
    o.deny_unknown(&["male", "female_55", "female_50"])?;
    let step = |k: &str| -> Result<ScheduleStep, RuleError> {
        let path = o.key(k);
        let s = Obj::new(o.req(k)?, &path)?;
        s.deny_unknown(&[
            "original_age_years",
            "first_affected_birth_month",
            "step_months",
            "cap_months",
        ])?;
        Ok(ScheduleStep {
            original_age_years: s.int("original_age_years", 16, 80)? as u32,
            first_affected_birth_month: doc::month(
                s.req("first_affected_birth_month")?,
                &s.key("first_affected_birth_month"),
            )?,
            step_months: s.int("step_months", 1, 120)? as u32,
            cap_months: s.int("cap_months", 0, 240)? as u32,
        })
    };
    Ok(RetirementSchedule {
        male: step("male")?,
        female_55: step("female_55")?,
        female_50: step("female_50")?,
    })
}

pub(super) fn parse_min_contribution(o: Obj<'_>) -> Result<MinContribution, RuleError> {
    o.deny_unknown(&[
        "base_months",
        "first_rising_year",
        "step_months",
        "max_months",
    ])?;
    let m = MinContribution {
        base_months: o.int("base_months", 0, 1200)? as u32,
        first_rising_year: o.int("first_rising_year", YEAR_RANGE.0, YEAR_RANGE.1)? as i32,
        step_months: o.int("step_months", 0, 120)? as u32,
        max_months: o.int("max_months", 0, 1200)? as u32,
    };
    if m.max_months < m.base_months {
        return Err(RuleError::invalid(
            o.key("max_months"),
            m.max_months.to_string(),
            format!("must not be below base_months {}", m.base_months),
        ));
    }
    Ok(m)
}

pub(super) fn parse_payout(o: Obj<'_>) -> Result<PayoutTable, RuleError> {
    let mut rows = BTreeMap::new();
    for (k, v) in o.map {
        let path = o.key(k);
        let age: u32 = if !k.is_empty() && k.len() <= 3 && k.bytes().all(|c| c.is_ascii_digit()) {
            k.parse().unwrap_or(0)
        } else {
            return Err(RuleError::invalid(
                &path,
                format!("{k:?}"),
                "an age key must be a whole number of years",
            ));
        };
        rows.insert(age, doc::int_in(v, &path, 1, 1200)? as u32);
    }
    let first_age = *rows
        .keys()
        .next()
        .ok_or_else(|| RuleError::missing(join(o.path, "40")))?;
    let mut months = Vec::new();
    for (i, (age, m)) in rows.iter().enumerate() {
        if *age != first_age + i as u32 {
            return Err(RuleError::missing(join(
                o.path,
                &(first_age + i as u32).to_string(),
            )));
        }
        if let Some(prev) = months.last() {
            if m > prev {
                return Err(RuleError::invalid(
                    join(o.path, &age.to_string()),
                    m.to_string(),
                    format!(
                        "payout months must not rise with age (age {} has {prev})",
                        age - 1
                    ),
                ));
            }
        }
        months.push(*m);
    }
    Ok(PayoutTable { first_age, months })
}

pub(super) fn parse_crediting_rates(o: Obj<'_>) -> Result<BTreeMap<i32, Decimal>, RuleError> {
    let mut out = BTreeMap::new();
    for (k, v) in o.map {
        let path = o.key(k);
        let y = parse_year_key(k, &path)?;
        let r = doc::decimal(v, &path)?;
        out.insert(
            y,
            rate_in(r, &path, Decimal::ZERO, Decimal::ONE, "a crediting rate")?,
        );
    }
    check_contiguous(out.keys().copied(), o.path)?;
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
}

impl Layer {
    pub(super) fn parse(o: Obj<'_>, _is_year: bool) -> Result<Layer, RuleError> {
        o.deny_unknown(LAYER_KEYS)?;
        let positive = |k: &str| -> Result<Option<Decimal>, RuleError> {
            match o.opt_dec(k)? {
                Some(d) if d <= Decimal::ZERO => Err(RuleError::invalid(
                    o.key(k),
                    format!("\"{d}\""),
                    "must be positive",
                )),
                d => Ok(d),
            }
        };
        let mut l = Layer {
            avg_wage: positive("avg_wage")?,
            pension_base_wage: positive("pension_base_wage")?,
            floor_ratio: positive("floor_ratio")?.map(|d| (d, o.key("floor_ratio"))),
            ceiling_ratio: positive("ceiling_ratio")?.map(|d| (d, o.key("ceiling_ratio"))),
            transitional_coefficient: None,
            ..Layer::default()
        };
        if let Some(c) = o.opt_dec("transitional_coefficient")? {
            // RULES.md: a regional coefficient of 1.0 %–1.4 %.
            rate_in(
                c,
                &o.key("transitional_coefficient"),
                Decimal::new(10, 3),
                Decimal::new(14, 3),
                "a transitional coefficient",
            )?;
            l.transitional_coefficient = Some(c);
        }
        if let Some(rv) = o.get("rates") {
            let rpath = o.key("rates");
            let r = Obj::new(rv, &rpath)?;
            r.deny_unknown(&["pension", "medical", "unemployment", "work_injury"])?;
            for ins in ["pension", "medical", "unemployment"] {
                if let Some(iv) = r.get(ins) {
                    let ipath = r.key(ins);
                    let io = Obj::new(iv, &ipath)?;
                    io.deny_unknown(&["employer", "employee"])?;
                    for payer in ["employer", "employee"] {
                        if let Some(d) = io.opt_dec(payer)? {
                            rate_in(
                                d,
                                &io.key(payer),
                                Decimal::ZERO,
                                Decimal::ONE,
                                "a contribution rate",
                            )?;
                            l.rates.insert((ins, payer), d);
                        }
                    }
                }
            }
            if let Some(wv) = r.get("work_injury") {
                let wpath = r.key("work_injury");
                let w = Obj::new(wv, &wpath)?;
                for (k, v) in w.map {
                    let path = w.key(k);
                    let class: u8 = match k.parse::<u8>() {
                        Ok(c) if (1..=32).contains(&c) && k.bytes().all(|b| b.is_ascii_digit()) => {
                            c
                        }
                        _ => {
                            return Err(RuleError::invalid(
                                &path,
                                format!("{k:?}"),
                                "an industry class key must be 1–32",
                            ))
                        }
                    };
                    let d = doc::decimal(v, &path)?;
                    rate_in(d, &path, Decimal::ZERO, Decimal::ONE, "a contribution rate")?;
                    l.work_injury.insert(class, d);
                }
            }
        }
        Ok(l)
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
            rounding,
        })
    }
}
