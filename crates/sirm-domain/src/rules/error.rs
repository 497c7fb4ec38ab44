//! The one error type of the rules engine. Every variant names the key (a dotted
//! path into the rule set or the input) and, where there is one, the value.

/// Why a rule set could not be loaded or a rule could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The document is not valid TOML/JSON.
    #[error("{what} is not valid {format}: {message}")]
    Syntax {
        what: String,
        format: &'static str,
        message: String,
    },
    /// A required key is absent.
    #[error("{key}: missing")]
    Missing { key: String },
    /// A key holds a value that is not acceptable.
    #[error("{key} = {value}: {reason}")]
    Invalid {
        key: String,
        value: String,
        reason: String,
    },
    /// A key that the format does not know (typos are refused, not ignored).
    #[error("{key}: unknown key (allowed here: {allowed})")]
    UnknownKey { key: String, allowed: String },
    /// The rule set holds no parameters for the requested year.
    #[error("year = {year}: rule set `{rule_set}` has no year {year} ({available})")]
    NoYear {
        rule_set: String,
        year: i32,
        available: String,
    },
    /// A result was recomputed under a different rule set than it records.
    #[error("rule set {given} is not the rule set {recorded} recorded in the result")]
    RuleSetMismatch { recorded: String, given: String },
    /// An error inside a named rule set document.
    #[error("rule set `{rule_set}`: {error}")]
    InRuleSet {
        rule_set: String,
        error: Box<RuleError>,
    },
}

impl RuleError {
    pub(crate) fn invalid(
        key: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        RuleError::Invalid {
            key: key.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn missing(key: impl Into<String>) -> Self {
        RuleError::Missing { key: key.into() }
    }

    pub(crate) fn in_rule_set(self, id: &str) -> Self {
        match self {
            e @ RuleError::InRuleSet { .. } => e,
            e => RuleError::InRuleSet {
                rule_set: id.to_owned(),
                error: Box::new(e),
            },
        }
    }

    /// The dotted key the error is about, if it names one.
    pub fn key(&self) -> Option<&str> {
        match self {
            RuleError::Missing { key }
            | RuleError::Invalid { key, .. }
            | RuleError::UnknownKey { key, .. } => Some(key),
            RuleError::NoYear { .. } => Some("year"),
            RuleError::InRuleSet { error, .. } => error.key(),
            RuleError::Syntax { .. } | RuleError::RuleSetMismatch { .. } => None,
        }
    }
}
