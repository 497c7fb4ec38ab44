//! One module per command group. Each exposes clap `Args` types and `run`
//! functions; `main.rs` only dispatches.

pub mod backup;
pub mod calc;
pub mod certificate;
pub mod id;
pub mod import;
pub mod install;
pub mod keys;
pub mod legacy;
pub mod location;
pub mod operator;
pub mod outcome;
pub mod peer;
pub mod person;
pub mod rules;
pub mod serve;
pub mod user;
pub mod version;
pub mod witness;
