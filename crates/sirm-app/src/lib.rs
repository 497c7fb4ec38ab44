//! SIRM use cases. Each public function here is one thing a user (or the CLI,
//! or the web layer) can ask SIRM to do; the web and CLI layers only translate
//! requests into these calls.
//!
//! Architecture invariants:
//! - This crate knows no HTTP and parses no command lines.
//! - It reaches the database only through `sirm_store::Store`, and the ledger
//!   only through `Store::append` (one append path).
//! - The signing key is read from the data directory, never from the database.

pub mod alarms;
pub mod assess;
pub mod backup;
pub mod certificate;
mod clock;
mod codes;
pub mod collection;
pub mod config;
pub mod crosscheck;
mod datadir;
pub mod demo;
pub mod disclosure;
mod drafts;
mod error;
pub mod evidence;
pub mod export;
pub mod handles;
pub mod identity;
pub mod install;
pub mod ledger;
pub mod legacy;
pub mod limits;
pub mod medical;
pub mod medical_file;
pub mod objections;
pub mod password;
pub mod privacy;
pub mod progress;
pub mod query;
mod reads;
pub mod registration;
pub mod relations;
pub mod rights;
pub mod rulesets;
pub mod server;
mod sirm;
mod sources;
pub mod statistics;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod transfer;
pub mod verify;
pub mod verify_projections;
pub mod witness;

pub use datadir::{read_public_key_file, write_new_secret, Config, DataDir, SecurityConfig};
pub use error::AppError;
pub use identity::{AuditEvent, Pending, Principal};
pub use sirm::{Access, OpenOptions, Sirm};

pub use sirm_store::{Counts, Engine, PersonRow, ProjectionDigest};
