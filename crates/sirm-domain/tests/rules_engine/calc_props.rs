//! Property tests of the `sirm calc` rules of issue 13 (unemployment,
//! maternity, work injury, the yearly adjustment, flexible employment),
//! through the JSON interface with the demo region's 2026 figures: every
//! output recomputed here from RULES.md's formula (not by calling
//! `rules/benefits.rs`), plus the orderings the law implies (a longer
//! contribution record never shortens the benefit, a share never exceeds
//! the wage, …).

use std::str::FromStr;
use std::sync::LazyLock;

use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};
use sirm_domain::rules::ruleset::Params;
use sirm_domain::rules::{calc, RuleBook};

use super::{book, today};

/// The embedded rule sets, parsed once for every case.
static BOOK: LazyLock<RuleBook> = LazyLock::new(book);

/// Half up to the fen.
fn fen(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Half up to the yuan (the base rule).
fn yuan_round(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
}

fn pct(n: i64) -> Decimal {
    Decimal::new(n, 2)
}

/// The demo region's figures for 2026 (data, not formulas).
fn p2026() -> Params {
    BOOK.by_region("110105")
        .unwrap()
        .year(2026)
        .unwrap()
        .clone()
}

/// A decimal output, written as a string or a number.
fn dec(v: &Value, k: &str) -> Decimal {
    match &v[k] {
        Value::String(s) => Decimal::from_str(s).unwrap(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).unwrap(),
        other => panic!("{k} is not a decimal: {other}"),
    }
}

fn int(v: &Value, k: &str) -> u64 {
    v[k].as_u64()
        .unwrap_or_else(|| panic!("{k} is not an integer: {}", v[k]))
}

fn money() -> impl Strategy<Value = Decimal> {
    (0i64..5_000_000).prop_map(|c| Decimal::new(c, 2))
}

/// The demo region's 2026 calculation of `rule` for `input` (+ region, year).
fn calc26(rule: &str, mut input: Value) -> Value {
    input["region"] = json!("110105");
    input["year"] = json!(2026);
    calc::calc(&BOOK, rule, &input, today()).unwrap()
}

fn duration(months: u32, involuntary: bool, carried: u32) -> u32 {
    if !involuntary || months < 12 {
        return 0;
    }
    let band = match months {
        12..=59 => 12,
        60..=119 => 18,
        _ => 24,
    };
    (band + carried).min(24)
}

proptest! {
    #[test]
    fn unemployment_duration_by_months(m1 in 0u32..300, m2 in 0u32..300, c1 in 0u32..=24, c2 in 0u32..=24, involuntary: bool) {
        let (lo, hi) = (m1.min(m2), m1.max(m2));
        let (clo, chi) = (c1.min(c2), c1.max(c2));
        let monthly = p2026().benefits.unemployment_benefit.unwrap();
        let q = |m: u32, c: u32| calc26("unemployment-benefit", json!({
            "contribution_months": m, "involuntary": involuntary, "carried_months": c,
        }));
        let a = q(lo, clo);
        let b = q(hi, chi);
        for (v, m, c) in [(&a, lo, clo), (&b, hi, chi)] {
            let d = duration(m, involuntary, c);
            prop_assert_eq!(v["eligible"].as_bool(), Some(involuntary && m >= 12));
            prop_assert_eq!(int(v, "duration_months"), u64::from(d));
            prop_assert!(d <= 24);
            // Carried months count only up to the cap, and only when eligible.
            let base = if d == 0 { 0 } else { duration(m, true, 0) };
            prop_assert_eq!(int(v, "carried_months"), u64::from(d - base));
            prop_assert_eq!(dec(v, "monthly_amount"), fen(monthly));
            prop_assert_eq!(dec(v, "total_amount"), fen(monthly * Decimal::from(d)));
        }
        // More contribution months and more carried months never shorten it.
        prop_assert!(int(&a, "duration_months") <= int(&b, "duration_months"));
        prop_assert!(dec(&a, "total_amount") <= dec(&b, "total_amount"));
    }

    #[test]
    fn maternity_days(wage in money(), ev in 0usize..3, difficult: bool, babies in 1u32..=10, extra in proptest::option::of(0u32..=365)) {
        let event = ["birth", "miscarriage_under_4_months", "miscarriage_4_months_or_more"][ev];
        let mut input = json!({
            "employer_avg_monthly_wage": wage.to_string(), "event": event,
            "difficult_birth": difficult, "babies": babies,
        });
        if let Some(x) = extra {
            input["extra_days"] = json!(x);
        }
        let v = calc26("maternity-allowance", input);
        let set_extra = p2026().benefits.maternity_extra_days.unwrap_or(0);
        let days = match ev {
            0 => 98 + if difficult { 15 } else { 0 } + 15 * (babies - 1) + extra.unwrap_or(set_extra),
            1 => 15,
            _ => 42,
        };
        prop_assert_eq!(int(&v, "days"), u64::from(days));
        prop_assert_eq!(dec(&v, "amount"), fen(wage * Decimal::from(days) / Decimal::from(30)));
        if ev == 0 {
            prop_assert!(days >= 98);
        }
    }

    #[test]
    fn work_injury_disability(own in money(), grade in 1u8..=10, min in proptest::option::of(money())) {
        let mut input = json!({"own_wage": own.to_string(), "grade": grade});
        if let Some(m) = min {
            input["min_wage"] = json!(m.to_string());
        }
        let v = calc26("work-injury-disability", input);
        let avg = p2026().avg_wage.unwrap();
        let (lo, hi) = (avg * pct(60), avg * Decimal::from(3));
        let used = own.max(lo).min(hi);
        let g = usize::from(grade - 1);
        let months = [27u64, 25, 23, 21, 18, 16, 13, 11, 9, 7][g];
        let rate = pct([90, 85, 80, 75, 70, 60, 0, 0, 0, 0][g]);
        let payer = if grade <= 4 { "fund" } else if grade <= 6 { "employer" } else { "none" };
        let raw = used * rate;
        let floored = grade <= 6 && min.is_some_and(|m| raw < m);
        prop_assert_eq!(dec(&v, "wage_used"), fen(used));
        prop_assert!(dec(&v, "wage_used") >= fen(lo) && dec(&v, "wage_used") <= fen(hi));
        prop_assert_eq!(v["wage_clamped"].as_bool(), Some(own < lo || own > hi));
        prop_assert_eq!(int(&v, "lump_sum_months"), months);
        prop_assert_eq!(dec(&v, "lump_sum"), fen(used * Decimal::from(months)));
        prop_assert_eq!(dec(&v, "allowance_rate"), rate);
        prop_assert_eq!(v["allowance_payer"].as_str(), Some(payer));
        prop_assert_eq!(v["raised_to_min_wage"].as_bool(), Some(floored));
        let allowance = if floored { min.unwrap_or_default() } else { raw };
        prop_assert_eq!(dec(&v, "monthly_allowance"), fen(allowance));
        if let (Some(m), true) = (min, grade <= 6) {
            prop_assert!(dec(&v, "monthly_allowance") >= fen(m));
        }
    }

    #[test]
    fn work_injury_death(own in money(), spouse: bool, others in proptest::collection::vec(any::<bool>(), 0..6), spouse_alone: bool) {
        let mut deps: Vec<(bool, bool)> = others.iter().map(|a| (false, *a)).collect();
        if spouse {
            deps.insert(0, (true, spouse_alone));
        }
        let list: Vec<Value> = deps.iter()
            .map(|(s, a)| json!({"relation": if *s { "spouse" } else { "other" }, "alone": a}))
            .collect();
        let v = calc26("work-injury-death", json!({"own_wage": own.to_string(), "dependents": list}));
        let p = p2026();
        let avg = p.avg_wage.unwrap();
        let used = own.max(avg * pct(60)).min(avg * Decimal::from(3));
        let rates: Vec<Decimal> = deps.iter()
            .map(|(s, a)| pct(if *s { 40 } else { 30 }) + if *a { pct(10) } else { Decimal::ZERO })
            .collect();
        let sum: Decimal = rates.iter().sum();
        let capped = sum > Decimal::ONE;
        prop_assert_eq!(v["capped"].as_bool(), Some(capped));
        prop_assert_eq!(dec(&v, "funeral_grant"), fen(avg * Decimal::from(6)));
        prop_assert_eq!(
            dec(&v, "death_subsidy"),
            fen(p.benefits.national_disposable_income.unwrap() * Decimal::from(20))
        );
        prop_assert_eq!(dec(&v, "dependents_total"), fen(used * sum.min(Decimal::ONE)));
        prop_assert!(dec(&v, "dependents_total") <= fen(used));
        let shares = v["dependent_pensions"].as_array().unwrap();
        prop_assert_eq!(shares.len(), deps.len());
        let mut paid = Decimal::ZERO;
        for (s, rate) in shares.iter().zip(&rates) {
            let raw = if capped { used * rate / sum } else { used * rate };
            prop_assert_eq!(dec(s, "rate"), *rate);
            prop_assert_eq!(dec(s, "monthly"), fen(raw));
            paid += dec(s, "monthly");
        }
        // Rounded shares add up to the total within half a fen each.
        let slack = Decimal::new(5, 3) * Decimal::from(deps.len());
        prop_assert!((paid - fen(used * sum.min(Decimal::ONE))).abs() <= slack);
    }

    #[test]
    fn pension_adjustment(pension in money(), months in 0u32..600, age in 40u32..110, more in 0u32..120, older in 0u32..20) {
        let a = p2026().benefits.pension_adjustment.unwrap();
        let q = |m: u32, age: u32| calc26("pension-adjustment", json!({
            "pension": pension.to_string(),
            "contribution_years": (Decimal::from(m) / Decimal::from(12)).to_string(),
            "age": age,
        }));
        let v = q(months, age);
        let whole = months / 12;
        let bonus = a.age_bonus.iter()
            .filter(|b| b.from_age <= age)
            .max_by_key(|b| b.from_age)
            .map(|b| b.amount)
            .unwrap_or_default();
        let by_percent = pension * a.percent;
        let by_years = a.per_year * Decimal::from(whole);
        let increase = fen(a.fixed + by_percent + by_years + bonus);
        prop_assert_eq!(int(&v, "whole_years"), u64::from(whole));
        prop_assert_eq!(dec(&v, "fixed"), fen(a.fixed));
        prop_assert_eq!(dec(&v, "by_percent"), fen(by_percent));
        prop_assert_eq!(dec(&v, "by_years"), fen(by_years));
        prop_assert_eq!(dec(&v, "age_bonus"), fen(bonus));
        prop_assert_eq!(dec(&v, "increase"), increase);
        prop_assert_eq!(dec(&v, "new_pension"), fen(pension) + increase);
        // Longer service and greater age never lower the increase.
        let w = q(months + more, age + older);
        prop_assert!(dec(&w, "increase") >= dec(&v, "increase"));
    }

    #[test]
    fn flexible_contribution(base in money()) {
        let v = calc26("contribution", json!({
            "base": base.to_string(), "insurance": "pension", "payer": "flexible",
        }));
        prop_assert_eq!(dec(&v, "rate"), pct(20));
        prop_assert_eq!(dec(&v, "amount"), fen(base * pct(20)));
        prop_assert_eq!(dec(&v, "account_rate"), pct(8));
        prop_assert_eq!(dec(&v, "account_credit"), fen(base * pct(8)));
        prop_assert!(dec(&v, "account_credit") <= dec(&v, "amount"));
    }

    #[test]
    fn flexible_month(chosen in money()) {
        let p = p2026();
        let v = calc26("flexible-month", json!({"base": chosen.to_string()}));
        let (floor, ceiling) = (p.floor.unwrap(), p.ceiling.unwrap());
        let base = yuan_round(chosen).max(floor).min(ceiling);
        prop_assert_eq!(dec(&v, "base"), base);
        let pension = &v["pension"];
        prop_assert_eq!(dec(pension, "amount"), fen(base * pct(20)));
        prop_assert_eq!(dec(pension, "account_credit"), fen(base * pct(8)));
        let rate = p.rates.medical.employer + p.rates.medical.employee;
        prop_assert_eq!(dec(&v, "medical"), fen(base * rate));
    }
}
