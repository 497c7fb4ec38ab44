//! Rules engine: hand-derived worked examples for every rule, schedule and
//! table boundaries, rule set validation, and property tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use sirm_domain::rules::engine::{self, Bound, PensionInputs};
use sirm_domain::rules::{
    builtin, calc, Category, Format, Insurance, Month, Payer, RuleBook, RuleError, RuleSet,
};

fn book() -> RuleBook {
    builtin::rule_book().unwrap()
}

fn national() -> RuleSet {
    book().by_id("national").unwrap().clone()
}

fn demo() -> RuleSet {
    book().by_region("110105").unwrap().clone()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn m(s: &str) -> Month {
    Month::parse(s).unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn run(rule: &str, input: Value) -> Result<Value, RuleError> {
    calc::calc(&book(), rule, &input, today())
}

fn s(v: &Value, k: &str) -> String {
    match &v[k] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------
// RULES.md worked examples
// ---------------------------------------------------------------------------

#[test]
fn rules_md_account_example() {
    // 10000.00 × 0.0612 = 612; 400 × 0.0612 × Σ(13−m)/12 = 400 × 0.0612 × 78/12 = 159.12.
    let set = national();
    let r = engine::account_year(
        set.defaults(),
        dec!(10000.00),
        dec!(0.0612),
        &[dec!(400.00); 12],
    )
    .unwrap();
    assert_eq!(r.interest_on_opening, dec!(612));
    assert_eq!(r.interest_on_credits, dec!(159.12));
    assert_eq!(r.interest.to_string(), "771.12");
    assert_eq!(r.closing_balance.to_string(), "15571.12");

    let credits: Vec<Value> = (1..=12)
        .map(|m| json!({"month": m, "amount": "400.00"}))
        .collect();
    let out = run(
        "account",
        json!({"opening_balance": "10000.00", "rate": "0.0612", "credits": credits}),
    )
    .unwrap();
    assert_eq!(s(&out, "interest"), "771.12");
    assert_eq!(s(&out, "closing_balance"), "15571.12");
}

#[test]
fn rules_md_pension_example() {
    // basic = (8000 + 9600)/2 × 300/12 × 1 % = 8800 × 25 × 0.01 = 2200.00;
    // account = 150000.00 / 139 = 1079.1366… → 1079.14.
    let set = national();
    let inputs = PensionInputs {
        year: None,
        avg_wage: dec!(8000),
        contribution_index: dec!(1.2),
        contribution_months: 300,
        account_balance: dec!(150000.00),
        retirement_age_years: 60,
        deemed_years: None,
        transitional_coefficient: None,
    };
    let r = engine::pension(&set, &inputs).unwrap();
    assert_eq!(r.basic.to_string(), "2200.00");
    assert_eq!(r.payout_months, 139);
    assert_eq!(r.account.to_string(), "1079.14");
    assert_eq!(r.transitional.to_string(), "0.00");
    assert_eq!(r.total.to_string(), "3279.14");

    let out = run(
        "pension",
        json!({"avg_wage": "8000", "contribution_index": "1.2", "contribution_months": 300,
               "account_balance": "150000.00", "retirement_age_years": 60}),
    )
    .unwrap();
    assert_eq!(s(&out, "basic"), "2200.00");
    assert_eq!(s(&out, "account"), "1079.14");
    assert_eq!(s(&out, "total"), "3279.14");
    assert_eq!(out["payout_months"], json!(139));
    assert_eq!(out["rule_set"]["id"], json!("national"));
    assert_eq!(out["rule_set"]["version"], json!(1));
}

#[test]
fn pension_with_transitional() {
    // 8000 × 1.2 × 10 × 0.012 = 1152.00; total 2200.00 + 1079.14 + 1152.00.
    let out = run(
        "pension",
        json!({"avg_wage": "8000", "contribution_index": "1.2", "contribution_months": 300,
               "account_balance": "150000.00", "retirement_age_years": 60,
               "deemed_years": "10", "transitional_coefficient": "0.012"}),
    )
    .unwrap();
    assert_eq!(s(&out, "transitional"), "1152.00");
    assert_eq!(s(&out, "total"), "4431.14");
    // The demo region's coefficient 0.010 and its 2024 pension base wage C = 11843.00:
    // basic = (11843 + 11843) × 180 / 2400 = 1776.45; trans = 11843 × 5 × 0.010 = 592.15;
    // account = 60000 / 170 = 352.94.
    let out = run(
        "pension",
        json!({"region": "110105", "year": 2024, "contribution_index": "1", "contribution_months": 180,
               "account_balance": "60000.00", "retirement_age_years": 55, "deemed_years": "5"}),
    )
    .unwrap();
    assert_eq!(s(&out, "basic"), "1776.45");
    assert_eq!(s(&out, "transitional"), "592.15");
    assert_eq!(s(&out, "account"), "352.94");
    assert_eq!(s(&out, "total"), "2721.54");
    // Deemed years without any coefficient: refused, not guessed.
    let e = run(
        "pension",
        json!({"avg_wage": "8000", "contribution_index": "1", "contribution_months": 180,
               "account_balance": "1.00", "retirement_age_years": 60, "deemed_years": "3"}),
    )
    .unwrap_err();
    assert_eq!(e.key(), Some("transitional_coefficient"));
}

// ---------------------------------------------------------------------------
// Base and contributions
// ---------------------------------------------------------------------------

#[test]
fn base_clamp_boundaries() {
    // avg 8000: floor 4800, ceiling 24000; the wage rounds half up to the yuan first.
    let set = national();
    let p = set.defaults();
    let cases = [
        ("0", "4800", Bound::Floor),
        ("4799", "4800", Bound::Floor),
        ("4799.49", "4800", Bound::Floor),
        ("4799.50", "4800", Bound::None),
        ("4800", "4800", Bound::None),
        ("4800.49", "4800", Bound::None),
        ("9000.50", "9001", Bound::None),
        ("24000", "24000", Bound::None),
        ("24000.49", "24000", Bound::None),
        ("24000.50", "24000", Bound::Ceiling),
        ("24001", "24000", Bound::Ceiling),
        ("1000000", "24000", Bound::Ceiling),
    ];
    for (wage, base, bound) in cases {
        let r = engine::base_with_avg_wage(p, dec!(8000), wage.parse().unwrap()).unwrap();
        assert_eq!(
            (r.floor.to_string(), r.ceiling.to_string()),
            ("4800".into(), "24000".into())
        );
        assert_eq!(r.base.to_string(), base, "wage {wage}");
        assert_eq!(r.bound, bound, "wage {wage}");
    }
    // Demo 2024: avg 11761.00 → floor 7056.6 → 7057, ceiling 35283.
    let out = run(
        "base",
        json!({"region": "110105", "year": 2024, "declared_wage": "3000"}),
    )
    .unwrap();
    assert_eq!(
        (s(&out, "floor"), s(&out, "ceiling"), s(&out, "base")),
        ("7057".into(), "35283".into(), "7057".into())
    );
    let out = run(
        "base",
        json!({"declared_wage": "30000", "avg_wage": "8000"}),
    )
    .unwrap();
    assert_eq!(s(&out, "base"), "24000");
    assert_eq!(s(&out, "bound"), "ceiling");
}

#[test]
fn contributions_every_type_and_payer() {
    let set = national();
    let p = set.defaults();
    let c = |ins, payer, class| {
        engine::contribution(p, dec!(9000), ins, payer, class)
            .unwrap()
            .amount
            .to_string()
    };
    assert_eq!(c(Insurance::Pension, Payer::Employer, None), "1440.00");
    assert_eq!(c(Insurance::Pension, Payer::Employee, None), "720.00");
    assert_eq!(c(Insurance::Medical, Payer::Employer, None), "720.00");
    assert_eq!(c(Insurance::Medical, Payer::Employee, None), "180.00");
    assert_eq!(c(Insurance::Unemployment, Payer::Employer, None), "45.00");
    assert_eq!(c(Insurance::Unemployment, Payer::Employee, None), "45.00");
    assert_eq!(c(Insurance::WorkInjury, Payer::Employer, Some(1)), "18.00");
    assert_eq!(c(Insurance::WorkInjury, Payer::Employer, Some(8)), "171.00");
    assert_eq!(c(Insurance::WorkInjury, Payer::Employee, Some(8)), "0.00");
    // Half-up to the fen: 7057 × 0.005 = 35.285 → 35.29.
    let r = engine::contribution(
        p,
        dec!(7057),
        Insurance::Unemployment,
        Payer::Employee,
        None,
    )
    .unwrap();
    assert_eq!(r.amount.to_string(), "35.29");
    assert!(engine::contribution(
        p,
        dec!(9000),
        Insurance::WorkInjury,
        Payer::Employer,
        Some(9)
    )
    .is_err());
    assert!(
        engine::contribution(p, dec!(9000), Insurance::WorkInjury, Payer::Employer, None).is_err()
    );
    let out = run(
        "contribution",
        json!({"base": "9000", "insurance": "pension", "payer": "employer"}),
    )
    .unwrap();
    assert_eq!(
        (s(&out, "rate"), s(&out, "amount")),
        ("0.16".into(), "1440.00".into())
    );
    // Year overrides: the demo region's 2017 pension employer rate is 0.19.
    let out =
        run("contribution", json!({"region": "110105", "year": 2017, "base": "9000", "insurance": "pension", "payer": "employer"})).unwrap();
    assert_eq!(s(&out, "amount"), "1710.00");
    // params override for one calculation.
    let out = run(
        "contribution",
        json!({"base": "9000", "insurance": "pension", "payer": "employer", "params": {"rates": {"pension": {"employer": "0.14"}}}}),
    )
    .unwrap();
    assert_eq!(s(&out, "amount"), "1260.00");
    assert_eq!(out["rule_set"]["params_overridden"], json!(["rates"]));
}

#[test]
fn month_and_year_in_demo_region() {
    let set = demo();
    let p = set.year(2024).unwrap();
    let r = engine::month(p, dec!(9000), 1).unwrap();
    let a = r.amounts;
    assert_eq!(r.base, dec!(9000));
    assert_eq!(
        [
            a.pension_employer,
            a.pension_employee,
            a.medical_employer,
            a.medical_employee
        ],
        [dec!(1440.00), dec!(720.00), dec!(882.00), dec!(180.00)]
    );
    assert_eq!(
        [
            a.unemployment_employer,
            a.unemployment_employee,
            a.work_injury_employer
        ],
        [dec!(45.00), dec!(45.00), dec!(18.00)]
    );
    assert_eq!(r.account_credit, dec!(720.00));
    assert_eq!(p.crediting_rate, Some(dec!(0.0262)));
    // A year of 720.00 credits on 10000.00 at 2.62 %: 262 + 720 × 0.0262 × 6.5 = 384.616 → 384.62.
    let y = engine::account_year(
        p,
        dec!(10000.00),
        p.crediting_rate.unwrap(),
        &[r.account_credit; 12],
    )
    .unwrap();
    assert_eq!(y.interest, dec!(384.62));
    assert_eq!(y.closing_balance, dec!(19024.62));
}

#[test]
fn account_month_weights() {
    let set = national();
    let p = set.defaults();
    let mut credits = [Decimal::ZERO; 12];
    credits[0] = dec!(1200);
    // January: 12 months of interest; December: one.
    assert_eq!(
        engine::account_year(p, dec!(0), dec!(0.12), &credits)
            .unwrap()
            .interest,
        dec!(144.00)
    );
    credits[0] = Decimal::ZERO;
    credits[11] = dec!(1200);
    assert_eq!(
        engine::account_year(p, dec!(0), dec!(0.12), &credits)
            .unwrap()
            .interest,
        dec!(12.00)
    );
    // Rate from the rule set's year: 2022 → 0.0612.
    let credits: Vec<Value> = (1..=12)
        .map(|m| json!({"month": m, "amount": "400.00"}))
        .collect();
    let out = run(
        "account",
        json!({"year": 2022, "opening_balance": "10000.00", "credits": credits}),
    )
    .unwrap();
    assert_eq!(s(&out, "closing_balance"), "15571.12");
}

#[test]
fn contribution_years_and_index() {
    let r = engine::contribution_years(&[m("2020-02"), m("2020-01"), m("2020-02")], 13);
    assert_eq!(
        (r.months, r.years, r.remaining_months, r.duplicates_ignored),
        (15, 1, 3, 1)
    );
    assert_eq!(r.display, "1 年 3 个月");
    let out = run(
        "contribution-years",
        json!({"paid_months": ["2024-01", "2024-02"], "deemed_months": 178}),
    )
    .unwrap();
    assert_eq!(
        (
            out["months"].clone(),
            out["years"].clone(),
            out["remaining_months"].clone()
        ),
        (json!(180), json!(15), json!(0))
    );

    let out = run(
        "contribution-index",
        json!({"months": [{"base": "4800", "avg_wage": "8000"}, {"base": "9600", "avg_wage": "8000"}, {"base": "24000", "avg_wage": "8000"}]}),
    )
    .unwrap();
    assert_eq!(s(&out, "index"), "1.6000");
}

// ---------------------------------------------------------------------------
// Retirement schedule
// ---------------------------------------------------------------------------

/// (category, birth month, delay, age years, age months, retirement month) —
/// first and last birth months of steps, derived by hand from the decision.
const SCHEDULE: &[(&str, &str, u32, u32, u32, &str)] = &[
    // men: 60, from 1965-01, one month per four, cap 36
    ("male", "1964-12", 0, 60, 0, "2024-12"),
    ("male", "1965-01", 1, 60, 1, "2025-02"),
    ("male", "1965-04", 1, 60, 1, "2025-05"),
    ("male", "1965-05", 2, 60, 2, "2025-07"),
    ("male", "1965-08", 2, 60, 2, "2025-10"),
    ("male", "1965-09", 3, 60, 3, "2025-12"),
    ("male", "1968-12", 12, 61, 0, "2029-12"),
    ("male", "1969-01", 13, 61, 1, "2030-02"),
    ("male", "1976-05", 35, 62, 11, "2039-04"),
    ("male", "1976-08", 35, 62, 11, "2039-07"),
    ("male", "1976-09", 36, 63, 0, "2039-09"),
    ("male", "1976-12", 36, 63, 0, "2039-12"),
    ("male", "1990-06", 36, 63, 0, "2053-06"),
    // women 55: from 1970-01, one per four, cap 36
    ("female_55", "1969-12", 0, 55, 0, "2024-12"),
    ("female_55", "1970-01", 1, 55, 1, "2025-02"),
    ("female_55", "1970-04", 1, 55, 1, "2025-05"),
    ("female_55", "1970-05", 2, 55, 2, "2025-07"),
    ("female_55", "1970-08", 2, 55, 2, "2025-10"),
    ("female_55", "1981-05", 35, 57, 11, "2039-04"),
    ("female_55", "1981-08", 35, 57, 11, "2039-07"),
    ("female_55", "1981-09", 36, 58, 0, "2039-09"),
    ("female_55", "1995-01", 36, 58, 0, "2053-01"),
    // women 50: from 1975-01, one per two, cap 60
    ("female_50", "1974-12", 0, 50, 0, "2024-12"),
    ("female_50", "1975-01", 1, 50, 1, "2025-02"),
    ("female_50", "1975-02", 1, 50, 1, "2025-03"),
    ("female_50", "1975-03", 2, 50, 2, "2025-05"),
    ("female_50", "1975-04", 2, 50, 2, "2025-06"),
    ("female_50", "1984-09", 59, 54, 11, "2039-08"),
    ("female_50", "1984-10", 59, 54, 11, "2039-09"),
    ("female_50", "1984-11", 60, 55, 0, "2039-11"),
    ("female_50", "1984-12", 60, 55, 0, "2039-12"),
    ("female_50", "2000-01", 60, 55, 0, "2055-01"),
];

#[test]
fn retirement_schedule_hand_table() {
    let set = national();
    for &(cat, birth, delay, years, months, retire) in SCHEDULE {
        let born = d(&format!("{birth}-15"));
        let r = engine::retirement(&set, born, Category::parse(cat).unwrap(), today()).unwrap();
        assert_eq!(
            (
                r.delay_months,
                r.age_years,
                r.age_months,
                r.retirement_month.to_string()
            ),
            (delay, years, months, retire.to_owned()),
            "{cat} born {birth}"
        );
    }
    let out = run(
        "retirement-age",
        json!({"birth_date": "1965-03-31", "category": "male"}),
    )
    .unwrap();
    assert_eq!(s(&out, "retirement_month"), "2025-04");
    assert_eq!(out["delay_months"], json!(1));
    assert_eq!(out["request"]["as_of"], json!("2026-06-01"));
}

#[test]
fn retirement_schedule_every_step_boundary() {
    // For every step d of every category: its first and last birth months both
    // give delay d, and the month before the first gives d − 1.
    let set = national();
    for (cat, first, step, cap, orig) in [
        (Category::Male, "1965-01", 4, 36, 60),
        (Category::Female55, "1970-01", 4, 36, 55),
        (Category::Female50, "1975-01", 2, 60, 50),
    ] {
        let first = m(first);
        for delay in 1..=cap {
            let lo = first.add_months((delay - 1) * step);
            let hi = lo.add_months(step - 1);
            for (birth, want) in [(lo, delay), (hi, delay), (lo.add_months(-1), delay - 1)] {
                let date = NaiveDate::from_ymd_opt(birth.year(), birth.month(), 1).unwrap();
                let r = engine::retirement(&set, date, cat, today()).unwrap();
                assert_eq!(r.delay_months as i32, want, "{cat:?} born {birth}");
                assert_eq!(
                    r.retirement_month,
                    birth.add_months(orig * 12 + want),
                    "{cat:?} born {birth}"
                );
            }
        }
        // Beyond the cap the delay stays at the cap.
        let after = first.add_months(cap * step + 120);
        let date = NaiveDate::from_ymd_opt(after.year(), after.month(), 1).unwrap();
        assert_eq!(
            engine::retirement(&set, date, cat, today())
                .unwrap()
                .delay_months as i32,
            cap
        );
    }
}

#[test]
fn min_contribution_months_2029_to_2040() {
    let set = national();
    let want = [180, 186, 192, 198, 204, 210, 216, 222, 228, 234, 240, 240];
    for (i, y) in (2029..=2040).enumerate() {
        assert_eq!(
            engine::min_contribution_months(&set, y),
            want[i],
            "retirement year {y}"
        );
    }
    assert_eq!(engine::min_contribution_months(&set, 2025), 180);
    assert_eq!(engine::min_contribution_months(&set, 2060), 240);
    // Through the schedule: men born 1968-12 retire 2029-12 (15 years); 1969-01 → 2030-02 (15.5).
    let r = engine::retirement(&set, d("1968-12-01"), Category::Male, today()).unwrap();
    assert_eq!(r.min_contribution_months, 180);
    let r = engine::retirement(&set, d("1969-01-01"), Category::Male, today()).unwrap();
    assert_eq!(r.min_contribution_months, 186);
    let r = engine::retirement(&set, d("1980-01-01"), Category::Male, today()).unwrap();
    assert_eq!(r.min_contribution_months, 240);
}

/// 计发月数 by whole retirement age, copied by hand from the RULES.md annex
/// (annex of 国发〔2005〕38号), not from the rule set files. Age 47 is 207, not
/// the 208 RULES.md prints: RULES.md itself says sources disagree and asks us to
/// check the annex, which gives 207 (the decision is recorded in docs/rules.md).
const PAYOUT_MONTHS_RULES_MD: [(u32, u32); 31] = [
    (40, 233),
    (41, 230),
    (42, 226),
    (43, 223),
    (44, 220),
    (45, 216),
    (46, 212),
    (47, 207),
    (48, 204),
    (49, 199),
    (50, 195),
    (51, 190),
    (52, 185),
    (53, 180),
    (54, 175),
    (55, 170),
    (56, 164),
    (57, 158),
    (58, 152),
    (59, 145),
    (60, 139),
    (61, 132),
    (62, 125),
    (63, 117),
    (64, 109),
    (65, 101),
    (66, 93),
    (67, 84),
    (68, 75),
    (69, 65),
    (70, 56),
];

#[test]
fn payout_months_whole_table_matches_rules_md() {
    // Every age 40–70 in order, none missing.
    let ages: Vec<u32> = PAYOUT_MONTHS_RULES_MD.iter().map(|&(a, _)| a).collect();
    assert_eq!(ages, (40..=70).collect::<Vec<u32>>());
    // The national set and the demo region (which inherits the table).
    for set in [national(), demo()] {
        for &(age, months) in &PAYOUT_MONTHS_RULES_MD {
            assert_eq!(
                engine::payout_months(&set, age).unwrap(),
                months,
                "{} age {age}",
                set.id()
            );
        }
    }
    // The same figure reaches `sirm calc pension` output, for every age.
    for &(age, months) in &PAYOUT_MONTHS_RULES_MD {
        let out = run(
            "pension",
            json!({"avg_wage": "8000", "contribution_index": "1.0",
                   "contribution_months": 180, "account_balance": "0",
                   "retirement_age_years": age}),
        )
        .unwrap();
        assert_eq!(out["payout_months"], json!(months), "age {age}: {out}");
    }
}

#[test]
fn payout_months_outside_the_table_refused() {
    let set = national();
    for age in [0, 39, 71, 120] {
        let e = engine::payout_months(&set, age).unwrap_err();
        assert_eq!(e.key(), Some("retirement_age_years"));
        assert!(e.to_string().contains(&age.to_string()));
    }
}

// ---------------------------------------------------------------------------
// Bad input and bad rule sets
// ---------------------------------------------------------------------------

#[test]
fn bad_input_names_key_and_value() {
    let cases: &[(&str, Value, &str, &str)] = &[
        (
            "base",
            json!({"avg_wage": "8000"}),
            "declared_wage",
            "missing",
        ),
        (
            "base",
            json!({"declared_wage": "abc", "avg_wage": "8000"}),
            "declared_wage",
            "\"abc\"",
        ),
        (
            "base",
            json!({"declared_wage": 9000, "avg_wage": "8000"}),
            "declared_wage",
            "9000",
        ),
        (
            "base",
            json!({"declared_wage": "1e3", "avg_wage": "8000"}),
            "declared_wage",
            "\"1e3\"",
        ),
        (
            "base",
            json!({"declared_wage": "9000"}),
            "avg_wage",
            "missing",
        ),
        (
            "base",
            json!({"declared_wage": "9000", "avg_wage": "8000", "extra": 1}),
            "extra",
            "unknown",
        ),
        (
            "account",
            json!({"opening_balance": "1", "rate": "0.01", "credits": [{"month": 0, "amount": "1"}]}),
            "credits[0].month",
            "0",
        ),
        (
            "account",
            json!({"opening_balance": "1", "rate": "0.01", "credits": [{"month": 13, "amount": "1"}]}),
            "credits[0].month",
            "13",
        ),
        (
            "retirement-age",
            json!({"birth_date": "2027-01-01", "category": "male"}),
            "birth_date",
            "2027-01-01",
        ),
        (
            "retirement-age",
            json!({"birth_date": "1970-13-01", "category": "male"}),
            "birth_date",
            "1970-13-01",
        ),
        (
            "retirement-age",
            json!({"birth_date": "1970-01-01", "category": "female"}),
            "category",
            "female",
        ),
        (
            "pension",
            json!({"avg_wage": "8000", "contribution_index": "1", "contribution_months": 300, "account_balance": "1", "retirement_age_years": 71}),
            "retirement_age_years",
            "71",
        ),
        (
            "base",
            json!({"region": "110105", "year": 2031, "declared_wage": "9000"}),
            "year",
            "2031",
        ),
        (
            "base",
            json!({"region": "310101", "declared_wage": "9000", "avg_wage": "1"}),
            "region",
            "310101",
        ),
        (
            "contribution-years",
            json!({"paid_months": ["2024-13"], "deemed_months": 0}),
            "paid_months[0]",
            "2024-13",
        ),
        (
            "base",
            json!({"declared_wage": "9000", "avg_wage": "8000", "params": {"floor_ratio": "-0.6"}}),
            "params.floor_ratio",
            "-0.6",
        ),
    ];
    for (rule, input, key, value) in cases {
        let e = run(rule, input.clone()).unwrap_err();
        assert_eq!(e.key(), Some(*key), "{rule} {input}: {e}");
        assert!(e.to_string().contains(value), "{rule} {input}: {e}");
    }
}

fn load_demo_variant(edit: impl FnOnce(&mut Value)) -> Result<RuleSet, RuleError> {
    let mut b = builtin::national_book().unwrap();
    let mut doc = sirm_domain::rules::ruleset::parse_document(
        builtin::DEMO_110105_TOML,
        Format::Toml,
        "demo",
    )
    .unwrap();
    edit(&mut doc);
    b.add_document(&doc).cloned()
}

#[test]
fn rule_set_validation_names_the_key() {
    let err = |edit: fn(&mut Value)| load_demo_variant(edit).unwrap_err();
    let e = err(|d| {
        d["years"].as_object_mut().unwrap().remove("2019");
    });
    assert_eq!(e.key(), Some("years.2019"), "{e}");
    assert!(e.to_string().starts_with("rule set `demo-110105`"), "{e}");
    let e = err(|d| d["years"]["2020"]["rates"] = json!({"medical": {"employee": "-0.02"}}));
    assert_eq!(e.key(), Some("years.2020.rates.medical.employee"), "{e}");
    let e = err(|d| d["years"]["2021"]["ceiling_ratio"] = json!("0.5"));
    assert_eq!(e.key(), Some("years.2021.ceiling_ratio"), "{e}");
    let e = err(|d| {
        d["years"]["2022"]
            .as_object_mut()
            .unwrap()
            .remove("avg_wage");
    });
    assert_eq!(e.key(), Some("years.2022.avg_wage"), "{e}");
    let e = err(|d| d["years"]["2022"]["avg_wage"] = json!(11000.5));
    assert_eq!(e.key(), Some("years.2022.avg_wage"), "{e}");
    let e = err(|d| d["years"]["2022"]["avg_wge"] = json!("1"));
    assert_eq!(e.key(), Some("years.2022.avg_wge"), "{e}");
    let e = err(|d| d["rule_set"]["extends"]["version"] = json!(2));
    assert_eq!(e.key(), Some("rule_set.extends"), "{e}");
    let e = err(|d| d["defaults"]["transitional_coefficient"] = json!("0.02"));
    assert_eq!(e.key(), Some("defaults.transitional_coefficient"), "{e}");

    // National: a crediting rate gap, a rising payout table, a bad rounding mode.
    let nat = |edit: fn(&mut Value)| {
        let mut doc = sirm_domain::rules::ruleset::parse_document(
            builtin::NATIONAL_TOML,
            Format::Toml,
            "national",
        )
        .unwrap();
        edit(&mut doc);
        RuleSet::from_document(&doc, None).unwrap_err()
    };
    let e = nat(|d| {
        d["crediting_rates"].as_object_mut().unwrap().remove("2020");
    });
    assert_eq!(e.key(), Some("crediting_rates.2020"), "{e}");
    let e = nat(|d| d["crediting_rates"]["2020"] = json!("-0.01"));
    assert_eq!(e.key(), Some("crediting_rates.2020"), "{e}");
    let e = nat(|d| d["payout_months"]["47"] = json!(213));
    assert_eq!(e.key(), Some("payout_months.47"), "{e}");
    let e = nat(|d| d["rounding"]["amount"]["mode"] = json!("nearest"));
    assert_eq!(e.key(), Some("rounding.amount.mode"), "{e}");
    let e = nat(|d| {
        d["retirement"].as_object_mut().unwrap().remove("female_50");
    });
    assert_eq!(e.key(), Some("retirement.female_50"), "{e}");

    // Syntax errors and JSON rule sets.
    assert!(matches!(
        RuleSet::parse("[rule_set", Format::Toml, None),
        Err(RuleError::Syntax { .. })
    ));
    let as_json = serde_json::to_string(
        &sirm_domain::rules::ruleset::parse_document(builtin::NATIONAL_TOML, Format::Toml, "n")
            .unwrap(),
    )
    .unwrap();
    let set = RuleSet::parse(&as_json, Format::Json, None).unwrap();
    assert_eq!(set.crediting_rates().get(&2022), Some(&dec!(0.0612)));
}

#[test]
fn embedded_rule_sets_load() {
    let b = book();
    let n = b.by_id("national").unwrap();
    assert_eq!((n.version(), n.region(), n.is_demo()), (1, None, false));
    assert_eq!(
        n.years().collect::<Vec<_>>(),
        (2016..=2025).collect::<Vec<_>>()
    );
    let rates: Vec<String> = (2016..=2025)
        .map(|y| n.crediting_rates()[&y].to_string())
        .collect();
    assert_eq!(
        rates,
        [
            "0.0831", "0.0712", "0.0829", "0.0761", "0.0604", "0.0669", "0.0612", "0.0397",
            "0.0262", "0.0150"
        ]
    );
    let demo = b.by_region("110105").unwrap();
    assert!(demo.is_demo());
    assert_eq!(demo.extends().unwrap().to_string(), "national v1");
    assert_eq!(
        demo.years().collect::<Vec<_>>(),
        (2015..=2026).collect::<Vec<_>>()
    );
    assert_eq!(demo.year(2015).unwrap().crediting_rate, None);
    assert!(matches!(
        demo.year(2014),
        Err(RuleError::NoYear { year: 2014, .. })
    ));
}

// ---------------------------------------------------------------------------
// Recomputation
// ---------------------------------------------------------------------------

#[test]
fn calc_output_recomputes_from_its_request() {
    let inputs = [
        (
            "base",
            json!({"region": "110105", "year": 2024, "declared_wage": "12345.67"}),
        ),
        (
            "contribution",
            json!({"base": "9000", "insurance": "work_injury", "payer": "employer", "industry_class": 3}),
        ),
        (
            "retirement-age",
            json!({"birth_date": "1972-07-09", "category": "female_55"}),
        ),
        (
            "pension",
            json!({"region": "110105", "year": 2025, "contribution_index": "0.87", "contribution_months": 257,
                           "account_balance": "81234.56", "retirement_age_years": 61, "deemed_years": "4.5"}),
        ),
    ];
    for (rule, input) in inputs {
        let a = run(rule, input).unwrap();
        let b = run(rule, a["request"].clone()).unwrap();
        assert_eq!(a, b, "{rule}");
    }
}

fn money() -> impl Strategy<Value = Decimal> {
    (0i64..1_000_000_000).prop_map(|c| Decimal::new(c, 2))
}

fn rate() -> impl Strategy<Value = Decimal> {
    (0i64..2000).prop_map(|r| Decimal::new(r, 4))
}

proptest! {
    #[test]
    fn interest_monotone_in_rate(open in money(), c in proptest::array::uniform12(0i64..500_000), r1 in rate(), r2 in rate()) {
        let set = national();
        let credits = c.map(|x| Decimal::new(x, 2));
        let (lo, hi) = if r1 <= r2 { (r1, r2) } else { (r2, r1) };
        let a = engine::account_year(set.defaults(), open, lo, &credits).unwrap();
        let b = engine::account_year(set.defaults(), open, hi, &credits).unwrap();
        prop_assert!(a.interest <= b.interest);
        prop_assert!(a.closing_balance <= b.closing_balance);
    }

    #[test]
    fn interest_monotone_in_balance(b1 in money(), b2 in money(), c in proptest::array::uniform12(0i64..500_000), r in rate()) {
        let set = national();
        let credits = c.map(|x| Decimal::new(x, 2));
        let (lo, hi) = if b1 <= b2 { (b1, b2) } else { (b2, b1) };
        let a = engine::account_year(set.defaults(), lo, r, &credits).unwrap();
        let b = engine::account_year(set.defaults(), hi, r, &credits).unwrap();
        prop_assert!(a.interest <= b.interest);
        prop_assert!(a.closing_balance <= b.closing_balance);
    }

    #[test]
    fn base_within_floor_and_ceiling(wage in money(), avg in 10_000i64..10_000_000, fr in 30i64..100, extra in 0i64..400, year in 2015i32..=2026) {
        let set = demo();
        let r = engine::contribution_base(&set, year, wage).unwrap();
        prop_assert!(r.floor <= r.base && r.base <= r.ceiling);
        let p = set.year(year).unwrap();
        let r = engine::base_with_avg_wage(p, Decimal::new(avg, 2), wage).unwrap();
        prop_assert!(r.floor <= r.base && r.base <= r.ceiling);
        // With overridden ratios too.
        let o = set.with_overrides(&json!({"floor_ratio": Decimal::new(fr, 2).to_string(), "ceiling_ratio": Decimal::new(fr + extra, 2).to_string()})).unwrap();
        let r = engine::contribution_base(&o, year, wage).unwrap();
        prop_assert!(r.floor <= r.base && r.base <= r.ceiling);
    }

    #[test]
    fn recompute_from_recorded_inputs(wage in money(), year in 2016i32..=2025, class in 1u8..=8, open in money(),
                                      idx in 30i64..300, n in 0u32..600, age in 40u32..=70, deemed in 0i64..200,
                                      by in 1950i32..2005, bm in 1u32..=12, cat in 0usize..3) {
        let set = demo();
        let p = set.year(year).unwrap();
        let b = engine::contribution_base(&set, year, wage).unwrap();
        let b2: engine::BaseResult = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        prop_assert_eq!(b2.recompute(&set).unwrap(), b);

        let m = engine::month(p, wage, class).unwrap();
        let m2: engine::MonthResult = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        prop_assert_eq!(m2.recompute(&set).unwrap(), m);

        let c = engine::contribution(p, b.base, Insurance::WorkInjury, Payer::Employer, Some(class)).unwrap();
        let c2: engine::ContributionResult = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        prop_assert_eq!(c2.recompute(&set).unwrap(), c);

        let a = engine::account_year(p, open, p.crediting_rate.unwrap(), &[m.account_credit; 12]).unwrap();
        let a2: engine::AccountResult = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        prop_assert_eq!(a2.recompute(&set).unwrap(), a);

        let pi = PensionInputs {
            year: Some(year), avg_wage: p.pension_base_wage.unwrap(), contribution_index: Decimal::new(idx, 2),
            contribution_months: n, account_balance: open, retirement_age_years: age,
            deemed_years: Some(Decimal::new(deemed, 1)), transitional_coefficient: None,
        };
        let pr = engine::pension(&set, &pi).unwrap();
        let pr2: engine::PensionResult = serde_json::from_str(&serde_json::to_string(&pr).unwrap()).unwrap();
        prop_assert_eq!(pr2.recompute(&set).unwrap(), pr);

        let born = NaiveDate::from_ymd_opt(by, bm, 1).unwrap();
        let r = engine::retirement(&set, born, Category::ALL[cat], today()).unwrap();
        let r2: engine::RetirementResult = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        prop_assert_eq!(r2.recompute(&set).unwrap(), r);

        // Recomputing under another rule set is refused.
        prop_assert!(b.recompute(&national()).is_err());
    }
}
