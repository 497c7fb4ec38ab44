//! A readable diff of two loaded rule sets, for the approver of a rule-set
//! import: every figure of the merged documents that differs, by dotted key.
//!
//! Both documents are flattened to dotted keys (objects recurse; arrays and
//! scalars are leaves). The `rule_set` identity section is skipped except for
//! `rule_set.valid_from`, `rule_set.demo` and `rule_set.sources`. Two values
//! that both parse as decimals are compared as decimals, so `"0.20"` and
//! `"0.2"` are the same figure.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::RuleSet;

/// One figure that differs, by dotted key of the merged document (e.g.
/// `years.2027.avg_wage`, `defaults.rates.medical.employer`,
/// `crediting_rates.2026`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub key: String,
    /// The value in force; `None` when the key is new.
    pub old: Option<String>,
    /// The value proposed; `None` when the key is removed.
    pub new: Option<String>,
}

/// The figures that differ between two rule sets, keys in natural order
/// (sections alphabetically, numeric segments such as years numerically).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RuleSetDiff {
    pub changes: Vec<Change>,
}

impl RuleSetDiff {
    /// Years (from `years.YYYY.*` and `crediting_rates.YYYY` keys) whose
    /// figures change, ascending, deduplicated.
    pub fn years_changed(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self
            .changes
            .iter()
            .filter_map(|c| {
                let mut parts = c.key.split('.');
                match (parts.next(), parts.next()) {
                    (Some("years" | "crediting_rates"), Some(y)) => y.parse::<i32>().ok(),
                    _ => None,
                }
            })
            .collect();
        years.sort_unstable();
        years.dedup();
        years
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// The figures of `new` that differ from `old`, the version in force (`None`
/// for a first import: every key is new).
pub fn diff(old: Option<&RuleSet>, new: &RuleSet) -> RuleSetDiff {
    let old_leaves = old.map(|s| leaves(s.document())).unwrap_or_default();
    let new_leaves = leaves(new.document());

    let mut keys: Vec<&String> = old_leaves.keys().chain(new_leaves.keys()).collect();
    keys.sort_by(|a, b| natural_cmp(a, b));
    keys.dedup();

    let changes = keys
        .into_iter()
        .filter_map(|key| {
            let o = old_leaves.get(key);
            let n = new_leaves.get(key);
            let same = match (o, n) {
                (Some(a), Some(b)) => same_value(a, b),
                (None, None) => true,
                _ => false,
            };
            (!same).then(|| Change {
                key: key.clone(),
                old: o.cloned(),
                new: n.cloned(),
            })
        })
        .collect();
    RuleSetDiff { changes }
}

/// Meta keys (under `rule_set`) that the diff shows.
const SHOWN_META: &[&str] = &["valid_from", "demo", "sources"];

/// The document flattened to dotted keys and rendered leaves.
fn leaves(doc: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match doc {
        Value::Object(root) => {
            for (k, v) in root {
                if k == "rule_set" {
                    if let Value::Object(meta) = v {
                        for (mk, mv) in meta {
                            if SHOWN_META.contains(&mk.as_str()) {
                                flatten(&format!("rule_set.{mk}"), mv, &mut out);
                            }
                        }
                    }
                } else {
                    flatten(k, v, &mut out);
                }
            }
        }
        other => flatten("", other, &mut out),
    }
    out
}

fn flatten(path: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        // An empty table (e.g. a year of the national set that holds no
        // figures of its own) is shown as `{}`, so adding or removing it is
        // visible.
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(&p, child, out);
            }
        }
        _ => {
            out.insert(path.to_owned(), render(v));
        }
    }
}

