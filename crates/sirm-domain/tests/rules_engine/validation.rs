//! Bad input and invalid rule sets named by key and value; the embedded sets load; calc output recomputes from its request.

use super::*;

#[test]
pub(super) fn bad_input_names_key_and_value() {
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

pub(super) fn load_demo_variant(edit: impl FnOnce(&mut Value)) -> Result<RuleSet, RuleError> {
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
pub(super) fn rule_set_validation_names_the_key() {
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
pub(super) fn embedded_rule_sets_load() {
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

#[test]
pub(super) fn calc_output_recomputes_from_its_request() {
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

/// The national document with `edit` applied, loaded; the error inside
/// ``rule set `national`: …``.
fn national_variant_error(edit: impl FnOnce(&mut Value)) -> RuleError {
    let mut doc = sirm_domain::rules::ruleset::parse_document(
        builtin::NATIONAL_TOML,
        Format::Toml,
        "national",
    )
    .unwrap();
    edit(&mut doc);
    match RuleSet::from_document(&doc, None).unwrap_err() {
        RuleError::InRuleSet { rule_set, error } => {
            assert_eq!(rule_set, "national");
            *error
        }
        e => panic!("not inside the rule set: {e}"),
    }
}

fn invalid(key: &str, value: &str, reason: &str) -> RuleError {
    RuleError::Invalid {
        key: key.into(),
        value: value.into(),
        reason: reason.into(),
    }
}

#[test]
pub(super) fn typed_reading_names_key_value_and_reason() {
    let err = |edit: fn(&mut Value)| national_variant_error(edit);
    // An unknown key deep in a section: its dotted key and the allowed keys.
    assert_eq!(
        err(|d| d["retirement"]["female_55"]["cap_month"] = json!(36)),
        RuleError::UnknownKey {
            key: "retirement.female_55.cap_month".into(),
            allowed: "original_age_years, first_affected_birth_month, step_months, cap_months"
                .into(),
        }
    );
    assert_eq!(
        err(|d| d["defaults"]["rates"]["medical"]["employe"] = json!("0.02")),
        RuleError::UnknownKey {
            key: "defaults.rates.medical.employe".into(),
            allowed: "employer, employee".into(),
        }
    );
    let e = load_demo_variant(|d| d["years"]["2023"]["rates"]["pension"] = json!({"emp": "0.16"}))
        .unwrap_err();
    assert_eq!(e.key(), Some("years.2023.rates.pension.emp"), "{e}");
    assert!(
        e.to_string()
            .ends_with("unknown key (allowed here: employer, employee)"),
        "{e}"
    );

    // A missing key, and a known key holding null (absent).
    assert_eq!(
        err(|d| {
            d["rounding"]["index"]
                .as_object_mut()
                .unwrap()
                .remove("scale");
        }),
        RuleError::Missing {
            key: "rounding.index.scale".into()
        }
    );
    assert_eq!(
        err(|d| d["min_contribution"]["step_months"] = Value::Null),
        RuleError::Missing {
            key: "min_contribution.step_months".into()
        }
    );

    // A bare number where a decimal string is required: refused, not converted.
    let bare =
        "must be a string holding a decimal (e.g. \"8000.00\", \"0.0612\"), not a bare number";
    assert_eq!(
        err(|d| d["crediting_rates"]["2021"] = json!(0.0669)),
        invalid("crediting_rates.2021", "0.0669", bare)
    );
    assert_eq!(
        err(|d| d["defaults"]["floor_ratio"] = json!(1)),
        invalid("defaults.floor_ratio", "1", bare)
    );

    // Integers out of range, as a number or a string of digits.
    assert_eq!(
        err(|d| d["retirement"]["male"]["step_months"] = json!(121)),
        invalid(
            "retirement.male.step_months",
            "121",
            "must be between 1 and 120"
        )
    );
    assert_eq!(
        err(|d| d["rounding"]["base"]["scale"] = json!("11")),
        invalid("rounding.base.scale", "\"11\"", "must be between 0 and 10")
    );

    // Wrong types.
    assert_eq!(
        err(|d| d["rounding"]["amount"] = json!("half_up")),
        invalid("rounding.amount", "\"half_up\"", "must be a table/object")
    );
    assert_eq!(
        err(|d| d["rule_set"]["demo"] = json!("yes")),
        invalid("rule_set.demo", "\"yes\"", "must be true or false")
    );
    assert_eq!(
        err(|d| d["rule_set"]["sources"] = json!(["a", 3])),
        invalid("rule_set.sources[1]", "3", "must be a string")
    );
    assert_eq!(
        err(|d| d["payout_months"]["50"] = json!("many")),
        invalid("payout_months.50", "\"many\"", "not a whole number")
    );
    assert_eq!(
        err(|d| d["rounding"]["amount"]["mode"] = json!(2)),
        invalid(
            "rounding.amount.mode",
            "2",
            "must be half_up, half_even, down or up"
        )
    );
    assert_eq!(
        err(|d| d["retirement"]["male"]["first_affected_birth_month"] = json!("1965-13")),
        invalid(
            "retirement.male.first_affected_birth_month",
            "\"1965-13\"",
            "month 13 is outside 1–12"
        )
    );

    // Keys that must be years, ages or industry classes.
    assert_eq!(
        err(|d| d["years"]["20x5"] = json!({})),
        invalid("years.20x5", "\"20x5\"", "a year key must be four digits")
    );
    assert_eq!(
        err(|d| d["defaults"]["rates"]["work_injury"]["33"] = json!("0.01")),
        invalid(
            "defaults.rates.work_injury.33",
            "\"33\"",
            "an industry class key must be 1–32"
        )
    );

    // `params`: layer keys are read as typed values, sections are merged
    // over the document and read with it; errors name `params.*`.
    let set = national();
    assert_eq!(
        set.with_overrides(&json!({"floor_ratio": 0.6}))
            .unwrap_err(),
        invalid("params.floor_ratio", "0.6", bare)
    );
    assert_eq!(
        set.with_overrides(&json!({"retirement": {"male": {"stepmonths": 1}}}))
            .unwrap_err(),
        RuleError::UnknownKey {
            key: "params.retirement.male.stepmonths".into(),
            allowed: "original_age_years, first_affected_birth_month, step_months, cap_months"
                .into(),
        }
    );
    let e = set.with_overrides(&json!({"bogus": 1})).unwrap_err();
    assert_eq!(e.key(), Some("params.bogus"), "{e}");
    assert!(e.to_string().contains("payout_months"), "{e}");
    let s = set
        .with_overrides(&json!({"rounding": {"amount": {"scale": 3}}}))
        .unwrap();
    assert_eq!(s.rounding.amount.scale, 3);
    assert_eq!(s.rounding.base, set.rounding.base);
}
