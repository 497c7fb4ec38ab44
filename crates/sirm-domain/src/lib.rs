//! SIRM domain: the words of the regulation as types.
//!
//! Architecture invariant: this crate does no I/O and knows nothing about SQL,
//! HTTP or the ledger. Everything here is a pure function of its inputs, so the
//! same value is computed at the counter, in a batch run and by an auditor.
//!
//! - [`access`]: roles, permissions, separation-of-duty rules, password
//!   policy profiles and TOTP second factors (identity and access, Art 7, 26).
//! - [`id`]: validated identifiers (resident ID number, unified social credit
//!   code, region code).
//! - [`records`]: registration record types (登记信息) carried in ledger payloads.
//! - [`review`]: the review chain state machine (初审 → 审核 → 复核 → 审批, Art 7).
//! - [`rule_id`]: [`RuleId`], the stable id of every rule that refuses an action.
//! - [`status`]: where a contribution month and a benefit stand.
//! - [`rules`]: the rules engine (Art 6): contribution bases and amounts, personal
//!   account interest, contribution years, retirement age, pensions.

pub mod access;
pub mod calendar;
pub mod id;
pub mod records;
pub mod review;
pub mod rule_id;
pub mod rules;
pub mod sealed;
pub mod status;

pub use rule_id::RuleId;
