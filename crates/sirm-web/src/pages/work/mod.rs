//! The staff workbench for business transactions: take an application at
//! the counter with its scanned materials ([`intake`]), work queues per
//! review stage and the application page ([`application`]), decisions
//! ([`decision`]), the maintenance log (Art 12, [`log`]) and arrears
//! ([`arrears`]), parameters: the region's rule sets ([`rule_set`]). The raw-data form of each business type is in [`fields`].

mod application;
mod arrears;
mod decision;
mod fields;
mod file_preview;
pub(crate) mod intake;
mod log;
mod prepared;
mod rule_set;
pub(crate) mod shown;
mod transfer_effect;

use serde_json::Value;

pub use application::{application, queue, DoneQuery};
pub use arrears::{arrears, arrears_api, arrears_csv, ArrearsQuery};
pub use decision::{decide, material, resubmit, withdraw, DecisionForm, ReasonForm};
pub use intake::{new_application, submit, NewQuery};
pub use log::{
    maintenance_csv, maintenance_csv_post, maintenance_log, maintenance_log_post, LogQuery,
};
pub use prepared::{prepared, prepared_action};
pub use rule_set::{rule_set, rule_sets};

/// Flatten a JSON value into (dotted path, text) rows.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{}]", i + 1), x, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Null => out.push((prefix.to_string(), "—".into())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}
