//! The values a change replaced (更正前), for the maintenance log: read
//! from the entry itself where it carries them (`before`), else from the
//! subject's earlier entries in the ledger — the registration fields a
//! change overwrote, the person-month a contribution correction
//! recomputed. A new record (a registration, an employment's start) has
//! none.

use serde_json::{Map, Value};
use sirm_domain::records::kind;
use sirm_store::MaintenanceRow;

use crate::{AppError, Sirm};

/// Payload keys that describe a change rather than the record's values.
const NOT_VALUES: [&str; 7] = [
    "id",
    "credit_code",
    "effective_on",
    "reason",
    "method",
    "corrects",
    "objection",
];

/// The values before the change of `row` (still sealed where sealed), or
/// `None` for a new record.
pub(super) async fn before(
    sirm: &Sirm,
    row: &MaintenanceRow,
    payload: &Value,
) -> Result<Option<Value>, AppError> {
    if let Some(b) = payload.get("before").filter(|b| !b.is_null()) {
        return Ok(Some(b.clone()));
    }
    if row.kind == kind::PERSON_ID_CHANGED {
        // The number replaced, sealed in the entry itself (opened and
        // masked by the caller like every other ID number).
        return Ok(payload.get("previous_id_number").map(|prev| {
            serde_json::json!({
                "id": payload.get("id").cloned().unwrap_or(Value::Null),
                "id_number": prev.clone(),
            })
        }));
    }
    let family = match row.kind.as_str() {
        kind::PERSON_CHANGED => [kind::PERSON_REGISTERED, kind::PERSON_CHANGED],
        kind::EMPLOYER_CHANGED => [kind::EMPLOYER_REGISTERED, kind::EMPLOYER_CHANGED],
        kind::CONTRIBUTION_CORRECTED => [kind::CONTRIBUTION_ASSESSED, kind::CONTRIBUTION_CORRECTED],
        _ => return Ok(None),
    };
    let earlier = sirm
        .store
        .subject_history(&row.subject, row.seq, &family)
        .await?;
    let earlier: Vec<Value> = earlier
        .into_iter()
        .filter_map(|(_, p)| serde_json::from_str(&p).ok())
        .collect();
    Ok(if row.kind == kind::CONTRIBUTION_CORRECTED {
        let month = month_of(payload);
        earlier
            .iter()
            .rev()
            .find(|p| month.is_some() && month_of(p) == month)
            .map(month_summary)
    } else {
        registration_before(&earlier, payload)
    })
}

/// What the log shows as the values written: a contribution's figures
/// without the rule set's inputs, anything else as written.
pub(super) fn shown(kind_: &str, payload: &Value) -> Value {
    match kind_ {
        kind::CONTRIBUTION_CORRECTED | kind::CONTRIBUTION_ASSESSED => month_summary(payload),
        _ => payload.clone(),
    }
}

/// ID numbers in an opened value, masked (`110101********4354`): the log's
/// readers see the subject masked and need no whole ID number.
pub(crate) fn mask_ids(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if let Value::String(s) = x {
                    if matches!(
                        k.as_str(),
                        "id" | "id_number" | "new_id_number" | "previous_id_number"
                    ) {
                        if let Ok(id) = s.parse::<sirm_domain::id::ResidentId>() {
                            *s = id.masked();
                        }
                    }
                } else {
                    mask_ids(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask_ids),
        _ => {}
    }
}

/// For each field the change sets, its last value before it (a change
/// names only the fields it changes; the registration names all).
fn registration_before(earlier: &[Value], change: &Value) -> Option<Value> {
    let fields = change.as_object()?;
    let mut out = Map::new();
    for key in fields.keys().filter(|k| !NOT_VALUES.contains(&k.as_str())) {
        if let Some(v) = earlier.iter().rev().find_map(|p| p.get(key)) {
            out.insert(key.clone(), v.clone());
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// The month a contribution entry (assessed or corrected) is about.
fn month_of(p: &Value) -> Option<&Value> {
    p.get("month")
        .or_else(|| p.get("assessed").and_then(|a| a.get("month")))
}

/// A person-month's figures: declared wage, base, the amounts and the
/// account credit.
fn month_summary(p: &Value) -> Value {
    let a = p.get("assessed").unwrap_or(p);
    let result = a.get("result").unwrap_or(&Value::Null);
    let mut out = Map::new();
    for (key, v) in [
        ("month", a.get("month")),
        ("credit_code", a.get("credit_code")),
        (
            "declared_wage",
            result.get("inputs").and_then(|i| i.get("declared_wage")),
        ),
        ("base", result.get("base")),
        ("amounts", result.get("amounts")),
        ("account_credit", result.get("account_credit")),
        ("reason", p.get("reason")),
    ] {
        if let Some(v) = v {
            out.insert(key.to_string(), v.clone());
        }
    }
    if out.is_empty() {
        p.clone()
    } else {
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_change_shows_each_field_it_set_as_it_was_before() {
        let earlier = vec![
            json!({"credit_code": "X", "name": "甲", "address": "一路", "industry_class": 1}),
            json!({"credit_code": "X", "address": "二路", "reason": "搬迁"}),
        ];
        let change = json!({"credit_code": "X", "name": "乙", "address": "三路", "reason": "更正"});
        assert_eq!(
            registration_before(&earlier, &change),
            Some(json!({"name": "甲", "address": "二路"}))
        );
        // A field never set before has no before value.
        let change = json!({"credit_code": "X", "phone": "1"});
        assert_eq!(registration_before(&earlier, &change), None);
    }

    #[test]
    fn id_numbers_are_masked_wherever_they_sit() {
        let mut v = json!({"id": "11010519491231002X", "lines": [{"id": "11010519491231002X"}],
            "name": "甲", "credit_code": "91110000100000000X"});
        mask_ids(&mut v);
        assert_eq!(v["id"], "110105********002X");
        assert_eq!(v["lines"][0]["id"], "110105********002X");
        assert_eq!(v["credit_code"], "91110000100000000X");
    }

    #[test]
    fn a_month_is_summarised_from_an_assessment_or_a_correction() {
        let assessed = json!({"id": "pk", "credit_code": "C", "month": "2026-01",
            "result": {"inputs": {"declared_wage": "8000"}, "base": "8000",
                       "amounts": {"pension_employee": "640"}, "account_credit": "640",
                       "rule_set": {"id": "x"}}});
        let corrected =
            json!({"assessed": assessed, "previous_declared_wage": "7000", "reason": "r"});
        let s = month_summary(&corrected);
        assert_eq!(s["month"], "2026-01");
        assert_eq!(s["declared_wage"], "8000");
        assert_eq!(s["reason"], "r");
        assert!(s.get("rule_set").is_none());
        assert_eq!(month_of(&corrected), Some(&json!("2026-01")));
        assert_eq!(month_summary(&assessed)["base"], "8000");
    }
}
