//! The rule book: the loaded rule sets, base sets and the regional sets
//! extending them, looked up by id and by region.

use serde_json::Value;

use super::super::error::RuleError;
use super::*;

// ---------------------------------------------------------------------------
// Rule book
// ---------------------------------------------------------------------------

/// The loaded rule sets: base sets and the regional sets extending them.
#[derive(Clone, Debug, Default)]
pub struct RuleBook {
    sets: Vec<RuleSet>,
}

impl RuleBook {
    pub fn new() -> Self {
        RuleBook::default()
    }

    /// Adds a document; a regional set's base must already be in the book.
    /// A set with the id of one already present replaces it.
    pub fn add_document(&mut self, doc: &Value) -> Result<&RuleSet, RuleError> {
        let base_id = doc
            .get("rule_set")
            .and_then(|m| m.get("extends"))
            .and_then(|e| e.get("id"))
            .and_then(Value::as_str);
        let base = base_id.and_then(|id| self.by_id(id));
        let set = RuleSet::from_document(doc, base)?;
        if let Some(region) = set.region() {
            if let Some(other) = self
                .sets
                .iter()
                .find(|s| s.region() == Some(region) && s.id() != set.id())
            {
                return Err(RuleError::invalid(
                    "rule_set.region",
                    region,
                    format!("region already served by rule set {}", other.reference),
                )
                .in_rule_set(set.id()));
            }
        }
        let idx = match self.sets.iter().position(|s| s.id() == set.id()) {
            Some(i) => {
                self.sets[i] = set;
                i
            }
            None => {
                self.sets.push(set);
                self.sets.len() - 1
            }
        };
        Ok(&self.sets[idx])
    }

    /// Parses and adds text; see [`RuleBook::add_document`].
    pub fn add(&mut self, text: &str, format: Format) -> Result<&RuleSet, RuleError> {
        let doc = parse_document(text, format, "rule set")?;
        self.add_document(&doc)
    }

    /// Adds a set already loaded (e.g. an installation's approved version,
    /// with its document hash), replacing one of the same id.
    pub fn push(&mut self, set: RuleSet) {
        match self.sets.iter().position(|s| s.id() == set.id()) {
            Some(i) => self.sets[i] = set,
            None => self.sets.push(set),
        }
    }

    pub fn sets(&self) -> &[RuleSet] {
        &self.sets
    }

    pub fn by_id(&self, id: &str) -> Option<&RuleSet> {
        self.sets.iter().find(|s| s.id() == id)
    }

    /// The rule set of a pooling region.
    pub fn by_region(&self, region: &str) -> Result<&RuleSet, RuleError> {
        self.sets
            .iter()
            .find(|s| s.region() == Some(region))
            .ok_or_else(|| {
                let known: Vec<&str> = self.sets.iter().filter_map(RuleSet::region).collect();
                RuleError::invalid(
                    "region",
                    format!("{region:?}"),
                    format!(
                        "no rule set for this region (loaded: {})",
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ),
                )
            })
    }

    /// The first base set (no `extends`): what a calculation uses when the
    /// input names no region.
    pub fn base(&self) -> Option<&RuleSet> {
        self.sets.iter().find(|s| s.extends().is_none())
    }
}
