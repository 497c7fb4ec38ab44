//! `[objections]` in `sirm.toml`: the deadline of an objection's answer in
//! working days, and how many objections of one person may be open at once
//! (`docs/objections.md`).

use serde::{Deserialize, Serialize};

/// `[objections]` in `sirm.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ObjectionsConfig {
    /// Working days from filing to the deadline of the outcome (default 15).
    pub deadline_working_days: u32,
    /// Open objections of one person at most (default 5): a filing beyond
    /// it is refused (rule `objection.too-many`).
    pub max_open_per_person: u32,
    /// Evidence files of one objection at most (default 10).
    pub max_evidence_files: u32,
}

impl Default for ObjectionsConfig {
    fn default() -> Self {
        ObjectionsConfig {
            deadline_working_days: 15,
            max_open_per_person: 5,
            max_evidence_files: 10,
        }
    }
}
