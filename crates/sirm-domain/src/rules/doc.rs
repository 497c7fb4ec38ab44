//! Reading a calc input key by key, with every error naming the dotted path
//! of the key and the offending value; the text rules of decimals and whole
//! numbers, shared with the typed rule set reading (`de.rs`,
//! `ruleset/schema.rs`); the deep merge of rule set documents.
//!
//! Money and rates must be strings holding decimals: a TOML or JSON float is
//! refused, never converted (no `f64` anywhere).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};

use super::error::RuleError;
use super::period::Month;

/// Short JSON text of a value for error messages.
pub(crate) fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Why a number must be written as a string.
pub(crate) const BARE_NUMBER: &str =
    "must be a string holding a decimal (e.g. \"8000.00\", \"0.0612\"), not a bare number";

/// Parses the text of a decimal (digits, at most one point, a leading minus);
/// the error is the reason.
pub(crate) fn decimal_str(s: &str) -> Result<Decimal, String> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_digit() || c == b'.' || c == b'-')
        && s.bytes().filter(|&c| c == b'.').count() <= 1
        && !s[1..].contains('-')
        && s.bytes().any(|c| c.is_ascii_digit());
    if !ok {
        return Err("not a decimal number".to_owned());
    }
    Decimal::from_str_exact(s).map_err(|e| format!("not a decimal number ({e})"))
}

/// Parses a decimal held in a JSON string.
pub(crate) fn decimal(v: &Value, path: &str) -> Result<Decimal, RuleError> {
    match v {
        Value::String(s) => decimal_str(s).map_err(|why| RuleError::invalid(path, show(v), why)),
        Value::Number(_) => Err(RuleError::invalid(path, show(v), BARE_NUMBER)),
        _ => Err(RuleError::invalid(path, show(v), "not a decimal number")),
    }
}

/// Parses the text of a whole number (digits, a leading minus).
pub(crate) fn integer_str(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// Parses an integer: a JSON integer or a string of digits.
pub(crate) fn integer(v: &Value, path: &str) -> Result<i64, RuleError> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => integer_str(s),
        _ => None,
    }
    .ok_or_else(|| RuleError::invalid(path, show(v), "not a whole number"))
}

/// An integer within `range`.
pub(crate) fn int_in(v: &Value, path: &str, lo: i64, hi: i64) -> Result<i64, RuleError> {
    let n = integer(v, path)?;
    if n < lo || n > hi {
        return Err(RuleError::invalid(
            path,
            show(v),
            format!("must be between {lo} and {hi}"),
        ));
    }
    Ok(n)
}

pub(crate) fn string<'a>(v: &'a Value, path: &str) -> Result<&'a str, RuleError> {
    v.as_str()
        .ok_or_else(|| RuleError::invalid(path, show(v), "must be a string"))
}

pub(crate) fn month(v: &Value, path: &str) -> Result<Month, RuleError> {
    let s = string(v, path)?;
    Month::parse(s).map_err(|e| RuleError::invalid(path, show(v), e))
}

/// An object being read, with its path.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: &'a str,
}

impl<'a> Obj<'a> {
    pub fn new(v: &'a Value, path: &'a str) -> Result<Obj<'a>, RuleError> {
        match v {
            Value::Object(map) => Ok(Obj { map, path }),
            _ => Err(RuleError::invalid(
                if path.is_empty() { "(document)" } else { path },
                show(v),
                "must be a table/object",
            )),
        }
    }

    pub fn key(&self, k: &str) -> String {
        join(self.path, k)
    }

    /// Present and not null.
    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k).filter(|v| !v.is_null())
    }

    pub fn req(&self, k: &str) -> Result<&'a Value, RuleError> {
        self.get(k).ok_or_else(|| RuleError::missing(self.key(k)))
    }

    pub fn deny_unknown(&self, allowed: &[&str]) -> Result<(), RuleError> {
        for k in self.map.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(RuleError::UnknownKey {
                    key: self.key(k),
                    allowed: allowed.join(", "),
                });
            }
        }
        Ok(())
    }

    pub fn dec(&self, k: &str) -> Result<Decimal, RuleError> {
        decimal(self.req(k)?, &self.key(k))
    }

    pub fn opt_dec(&self, k: &str) -> Result<Option<Decimal>, RuleError> {
        self.get(k).map(|v| decimal(v, &self.key(k))).transpose()
    }

    pub fn int(&self, k: &str, lo: i64, hi: i64) -> Result<i64, RuleError> {
        int_in(self.req(k)?, &self.key(k), lo, hi)
    }

    pub fn opt_int(&self, k: &str, lo: i64, hi: i64) -> Result<Option<i64>, RuleError> {
        self.get(k)
            .map(|v| int_in(v, &self.key(k), lo, hi))
            .transpose()
    }

    pub fn str(&self, k: &str) -> Result<&'a str, RuleError> {
        string(self.req(k)?, &self.key(k))
    }

    pub fn opt_str(&self, k: &str) -> Result<Option<&'a str>, RuleError> {
        self.get(k).map(|v| string(v, &self.key(k))).transpose()
    }
}

// ---------------------------------------------------------------------------
// Shared by the calc rules (`calc.rs`, `calc_benefits.rs`)
// ---------------------------------------------------------------------------

/// Keys every calc input may carry.
const COMMON: &[&str] = &["region", "rule_set", "year", "params"];

/// Refuses any key but the common ones and `rule_keys`.
pub(crate) fn check_keys(o: &Obj<'_>, rule_keys: &[&str]) -> Result<(), RuleError> {
    let all: Vec<&str> = COMMON.iter().chain(rule_keys).copied().collect();
    o.deny_unknown(&all)
}

pub(crate) fn to_value<T: Serialize>(v: T) -> Value {
    // Our result types contain only strings, numbers and maps: serialization
    // cannot fail; fall back to null rather than panic.
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub(crate) fn array<'a>(o: &Obj<'a>, k: &str) -> Result<&'a Vec<Value>, RuleError> {
    let v = o.req(k)?;
    v.as_array()
        .ok_or_else(|| RuleError::invalid(k, show(v), "must be a list"))
}

/// A date `YYYY-MM-DD`.
pub(crate) fn date(o: &Obj<'_>, k: &str) -> Result<NaiveDate, RuleError> {
    let v = o.req(k)?;
    let s = string(v, k)?;
    if s.len() != 10 {
        return Err(RuleError::invalid(
            k,
            show(v),
            "is not a date of the form YYYY-MM-DD",
        ));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        RuleError::invalid(
            k,
            show(v),
            "is not a real calendar date of the form YYYY-MM-DD",
        )
    })?;
    Ok(d)
}

/// Deep merge: tables merge key by key, anything else is replaced.
pub(crate) fn merge(into: &mut Value, over: &Value) {
    match (into, over) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}
