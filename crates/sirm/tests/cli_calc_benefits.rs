//! `sirm calc` for the other insurance types, the transfer and the
//! late-payment surcharge, through the built binary. Expected figures are
//! worked out by hand from RULES.md ("More insurance types"); the arithmetic
//! is in the comments.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::cli_calc::{calc_err, calc_ok};

#[test]
fn explicit_inputs_give_the_hand_figures() {
    // 70 months → 18, + 10 carried → 24 at most; 1800 × 24.
    let out = calc_ok(
        "unemployment-benefit",
        json!({"contribution_months": 70, "involuntary": true, "carried_months": 10,
               "monthly_amount": "1800.00"}),
    );
    assert_eq!(
        (
            &out["eligible"],
            &out["duration_months"],
            &out["total_amount"]
        ),
        (&json!(true), &json!(24), &json!("43200.00"))
    );
    // 98 + 15 + 15 + 30 = 158 days; 9000 × 158 ÷ 30.
    let out = calc_ok(
        "maternity-allowance",
        json!({"employer_avg_monthly_wage": "9000.00", "event": "birth",
               "difficult_birth": true, "babies": 2, "extra_days": 30}),
    );
    assert_eq!(
        (&out["days"], &out["amount"]),
        (&json!(158), &json!("47400.00"))
    );
    // 4000 < 0.6 × 8000: 4800 used; grade 5: 18 × 4800, 70 % by the employer.
    let out = calc_ok(
        "work-injury-disability",
        json!({"own_wage": "4000", "avg_wage": "8000", "grade": 5}),
    );
    assert_eq!(
        (
            &out["wage_used"],
            &out["lump_sum_months"],
            &out["lump_sum"],
            &out["allowance_rate"],
            &out["monthly_allowance"],
            &out["allowance_payer"]
        ),
        (
            &json!("4800.00"),
            &json!(18),
            &json!("86400.00"),
            &json!("0.70"),
            &json!("3360.00"),
            &json!("employer")
        )
    );
    // 40 % + 30 % + 10 % + 30 % = 110 %: capped, shares 10000 × rate ÷ 1.1.
    let out = calc_ok(
        "work-injury-death",
        json!({"own_wage": "10000", "avg_wage": "8000", "national_disposable_income": "51821",
               "dependents": [{"relation": "spouse"}, {"relation": "other", "alone": true},
                              {"relation": "other"}]}),
    );
    assert_eq!(
        (
            &out["funeral_grant"],
            &out["death_subsidy"],
            &out["dependents_total"],
            &out["capped"]
        ),
        (
            &json!("48000.00"),
            &json!("1036420.00"),
            &json!("10000.00"),
            &json!(true)
        )
    );
    assert_eq!(out["dependent_pensions"][2]["monthly"], json!("2727.27"));
    // 50 + 3000 × 0.015 + 2 × 25 + 30 (70 or older) = 175.
    let out = calc_ok(
        "pension-adjustment",
        json!({"pension": "3000.00", "contribution_years": 25, "age": 72, "fixed": "50",
               "percent": "0.015", "per_year": "2",
               "age_bonus": [{"from_age": 65, "amount": "20"}, {"from_age": 70, "amount": "30"}]}),
    );
    assert_eq!(
        (&out["increase"], &out["new_pension"]),
        (&json!("175.00"), &json!("3175.00"))
    );
    // 1997-12 does not count: 0.12 × (3000 + 3500) = 780.
    let out = calc_ok(
        "pension-transfer",
        json!({"account_balance": "56000.00", "bases": [
            {"month": "1997-12", "base": "3000"}, {"month": "1998-01", "base": "3000"},
            {"month": "1998-02", "base": "3500"}]}),
    );
    assert_eq!(
        (
            &out["account_transfer"],
            &out["pooled_transfer"],
            &out["months_counted"]
        ),
        (&json!("56000.00"), &json!("780.00"), &json!(2))
    );
    // 16 + 28 + 1 = 45 days; 10000 × 0.0005 × 45.
    let out = calc_ok(
        "late-surcharge",
        json!({"amount": "10000.00", "due_date": "2026-01-15", "paid_date": "2026-03-01"}),
    );
    assert_eq!(
        (&out["days"], &out["surcharge"]),
        (&json!(45), &json!("225.00"))
    );
    // Flexible employment: 6000 × 20 %, 8 % to the account.
    let out = calc_ok(
        "contribution",
        json!({"base": "6000", "insurance": "pension", "payer": "flexible"}),
    );
    assert_eq!(
        (&out["rate"], &out["amount"], &out["account_credit"]),
        (&json!("0.20"), &json!("1200.00"), &json!("480.00"))
    );
}

