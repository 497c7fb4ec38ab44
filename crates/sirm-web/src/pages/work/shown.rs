//! How a payload's values read on the reviewers' pages: a person named by
//! their blind index (`pk…`, `person:pk…`) or by a full ID number reads as
//! the masked ID number and the name (`110105********1234 张三`), never the
//! internal key; everything else as it is.

use std::collections::HashMap;

use serde_json::Value;
use sirm_domain::id::{PersonKey, ResidentId};

use crate::AppState;

/// The people a page mentions, looked up once.
#[derive(Default)]
pub(crate) struct People(HashMap<String, String>);

impl People {
    /// Resolve every person reference among the strings of `values`.
    pub(crate) async fn of(st: &AppState, values: &[&Value]) -> People {
        let mut texts = Vec::new();
        for v in values {
            strings(v, &mut texts);
        }
        let mut out = HashMap::new();
        for t in texts {
            if out.contains_key(&t) {
                continue;
            }
            if let Some(shown) = resolve(st, &t).await {
                out.insert(t, shown);
            }
        }
        People(out)
    }

    /// Resolve the blind indexes written inside free texts (an audit
    /// event's detail).
    pub(crate) async fn in_texts(st: &AppState, texts: &[&str]) -> People {
        let mut out = HashMap::new();
        for t in texts {
            for k in pk_tokens(t) {
                if !out.contains_key(k) {
                    if let Some(shown) = resolve(st, k).await {
                        out.insert(k.to_string(), shown);
                    }
                }
            }
        }
        People(out)
    }

    /// A free text with every blind index in it replaced by the person.
    pub(crate) fn show_text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for k in pk_tokens(s) {
            if let Some(shown) = self.0.get(k) {
                out = out.replace(k, shown);
            }
        }
        out
    }

    /// A value as shown: the person it names, or itself.
    pub(crate) fn show(&self, s: &str) -> String {
        self.0.get(s).cloned().unwrap_or_else(|| s.to_string())
    }
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// `masked name` of a person reference; `None` when `s` names no person.
async fn resolve(st: &AppState, s: &str) -> Option<String> {
    let (prefix, rest) = match s.strip_prefix("person:") {
        Some(r) => ("参保人员 ", r),
        None => ("", s),
    };
    if let Ok(pk) = rest.parse::<PersonKey>() {
        return Some(match st.sirm.person_view(&pk).await.ok().flatten() {
            Some(v) => format!("{prefix}{} {}", v.id_masked(), v.name),
            None => format!("{prefix}（未登记的人员）"),
        });
    }
    let id = rest.parse::<ResidentId>().ok()?;
    let named = match st.sirm.person_key(&id) {
        Ok(pk) => st.sirm.person_view(&pk).await.ok().flatten(),
        Err(_) => None,
    };
    Some(match named {
        Some(v) => format!("{prefix}{} {}", id.masked(), v.name),
        None => format!("{prefix}{}", id.masked()),
    })
}

/// Every blind index (`pk` and 32 lowercase hex digits) inside `s`.
fn pk_tokens(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let len = sirm_domain::id::PERSON_KEY_LEN;
    let mut out = Vec::new();
    let mut i = 0;
    while i + len <= b.len() {
        let hex = |c: &u8| c.is_ascii_digit() || (b'a'..=b'f').contains(c);
        if &b[i..i + 2] == b"pk"
            && b[i + 2..i + len].iter().all(hex)
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b.get(i + len).is_none_or(|c| !c.is_ascii_alphanumeric())
        {
            if let Some(t) = s.get(i..i + len) {
                out.push(t);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    out
}
