//! `sirm id check`: one line of JSON, exit 0 valid / 1 invalid.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use serde_json::Value;

/// Runs `sirm id check <args>`; returns the exit code and the parsed JSON line.
fn check(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_sirm"))
        .args(["id", "check"])
        .args(args)
        .output()
        .expect("run sirm");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "one line of JSON expected, got {stdout:?}"
    );
    let json: Value = serde_json::from_str(stdout.trim_end()).expect("stdout is JSON");
    (out.status.code().expect("exit code"), json)
}

#[test]
fn valid_resident_id() {
    let (code, json) = check(&["110105199003071220"]);
    assert_eq!(code, 0);
    assert_eq!(json["valid"], true);
    assert_eq!(json["kind"], "resident_id");
    assert_eq!(json["id"], "110105199003071220");
    assert_eq!(json["birth_date"], "1990-03-07");
    assert_eq!(json["gender"], "female");
    assert_eq!(json["region"], "110105");
}

#[test]
fn gb_11643_example_and_lower_case_x() {
    let (code, json) = check(&["11010519491231002x"]);
    assert_eq!(code, 0);
    assert_eq!(json["id"], "11010519491231002X");
    assert_eq!(json["birth_date"], "1949-12-31");
    assert_eq!(json["gender"], "female");
}

#[test]
fn valid_credit_code() {
    let (code, json) = check(&["91350100m000100y43"]);
    assert_eq!(code, 0);
    assert_eq!(json["valid"], true);
    assert_eq!(json["kind"], "credit_code");
    assert_eq!(json["id"], "91350100M000100Y43");
    assert_eq!(json["region"], "350100");
    assert_eq!(json["authority"], "9");
    assert_eq!(json["org_type"], "1");
}

#[test]
fn valid_region() {
    let (code, json) = check(&["110105"]);
    assert_eq!(code, 0);
    assert_eq!(json["valid"], true);
    assert_eq!(json["kind"], "region");
    assert_eq!(json["id"], "110105");
}

fn assert_invalid(json: &Value, kind: Option<&str>, input: &str, code: &str, part: &str) {
    assert_eq!(json["valid"], false);
    match kind {
        Some(kind) => assert_eq!(json["kind"], kind),
        None => assert!(json["kind"].is_null()),
    }
    assert_eq!(json["input"], input);
    assert_eq!(json["code"], code);
    assert_eq!(json["part"], part);
}

#[test]
fn wrong_check_character() {
    let (code, json) = check(&["110105199003071223"]);
    assert_eq!(code, 1);
    assert_invalid(
        &json,
        Some("resident_id"),
        "110105199003071223",
        "resident_id.check_char",
        "check_char",
    );
    assert_eq!(
        json["error"],
        "resident ID number: check character is '3', expected '0'"
    );
}

#[test]
fn bad_birth_date() {
    let (code, json) = check(&["110105199002310028"]);
    assert_eq!(code, 1);
    assert_invalid(
        &json,
        Some("resident_id"),
        "110105199002310028",
        "resident_id.birth_date",
        "birth_date",
    );
    assert!(json["error"]
        .as_str()
        .unwrap()
        .contains("birth date part '19900231' is not a calendar date"));
}

#[test]
fn wrong_length() {
    let (code, json) = check(&["11010519900307122"]);
    assert_eq!(code, 1);
    assert_invalid(
        &json,
        Some("resident_id"),
        "11010519900307122",
        "resident_id.length",
        "length",
    );
    assert_eq!(
        json["error"],
        "resident ID number: must be 18 characters, got 17"
    );
}

#[test]
fn bad_credit_code_character() {
    let (code, json) = check(&["9135I100M000100Y43"]);
    assert_eq!(code, 1);
    assert_invalid(
        &json,
        Some("credit_code"),
        "9135I100M000100Y43",
        "credit_code.charset",
        "charset",
    );
    assert_eq!(
        json["error"],
        "unified social credit code: character 'I' at position 5 is not allowed (no I, O, Z, S, V)"
    );
}

#[test]
fn forced_kind() {
    let (code, json) = check(&["--kind", "credit-code", "11010519491231002X"]);
    assert_eq!(code, 1);
    assert_eq!(json["kind"], "credit_code");
    let (code, json) = check(&["--kind", "region", "110105"]);
    assert_eq!(code, 0);
    assert_eq!(json["kind"], "region");
}

#[test]
fn unrecognised_has_null_kind() {
    let (code, json) = check(&["hello"]);
    assert_eq!(code, 1);
    assert_invalid(&json, None, "hello", "identifier.unrecognised", "length");
}

#[test]
fn help_describes_check() {
    let out = Command::new(env!("CARGO_BIN_EXE_sirm"))
        .args(["id", "check", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("--kind"), "{help}");
    assert!(help.contains("resident-id"), "{help}");
    assert!(help.contains("JSON"), "{help}");
}
