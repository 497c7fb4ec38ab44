//! `sirm verify --keys`: the optional pass that also opens every sealed
//! field of the ledger (the ordinary verification needs no key and opens
//! nothing). A sealed value that fails authentication is reported with the
//! entry it sits in; persons whose data key was erased are counted, not
//! opened.

use std::collections::HashMap;

use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use sirm_domain::id::PersonKey;
use sirm_domain::sealed::Sealed;
use sirm_ledger::SecretKey;

use super::{field, DataKey};
use crate::{AppError, Sirm};

/// What the pass found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SealedCheck {
    pub entries: u64,
    pub opened: u64,
    /// Sealed values of erased persons (not openable by design).
    pub erased: u64,
    /// (entry seq, field, why) of every value that did not open; at most 100.
    pub failures: Vec<(u64, String, String)>,
    pub failed: u64,
}

impl SealedCheck {
    pub fn is_intact(&self) -> bool {
        self.failed == 0
    }
}

impl Sirm {
    /// Open every sealed field in the ledger.
    pub async fn verify_sealed(&self) -> Result<SealedCheck, AppError> {
        let vault = self.vault()?;
        let mut keys: HashMap<String, Option<SecretKey>> = HashMap::new();
        let mut out = SealedCheck::default();
        let mut rows = self.store.scan();
        while let Some(row) = rows.next().await {
            let row = row?;
            out.entries += 1;
            if !row.payload.contains(sirm_domain::sealed::SEALED_PREFIX) {
                continue;
            }
            let seq = u64::try_from(row.seq).unwrap_or(0);
            let Ok(payload) = serde_json::from_str::<Value>(&row.payload) else {
                continue; // the ordinary verification names unreadable entries
            };
            let mut found = Vec::new();
            collect(&payload, None, &mut found);
            for (pk, name, sealed) in found {
                let Some(pk) = pk else {
                    out.failed += 1;
                    if out.failures.len() < 100 {
                        out.failures
                            .push((seq, name, "no person names this sealed value".into()));
                    }
                    continue;
                };
                if !keys.contains_key(pk.as_str()) {
                    let k = match self.data_key(&pk, false).await {
                        Ok(Some(DataKey::Key(k))) => Some(k),
                        _ => None,
                    };
                    keys.insert(pk.as_str().to_string(), k);
                }
                let field = if name == "content" {
                    field::CERTIFICATE.to_string()
                } else {
                    name.clone()
                };
                match keys.get(pk.as_str()).and_then(|k| k.as_ref()) {
                    None => match self.data_key(&pk, false).await {
                        Ok(Some(DataKey::Erased)) => out.erased += 1,
                        _ => {
                            out.failed += 1;
                            if out.failures.len() < 100 {
                                out.failures.push((
                                    seq,
                                    name,
                                    format!("no data key for {}", pk.short()),
                                ));
                            }
                        }
                    },
                    Some(dek) => match vault.open(dek, &pk, &field, &sealed) {
                        Ok(_) => out.opened += 1,
                        Err(e) => {
                            out.failed += 1;
                            if out.failures.len() < 100 {
                                out.failures.push((seq, name, e.to_string()));
                            }
                        }
                    },
                }
            }
        }
        Ok(out)
    }
}

/// (person, field name, sealed text) of every sealed value; the person is
/// the `id` (or `person_id`) of the object holding it or of an enclosing one.
fn collect(
    v: &Value,
    owner: Option<&PersonKey>,
    out: &mut Vec<(Option<PersonKey>, String, String)>,
) {
    match v {
        Value::Array(items) => {
            for i in items {
                collect(i, owner, out);
            }
        }
        Value::Object(map) => {
            let here = ["id", "person_id"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_str()))
                .and_then(|s| s.parse::<PersonKey>().ok());
            let owner = here.as_ref().or(owner);
            for (k, child) in map {
                match child {
                    Value::String(s) if Sealed::looks_sealed(s) => {
                        out.push((owner.cloned(), k.clone(), s.clone()));
                    }
                    Value::Object(_) | Value::Array(_) => collect(child, owner, out),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}
