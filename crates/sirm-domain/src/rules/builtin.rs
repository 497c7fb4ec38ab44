//! The rule sets shipped with SIRM, embedded at compile time (no I/O): the
//! national base set and the demo region 110105. Sources: `rulesets/` at the
//! repository root.

use super::error::RuleError;
use super::ruleset::{Format, RuleBook};

/// `rulesets/national.toml`.
pub const NATIONAL_TOML: &str = include_str!("../../../../rulesets/national.toml");
/// `rulesets/demo-110105.toml` (demo figures).
pub const DEMO_110105_TOML: &str = include_str!("../../../../rulesets/demo-110105.toml");

/// The embedded rule sets: `national` v1 and `demo-110105` v1.
pub fn rule_book() -> Result<RuleBook, RuleError> {
    let mut book = RuleBook::new();
    book.add(NATIONAL_TOML, Format::Toml)?;
    book.add(DEMO_110105_TOML, Format::Toml)?;
    Ok(book)
}

/// The embedded national set only (what `--rules FILE` builds on).
pub fn national_book() -> Result<RuleBook, RuleError> {
    let mut book = RuleBook::new();
    book.add(NATIONAL_TOML, Format::Toml)?;
    Ok(book)
}
