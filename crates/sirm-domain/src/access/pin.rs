//! The telephone / self-service query PIN (查询密码, Art 14): six digits set
//! at the counter after the clerk checked the person's ID document.
//!
//! A PIN is refused when it is guessable from what a caller knows or tries
//! first. Each refusal names a stable rule id; messages never contain the PIN.
//!
//! | rule id | refuses |
//! |---|---|
//! | `pin.format` | anything but exactly 6 ASCII digits |
//! | `pin.repeated` | one digit six times (`111111`) |
//! | `pin.sequence` | an ascending or descending run, wrapping at 9/0 (`123456`, `654321`, `567890`) |
//! | `pin.birth_date` | the birth date of the ID number: `YYMMDD`, `MMDDYY`, `DDMMYY`, `YYYYMM`, or a PIN beginning or ending with `MMDD` |
//!
//! Lockout (5 consecutive failures → 30 minutes) is counted by the
//! application; the numbers are here so that code and docs share them.

use chrono::{Datelike, NaiveDate};

use crate::RuleId;

/// Digits of a query PIN.
pub const PIN_LENGTH: usize = 6;
/// Consecutive wrong PINs that lock the PIN.
pub const PIN_LOCKOUT_THRESHOLD: u32 = 5;
/// How long a locked PIN stays locked.
pub const PIN_LOCKOUT_MINUTES: u32 = 30;

pub const RULE_PIN_FORMAT: RuleId = RuleId::PinFormat;
pub const RULE_PIN_REPEATED: RuleId = RuleId::PinRepeated;
pub const RULE_PIN_SEQUENCE: RuleId = RuleId::PinSequence;
pub const RULE_PIN_BIRTH_DATE: RuleId = RuleId::PinBirthDate;

/// A query PIN refused by a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused by rule {rule}: {message}")]
pub struct PinViolation {
    /// Stable rule id, e.g. `pin.sequence`.
    pub rule: RuleId,
    /// English; never contains the PIN.
    pub message: String,
}

fn refuse(rule: RuleId, message: &str) -> PinViolation {
    PinViolation {
        rule,
        message: message.to_string(),
    }
}

/// Does the PIN step by +1 (or by −1) from digit to digit, wrapping 9 → 0?
fn is_run(d: &[u8]) -> bool {
    let step = |s: u8| d.windows(2).all(|w| (w[0] + s) % 10 == w[1]);
    step(1) || step(9)
}

/// The digit strings a birth date gives a caller who knows the ID number.
fn birth_forms(birth: NaiveDate) -> ([String; 4], String) {
    let (y, m, d) = (birth.year(), birth.month(), birth.day());
    let yy = y.rem_euclid(100);
    (
        [
            format!("{yy:02}{m:02}{d:02}"),
            format!("{m:02}{d:02}{yy:02}"),
            format!("{d:02}{m:02}{yy:02}"),
            format!("{y:04}{m:02}"),
        ],
        format!("{m:02}{d:02}"),
    )
}

/// Check a new query PIN for the person born on `birth` (from the ID number).
pub fn check_query_pin(pin: &str, birth: NaiveDate) -> Result<(), PinViolation> {
    if pin.len() != PIN_LENGTH || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse(
            RULE_PIN_FORMAT,
            "a query PIN is exactly 6 digits (0-9)",
        ));
    }
    let digits: Vec<u8> = pin.bytes().map(|b| b - b'0').collect();
    if digits.iter().all(|d| *d == digits[0]) {
        return Err(refuse(
            RULE_PIN_REPEATED,
            "the query PIN repeats one digit (such as 111111)",
        ));
    }
    if is_run(&digits) {
        return Err(refuse(
            RULE_PIN_SEQUENCE,
            "the query PIN is an ascending or descending run of digits (such as 123456 or 654321)",
        ));
    }
    let (whole, mmdd) = birth_forms(birth);
    if whole.iter().any(|f| f == pin) || pin.starts_with(&mmdd) || pin.ends_with(&mmdd) {
        return Err(refuse(
            RULE_PIN_BIRTH_DATE,
            "the query PIN is taken from the birth date in the ID number (YYMMDD, MMDDYY, DDMMYY, YYYYMM, or beginning or ending with MMDD)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn birth() -> NaiveDate {
        NaiveDate::from_ymd_opt(1985, 3, 7).unwrap_or_default()
    }

    fn rule(pin: &str) -> Option<RuleId> {
        check_query_pin(pin, birth()).err().map(|v| v.rule)
    }

    #[test]
    fn rules_named() {
        for bad in ["12345", "1234567", "12a456", "", "１２３４５６", " 28491"] {
            assert_eq!(rule(bad), Some(RULE_PIN_FORMAT), "{bad:?}");
        }
        for bad in ["000000", "111111", "999999"] {
            assert_eq!(rule(bad), Some(RULE_PIN_REPEATED), "{bad}");
        }
        for bad in [
            "123456", "654321", "012345", "567890", "890123", "098765", "210987",
        ] {
            assert_eq!(rule(bad), Some(RULE_PIN_SEQUENCE), "{bad}");
        }
        for bad in ["850307", "030785", "070385", "198503", "030712", "120307"] {
            assert_eq!(rule(bad), Some(RULE_PIN_BIRTH_DATE), "{bad}");
        }
        for good in ["284913", "112233", "135790", "850308", "307850"] {
            assert_eq!(rule(good), None, "{good}");
        }
    }

    #[test]
    fn messages_never_contain_the_pin() {
        for bad in ["345678", "850307", "777777"] {
            let v = check_query_pin(bad, birth()).unwrap_err();
            assert!(!v.to_string().contains(bad), "{v}");
            assert!(v.to_string().starts_with("refused by rule pin."), "{v}");
        }
    }
}
