//! RULES.md's worked examples and hand-computed figures: bases, contributions, accounts, contribution years, pensions.

use super::*;

#[test]
pub(super) fn rules_md_account_example() {
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
pub(super) fn rules_md_pension_example() {
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
pub(super) fn pension_with_transitional() {
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

#[test]
pub(super) fn base_clamp_boundaries() {
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
pub(super) fn contributions_every_type_and_payer() {
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
pub(super) fn month_and_year_in_demo_region() {
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
pub(super) fn account_month_weights() {
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
pub(super) fn contribution_years_and_index() {
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
