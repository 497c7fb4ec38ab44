//! The rules engine (Art 6): every rights figure computed from raw data under a
//! versioned rule set that is data.
//!
//! - [`ruleset`]: rule sets (TOML/JSON documents, one per base or pooling
//!   region), validated on load and resolved per year into [`Params`].
//! - [`engine`]: the formulas of RULES.md as pure functions; every result
//!   carries its [`RuleSetRef`] and inputs and can `recompute` itself.
//! - [`benefits`]: the formulas of the other insurance types, the transfer
//!   and the late-payment surcharge.
//! - [`death`]: what a death (not from work injury) settles: the payments
//!   to recover, the funeral grant, the survivors' compensation, the
//!   personal account balance to the heirs.
//! - [`medical`]: the employee medical personal account year by year and
//!   the check of a settlement's parts.
//! - [`calc`]: the JSON interface behind `sirm calc <rule>`.
//! - [`builtin`]: the embedded national and demo rule sets.
//!
//! Money is `rust_decimal::Decimal` throughout; rounding is part of the rule
//! set. No I/O here: callers read files and hand over text.
//!
//! Typical hot-path use (a year of contributions for many persons):
//!
//! ```
//! use rust_decimal::Decimal;
//! use sirm_domain::rules::{builtin, engine};
//! let book = builtin::rule_book().unwrap();
//! let set = book.by_region("110105").unwrap();
//! let p = set.year(2024).unwrap();            // resolve the year once
//! let m = engine::month(p, Decimal::new(900000, 2), 1).unwrap();
//! assert_eq!(m.base, Decimal::from(9000));
//! assert_eq!(m.account_credit, Decimal::new(72000, 2));
//! ```

pub mod benefits;
pub mod builtin;
pub mod calc;
mod calc_benefits;
pub(crate) mod de;
pub mod death;
pub(crate) mod doc;
pub mod engine;
pub mod error;
pub mod medical;
pub mod period;
pub mod rounding;
pub mod ruleset;

pub use engine::{
    account_year, base_in, base_with_avg_wage, contribution, contribution_base, contribution_index,
    contribution_years, min_contribution_months, month, month_enrolled, payout_months, pension,
    retirement, AccountResult, BaseResult, Bound, ContributionResult, ContributionYears, Enrolled,
    IndexResult, MonthResult, PensionInputs, PensionResult, RetirementResult,
};
pub use error::RuleError;
pub use period::Month;
pub use rounding::{Rounding, RoundingMode, RoundingRule};
pub use ruleset::{
    Category, DocumentHash, Format, Insurance, Params, Payer, RuleBook, RuleSet, RuleSetId,
    RuleSetRef, Versions,
};
