//! `sirm calc` and `sirm rules` through the built binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

fn sirm(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sirm"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            pipe.write_all(s.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

pub(crate) fn calc_ok(rule: &str, input: Value) -> Value {
    let out = sirm(&["calc", rule, "--input", "-"], Some(&input.to_string()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs a bad input; asserts exit status 1, nothing on stdout, and returns stderr.
pub(crate) fn calc_err(rule: &str, input: &str) -> String {
    let out = sirm(&["calc", rule, "--input", "-"], Some(input));
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: ") && err.lines().count() == 1,
        "{err}"
    );
    err
}

fn rulesets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rulesets")
}

#[test]
fn rules_md_worked_examples() {
    let credits: Vec<Value> = (1..=12)
        .map(|m| json!({"month": m, "amount": "400.00"}))
        .collect();
    let out = calc_ok(
        "account",
        json!({"opening_balance": "10000.00", "rate": "0.0612", "credits": credits}),
    );
    assert_eq!(out["interest"], json!("771.12"));
    assert_eq!(out["closing_balance"], json!("15571.12"));
    assert_eq!(out["rule_set"]["id"], json!("national"));

    // From a file this time.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pension.json");
    std::fs::write(
        &file,
        r#"{"avg_wage": "8000", "contribution_index": "1.2", "contribution_months": 300,
            "account_balance": "150000.00", "retirement_age_years": 60}"#,
    )
    .unwrap();
    let out = sirm(
        &["calc", "pension", "--input", file.to_str().unwrap()],
        None,
    );
    assert!(out.status.success());
    let out: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out["basic"], json!("2200.00"));
    assert_eq!(out["account"], json!("1079.14"));
    assert_eq!(out["total"], json!("3279.14"));
    assert_eq!(out["payout_months"], json!(139));
}

#[test]
fn every_rule_answers() {
    let out = calc_ok("base", json!({"declared_wage": "3000", "avg_wage": "8000"}));
    assert_eq!(
        (
            out["floor"].clone(),
            out["ceiling"].clone(),
            out["base"].clone()
        ),
        (json!("4800"), json!("24000"), json!("4800"))
    );
    let out = calc_ok(
        "contribution",
        json!({"base": "4800", "insurance": "unemployment", "payer": "employee"}),
    );
    assert_eq!(
        (out["rate"].clone(), out["amount"].clone()),
        (json!("0.005"), json!("24.00"))
    );
    let out = calc_ok(
        "contribution-years",
        json!({"paid_months": ["2024-01", "2024-02", "2024-02"], "deemed_months": 22}),
    );
    assert_eq!(out["display"], json!("2 年 0 个月"));
    let out = calc_ok(
        "retirement-age",
        json!({"birth_date": "1965-01-20", "category": "male"}),
    );
    assert_eq!(
        (
            out["delay_months"].clone(),
            out["age_years"].clone(),
            out["age_months"].clone(),
            out["retirement_month"].clone()
        ),
        (json!(1), json!(60), json!(1), json!("2025-02"))
    );
    assert_eq!(out["min_contribution_months"], json!(180));
    let out = calc_ok(
        "month",
        json!({"region": "110105", "year": 2024, "declared_wage": "9000.00", "industry_class": 2}),
    );
    assert_eq!(out["amounts"]["work_injury_employer"], json!("36.00"));
    assert_eq!(out["rule_set"]["demo"], json!(true));
}

#[test]
fn params_override_one_calculation() {
    let out = calc_ok(
        "base",
        json!({"declared_wage": "3000", "avg_wage": "8000", "params": {"floor_ratio": "0.40"}}),
    );
    assert_eq!(out["base"], json!("3200"));
    assert_eq!(out["rule_set"]["params_overridden"], json!(["floor_ratio"]));
}

#[test]
fn bad_input_exits_1_naming_key_and_value() {
    let e = calc_err("base", r#"{"declared_wage": "9000","#);
    assert!(e.contains("not valid JSON"), "{e}");
    let e = calc_err("base", r#"{"avg_wage": "8000"}"#);
    assert!(e.contains("declared_wage: missing"), "{e}");
    let e = calc_err("base", r#"{"declared_wage": "9,000", "avg_wage": "8000"}"#);
    assert!(e.contains(r#"declared_wage = "9,000""#), "{e}");
    let e = calc_err(
        "account",
        r#"{"opening_balance": "0", "rate": "0.01", "credits": [{"month": 13, "amount": "1.00"}]}"#,
    );
    assert!(e.contains("credits[0].month = 13"), "{e}");
    let e = calc_err(
        "retirement-age",
        r#"{"birth_date": "2999-01-01", "category": "male"}"#,
    );
    assert!(
        e.contains(r#"birth_date = "2999-01-01""#) && e.contains("future"),
        "{e}"
    );
    let e = calc_err(
        "pension",
        r#"{"avg_wage": "8000", "contribution_index": "1", "contribution_months": 300, "account_balance": "1", "retirement_age_years": 75}"#,
    );
    assert!(
        e.contains("retirement_age_years = 75") && e.contains("40–70"),
        "{e}"
    );
    let e = calc_err(
        "base",
        r#"{"region": "110105", "year": 2040, "declared_wage": "9000"}"#,
    );
    assert!(
        e.contains("year = 2040") && e.contains("demo-110105"),
        "{e}"
    );
    let out = sirm(&["calc", "base", "--input", "/nonexistent/in.json"], None);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn rules_validate_and_show() {
    for f in ["national.toml", "demo-110105.toml"] {
        let out = sirm(
            &["rules", "validate", rulesets().join(f).to_str().unwrap()],
            None,
        );
        assert!(
            out.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: "));
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(rulesets().join("demo-110105.toml"))
        .unwrap()
        .replace(
            "[years.2021]\navg_wage = \"10145.00\"",
            "[years.2021]\navg_wage = \"-10145.00\"",
        );
    std::fs::write(&bad, text).unwrap();
    let out = sirm(&["rules", "validate", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("years.2021.avg_wage") && err.contains("-10145.00"),
        "{err}"
    );

    let out = sirm(
        &["rules", "show", "--region", "110105", "--year", "2024"],
        None,
    );
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["params"]["avg_wage"], json!("11761.00"));
    assert_eq!(v["params"]["crediting_rate"], json!("0.0262"));
    let out = sirm(&["rules", "show"], None);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rule_sets"].as_array().unwrap().len(), 2);
    let out = sirm(
        &["rules", "show", "--region", "110105", "--year", "2014"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));

    // --rules FILE replaces the demo region set for calc.
    let alt = dir.path().join("alt.toml");
    let text = std::fs::read_to_string(rulesets().join("demo-110105.toml"))
        .unwrap()
        .replace("avg_wage = \"11761.00\"", "avg_wage = \"10000.00\"");
    std::fs::write(&alt, text).unwrap();
    let out = sirm(
        &[
            "calc",
            "base",
            "--rules",
            alt.to_str().unwrap(),
            "--input",
            "-",
        ],
        Some(r#"{"region": "110105", "year": 2024, "declared_wage": "1"}"#),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["floor"], json!("6000"));
}