/// Strings as they are, numbers and booleans as written, arrays (and empty
/// tables) as compact JSON.
fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn same_value(a: &str, b: &str) -> bool {
    match (parse_decimal(a), parse_decimal(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn parse_decimal(s: &str) -> Option<Decimal> {
    Decimal::from_str_exact(s)
        .or_else(|_| Decimal::from_str(s))
        .ok()
}

/// Dotted keys compared segment by segment; two segments that are both
/// non-negative integers compare numerically (so `payout_months.9` precedes
/// `payout_months.10`), others by their text, and integers before text.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let mut xs = a.split('.');
    let mut ys = b.split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n).then_with(|| x.cmp(y)),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::super::super::builtin::{DEMO_110105_TOML, NATIONAL_TOML};
    use super::super::{Format, RuleBook};
    use super::*;

    const EXAMPLE_320102_TOML: &str = include_str!("../../../../../rulesets/example-320102.toml");

    /// A book of the national set and the given regional text.
    fn book_with(regional: &str) -> RuleBook {
        let mut book = RuleBook::new();
        book.add(NATIONAL_TOML, Format::Toml).unwrap();
        book.add(regional, Format::Toml).unwrap();
        book
    }

    fn change(key: &str, old: Option<&str>, new: Option<&str>) -> Change {
        Change {
            key: key.to_owned(),
            old: old.map(str::to_owned),
            new: new.map(str::to_owned),
        }
    }

    /// The demo set with year 2026's average wage changed, year 2027 added and
    /// the medical employer rate rewritten as the same decimal.
    fn modified_demo() -> String {
        let text = DEMO_110105_TOML
            .replace("avg_wage = \"12480.00\"", "avg_wage = \"12500.00\"")
            .replace("employer = \"0.098\"", "employer = \"0.0980\"");
        assert_ne!(text, DEMO_110105_TOML);
        assert!(text.contains("\"12500.00\"") && text.contains("\"0.0980\""));
        format!("{text}\n[years.2027]\navg_wage = \"12900.00\"\npension_base_wage = \"12990.00\"\n")
    }

    #[test]
    fn demo_against_itself_is_empty() {
        let book = book_with(DEMO_110105_TOML);
        let set = book.by_region("110105").unwrap();
        let d = diff(Some(set), set);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(d, RuleSetDiff::default());
        assert!(d.years_changed().is_empty());
    }

    #[test]
    fn modified_copy_shows_exactly_the_changed_keys() {
        let old_book = book_with(DEMO_110105_TOML);
        let new_book = book_with(&modified_demo());
        let old = old_book.by_region("110105").unwrap();
        let new = new_book.by_region("110105").unwrap();
        let d = diff(Some(old), new);
        assert_eq!(
            d.changes,
            vec![
                change("years.2026.avg_wage", Some("12480.00"), Some("12500.00")),
                change("years.2027.avg_wage", None, Some("12900.00")),
                change("years.2027.pension_base_wage", None, Some("12990.00")),
            ]
        );
        assert!(!d.is_empty());
        assert_eq!(d.years_changed(), vec![2026, 2027]);

        // The other way round, year 2027 is removed.
        let back = diff(Some(new), old);
        assert_eq!(
            back.changes,
            vec![
                change("years.2026.avg_wage", Some("12500.00"), Some("12480.00")),
                change("years.2027.avg_wage", Some("12900.00"), None),
                change("years.2027.pension_base_wage", Some("12990.00"), None),
            ]
        );
    }

    #[test]
    fn a_decimal_written_differently_is_no_change_but_a_different_one_is() {
        let old_book = book_with(DEMO_110105_TOML);
        let same = DEMO_110105_TOML.replace("employer = \"0.20\"", "employer = \"0.2\"");
        let other = DEMO_110105_TOML.replace("employer = \"0.20\"", "employer = \"0.21\"");
        assert_ne!(same, DEMO_110105_TOML);
        let old = old_book.by_region("110105").unwrap();

        let same_book = book_with(&same);
        assert!(diff(Some(old), same_book.by_region("110105").unwrap()).is_empty());

        let other_book = book_with(&other);
        let d = diff(Some(old), other_book.by_region("110105").unwrap());
        assert_eq!(
            d.changes,
            vec![change(
                "years.2015.rates.pension.employer",
                Some("0.20"),
                Some("0.21")
            )]
        );
        assert_eq!(d.years_changed(), vec![2015]);
    }

    #[test]
    fn first_import_shows_every_figure_as_new() {
        let book = book_with(DEMO_110105_TOML);
        let set = book.by_region("110105").unwrap();
        let d = diff(None, set);
        assert!(d.changes.iter().all(|c| c.old.is_none() && c.new.is_some()));
        // crediting_rates 10, defaults 30 (transitional 1, ratios 2, rates
        // 2+2+2+8, the four benefit figures, the pension adjustment's fixed,
        // percent, per_year and age_bonus list, the late-payment surcharge
        // rate, the funeral grant and survivors' months, the medical
        // account's share and retirees' credit), min_contribution 4,
        // payout_months 31 (ages 40–70),
        // retirement 12, rounding 6, rule_set.demo 1, years 2015–2026: 24
        // wages + 4 pension employer rates.
        assert_eq!(d.changes.len(), 10 + 30 + 4 + 31 + 12 + 6 + 1 + 28);
        let keys: Vec<&str> = d.changes.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys[0], "crediting_rates.2016");
        assert_eq!(keys[9], "crediting_rates.2025");
        assert_eq!(keys[10], "defaults.ceiling_ratio");
        assert_eq!(keys[keys.len() - 1], "years.2026.pension_base_wage");
        // Only the shown meta keys of `rule_set`.
        let meta: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| k.starts_with("rule_set."))
            .collect();
        assert_eq!(meta, vec!["rule_set.demo"]);
        let get = |k: &str| d.changes.iter().find(|c| c.key == k).unwrap().clone();
        assert_eq!(
            get("rule_set.demo"),
            change("rule_set.demo", None, Some("true"))
        );
        assert_eq!(
            get("defaults.rates.medical.employer"),
            change("defaults.rates.medical.employer", None, Some("0.098"))
        );
        assert_eq!(
            get("payout_months.47"),
            change("payout_months.47", None, Some("207"))
        );
        assert_eq!(
            get("retirement.male.first_affected_birth_month"),
            change(
                "retirement.male.first_affected_birth_month",
                None,
                Some("1965-01")
            )
        );
        assert_eq!(
            d.years_changed(),
            (2015..=2026).collect::<Vec<i32>>(),
            "years 2015–2026 and crediting rates 2016–2025"
        );
    }

    #[test]
    fn national_first_import_shows_sources_as_compact_json_and_empty_years() {
        let mut book = RuleBook::new();
        book.add(NATIONAL_TOML, Format::Toml).unwrap();
        let set = book.by_id("national").unwrap();
        let d = diff(None, set);
        let sources = d
            .changes
            .iter()
            .find(|c| c.key == "rule_set.sources")
            .unwrap();
        let rendered = sources.new.as_deref().unwrap();
        assert!(rendered.starts_with("[\"国务院关于完善企业职工基本养老保险制度的决定"));
        assert!(!rendered.contains("\n"));
        let parsed: Vec<String> = serde_json::from_str(rendered).unwrap();
        assert_eq!(parsed, set.sources());
        assert!(d.changes.iter().all(|c| c.key != "rule_set.id"
            && c.key != "rule_set.title"
            && c.key != "rule_set.notes"));
        assert_eq!(
            d.changes.iter().find(|c| c.key == "years.2016").unwrap(),
            &change("years.2016", None, Some("{}"))
        );
    }

    #[test]
    fn years_changed_from_year_and_crediting_rate_keys() {
        let d = RuleSetDiff {
            changes: vec![
                change("crediting_rates.2026", None, Some("0.0120")),
                change(
                    "defaults.rates.medical.employer",
                    Some("0.08"),
                    Some("0.088"),
                ),
                change("years.2024.avg_wage", Some("1"), Some("2")),
                change(
                    "years.2024.rates.pension.employer",
                    Some("0.19"),
                    Some("0.16"),
                ),
                change("years.2019.pension_base_wage", Some("1"), None),
                change("payout_months.60", Some("139"), Some("140")),
                change("rule_set.demo", Some("true"), Some("false")),
            ],
        };
        assert_eq!(d.years_changed(), vec![2019, 2024, 2026]);
        assert!(RuleSetDiff::default().years_changed().is_empty());
    }

    #[test]
    fn keys_sort_naturally() {
        let mut keys = vec![
            "years.2027.avg_wage",
            "payout_months.9",
            "years.2026.rates.pension.employer",
            "payout_months.10",
            "defaults.rates.work_injury.10",
            "defaults.rates.work_injury.2",
            "crediting_rates.2026",
            "years.2026.avg_wage",
        ];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            keys,
            vec![
                "crediting_rates.2026",
                "defaults.rates.work_injury.2",
                "defaults.rates.work_injury.10",
                "payout_months.9",
                "payout_months.10",
                "years.2026.avg_wage",
                "years.2026.rates.pension.employer",
                "years.2027.avg_wage",
            ]
        );
    }

    #[test]
    fn example_320102_loads_over_national() {
        let book = book_with(EXAMPLE_320102_TOML);
        let set = book.by_region("320102").unwrap();
        assert_eq!(set.id(), "example-320102");
        assert_eq!(set.region(), Some("320102"));
        assert!(set.is_demo());
        assert!(set.title().contains("示例 (example figures)"));
        assert_eq!(
            set.extends().map(|r| r.to_string()).as_deref(),
            Some("national v1")
        );
        assert_eq!(
            set.years().collect::<Vec<i32>>(),
            (2023..=2027).collect::<Vec<i32>>()
        );
        assert!(!set.sources().is_empty());
        let p = set.year(2026).unwrap();
        assert_eq!(p.avg_wage, Some(dec!(10458.00)));
        assert_eq!(p.rates.medical.employer, dec!(0.088));
        assert_eq!(p.crediting_rate, None);
        assert_eq!(set.year(2024).unwrap().crediting_rate, Some(dec!(0.0262)));

        // A first import lists its years 2023–2027 plus the national
        // crediting rates 2016–2025 it inherits.
        assert_eq!(
            diff(None, set).years_changed(),
            (2016..=2027).collect::<Vec<i32>>()
        );
    }
}