#[test]
fn regional_figures_come_from_the_rule_set() {
    // Demo 110105 (rulesets/demo-110105.toml): unemployment benefit 2094.00,
    // maternity extension 60 days, 2024 avg_wage 11761.00, national income
    // 51821.00, adjustment 50 + 0.9 % + 1.50 a year, +30 from 70, +50 from 80.
    let region = |v: serde_json::Value| {
        let mut v = v;
        v["region"] = json!("110105");
        v["year"] = json!(2024);
        v
    };
    // 12–59 months: 12 × 2094.
    let out = calc_ok(
        "unemployment-benefit",
        region(json!({"contribution_months": 30, "involuntary": true})),
    );
    assert_eq!(
        (&out["monthly_amount"], &out["total_amount"]),
        (&json!("2094.00"), &json!("25128.00"))
    );
    // 98 + 60 = 158 days; 9000 × 158 ÷ 30 = 47400.
    let out = calc_ok(
        "maternity-allowance",
        region(json!({"employer_avg_monthly_wage": "9000.00", "event": "birth"})),
    );
    assert_eq!(
        (&out["days"], &out["amount"]),
        (&json!(158), &json!("47400.00"))
    );
    // 0.6 × 11761 = 7056.6 used; grade 4: 21 × 7056.6 = 148188.6; 75 % = 5292.45.
    let out = calc_ok(
        "work-injury-disability",
        region(json!({"own_wage": "5000", "grade": 4})),
    );
    assert_eq!(
        (
            &out["wage_used"],
            &out["lump_sum"],
            &out["monthly_allowance"]
        ),
        (&json!("7056.60"), &json!("148188.60"), &json!("5292.45"))
    );
    // 20 × 51821; funeral 6 × 11761 = 70566.
    let out = calc_ok(
        "work-injury-death",
        region(json!({"own_wage": "10000", "dependents": []})),
    );
    assert_eq!(
        (
            &out["death_subsidy"],
            &out["funeral_grant"],
            &out["dependents_total"]
        ),
        (&json!("1036420.00"), &json!("70566.00"), &json!("0.00"))
    );
    // 50 + 4000 × 0.009 (36) + 1.50 × 30 (45) + 50 (age 81) = 181.
    let out = calc_ok(
        "pension-adjustment",
        region(json!({"pension": "4000", "contribution_years": "30.5", "age": 81})),
    );
    assert_eq!(
        (&out["increase"], &out["new_pension"]),
        (&json!("181.00"), &json!("4181.00"))
    );
    // The input's figure wins over the rule set's.
    let out = calc_ok(
        "unemployment-benefit",
        region(json!({"contribution_months": 30, "involuntary": true, "monthly_amount": "2000"})),
    );
    assert_eq!(out["total_amount"], json!("24000.00"));
}

#[test]
fn bad_input_names_the_key() {
    for (rule, input, wants) in [
        (
            "work-injury-disability",
            r#"{"own_wage":"4000","avg_wage":"8000","grade":11}"#,
            "grade",
        ),
        (
            "maternity-allowance",
            r#"{"employer_avg_monthly_wage":"9000","event":"twins"}"#,
            "event",
        ),
        (
            "unemployment-benefit",
            r#"{"contribution_months":30,"involuntary":"yes","monthly_amount":"1"}"#,
            "involuntary",
        ),
        (
            "unemployment-benefit",
            r#"{"contribution_months":30,"involuntary":true}"#,
            "monthly_amount",
        ),
        (
            "work-injury-death",
            r#"{"own_wage":"1","avg_wage":"1","national_disposable_income":"1","dependents":[{"relation":"cousin"}]}"#,
            "dependents[0].relation",
        ),
        (
            "contribution",
            r#"{"base":"6000","insurance":"medical","payer":"flexible"}"#,
            "payer",
        ),
        (
            "late-surcharge",
            r#"{"amount":"1","due_date":"2026-02-30","paid_date":"2026-03-01"}"#,
            "due_date",
        ),
        (
            "pension-transfer",
            r#"{"account_balance":"1","bases":[{"month":"2001-13","base":"1"}]}"#,
            "bases[0].month",
        ),
        (
            "pension-adjustment",
            r#"{"pension":"3000","contribution_years":20,"age":70}"#,
            "fixed",
        ),
    ] {
        let e = calc_err(rule, input);
        assert!(e.contains(wants), "{rule}: {e}");
    }
}
