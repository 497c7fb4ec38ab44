//! The approved versions of one region's rule set and which one is in force
//! for a month (validity in time): a version is in force from its
//! `rule_set.valid_from` month (a region's first version: from the start)
//! until the month before the next version's.

use std::sync::Arc;

use super::super::period::Month;
use super::RuleSet;

/// A region's approved versions, ascending by version number.
#[derive(Clone, Debug, Default)]
pub struct Versions {
    sets: Vec<Arc<RuleSet>>,
}

/// Why a version cannot follow the ones already approved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SuccessionError {
    /// Versions count up by one: the next must be `expected`.
    Version { expected: u32, given: u32 },
    /// Same id within a region.
    Id { expected: String, given: String },
    /// A later version needs `valid_from`, after the previous version's.
    ValidFrom {
        previous: Option<Month>,
        given: Option<Month>,
    },
}

impl std::fmt::Display for SuccessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SuccessionError::Version { expected, given } => write!(
                f,
                "rule_set.version = {given}: the next version of this rule set must be {expected}"
            ),
            SuccessionError::Id { expected, given } => write!(
                f,
                "rule_set.id = {given:?}: this region's rule set is {expected:?}; a new version keeps its id"
            ),
            SuccessionError::ValidFrom { previous, given } => match (previous, given) {
                (_, None) => f.write_str(
                    "rule_set.valid_from is missing: a later version names the first month it is in force",
                ),
                (Some(p), Some(g)) => write!(
                    f,
                    "rule_set.valid_from = {g}: periods overlap; it must be after {p}, when the previous version took force"
                ),
                (None, Some(g)) => write!(f, "rule_set.valid_from = {g}: periods overlap"),
            },
        }
    }
}

impl Versions {
    pub fn new() -> Self {
        Versions::default()
    }

    /// Every version, ascending.
    pub fn all(&self) -> &[Arc<RuleSet>] {
        &self.sets
    }

    pub fn latest(&self) -> Option<&Arc<RuleSet>> {
        self.sets.last()
    }

    pub fn version(&self, version: u32) -> Option<&Arc<RuleSet>> {
        self.sets.iter().find(|s| s.version() == version)
    }

    /// The version in force for `month`: the last whose `valid_from` is at
    /// or before it (a version without `valid_from` is in force from the
    /// start).
    pub fn for_month(&self, month: Month) -> Option<&Arc<RuleSet>> {
        self.sets
            .iter()
            .rev()
            .find(|s| s.valid_from().is_none_or(|from| from <= month))
    }

    /// May `next` follow the versions approved so far?
    pub fn check_next(&self, next: &RuleSet) -> Result<(), SuccessionError> {
        let Some(last) = self.sets.last() else {
            return Ok(());
        };
        if next.id() != last.id() {
            return Err(SuccessionError::Id {
                expected: last.id().to_owned(),
                given: next.id().to_owned(),
            });
        }
        if next.version() != last.version() + 1 {
            return Err(SuccessionError::Version {
                expected: last.version() + 1,
                given: next.version(),
            });
        }
        match (last.valid_from(), next.valid_from()) {
            (_, None) => Err(SuccessionError::ValidFrom {
                previous: last.valid_from(),
                given: None,
            }),
            (Some(p), Some(g)) if g <= p => Err(SuccessionError::ValidFrom {
                previous: Some(p),
                given: Some(g),
            }),
            _ => Ok(()),
        }
    }

    /// Adds `next` after [`Versions::check_next`].
    pub fn push(&mut self, next: Arc<RuleSet>) -> Result<(), SuccessionError> {
        self.check_next(&next)?;
        self.sets.push(next);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::builtin::{DEMO_110105_TOML, NATIONAL_TOML};
    use crate::rules::{Format, RuleBook};

    fn version(n: u32, valid_from: Option<&str>, avg_2026: &str) -> Arc<RuleSet> {
        let mut book = RuleBook::new();
        book.add(NATIONAL_TOML, Format::Toml).expect("national");
        let mut text = DEMO_110105_TOML
            .replace("version = 1\n", &format!("version = {n}\n"))
            .replace(
                "avg_wage = \"12480.00\"",
                &format!("avg_wage = \"{avg_2026}\""),
            );
        if let Some(m) = valid_from {
            text = text.replace("demo = true", &format!("demo = true\nvalid_from = \"{m}\""));
        }
        Arc::new(book.add(&text, Format::Toml).expect("demo").clone())
    }

    fn m(s: &str) -> Month {
        Month::parse(s).expect("month")
    }

    #[test]
    fn the_version_in_force_follows_valid_from() {
        let mut v = Versions::new();
        v.push(version(1, None, "12480.00")).expect("v1");
        v.push(version(2, Some("2026-07"), "13000.00")).expect("v2");
        assert_eq!(v.for_month(m("2015-01")).map(|s| s.version()), Some(1));
        assert_eq!(v.for_month(m("2026-06")).map(|s| s.version()), Some(1));
        assert_eq!(v.for_month(m("2026-07")).map(|s| s.version()), Some(2));
        let p = v.for_month(m("2026-07")).and_then(|s| s.year(2026).ok());
        assert_eq!(
            p.and_then(|p| p.avg_wage).map(|d| d.to_string()),
            Some("13000.00".into())
        );
    }

    #[test]
    fn succession_is_checked() {
        let mut v = Versions::new();
        v.push(version(1, Some("2020-01"), "12480.00")).expect("v1");
        assert!(matches!(
            v.check_next(&version(3, Some("2027-01"), "1.00")),
            Err(SuccessionError::Version {
                expected: 2,
                given: 3
            })
        ));
        assert!(matches!(
            v.check_next(&version(2, None, "1.00")),
            Err(SuccessionError::ValidFrom { given: None, .. })
        ));
        let e = v.check_next(&version(2, Some("2019-12"), "1.00"));
        assert!(matches!(e, Err(SuccessionError::ValidFrom { .. })));
        assert!(e
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("overlap"));
        assert!(v.check_next(&version(2, Some("2020-02"), "1.00")).is_ok());
        assert_eq!(v.for_month(m("2019-12")).map(|s| s.version()), None);
    }
}
