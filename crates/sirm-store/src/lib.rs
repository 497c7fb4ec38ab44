//! SIRM storage: one `Store` type, two engines (SQLite, the embedded default,
//! and PostgreSQL), each with its own migrations.
//!
//! Architecture invariants:
//! - This crate contains no business rules. It assigns sequence numbers, hashes
//!   and signs through `sirm-ledger`, and maps ledger payloads onto projection
//!   rows mechanically (see [`projection`]).
//! - There is exactly one write path into the ledger: [`Store::append`]. It
//!   writes a batch of entries, one new signed checkpoint and the projection
//!   updates in one transaction — all or nothing.
//! - Proofs are served from stored tree state (`ledger_node`, see `tree.rs`),
//!   written by the append path in the same transaction as the entries.
//! - Ledger tables are append-only in the database itself (triggers in both
//!   engines; in PostgreSQL runtime connections also `SET ROLE` to the
//!   installation's own runtime role, `sirm_rt_…`, which has no UPDATE/DELETE
//!   on them and nothing at all on another installation's schema; see
//!   [`PgInstallation`]).
//! - Projections are written only by the applier and can be rebuilt from the
//!   ledger bit for bit ([`Store::rebuild_projections`], [`Store::projection_digest`]).

mod alias;
mod append;
mod backup;
mod bulk;
mod certificate;
mod claims;
mod cosignature;
mod crosscheck;
mod disclosure;
mod engine;
mod error;
mod fetch;
mod identity;
mod identity_rows;
mod injury_payments;
mod ledger;
mod ledger_rows;
mod life;
mod lookup;
mod mappings;
mod medical;
mod objection;
mod parts;
mod person_key;
mod pg_identity;
pub mod projection;
mod projection_check;
mod query_log;
mod query_log_seal;
mod query_pin;
mod record;
mod relations;
mod replica;
mod review;
mod rights;
mod rows;
mod rule_sets;
mod sign_in;
mod statistics;
mod store;
mod tree;
mod tree_check;

pub use alias::PersonAliasRow;
pub use append::{AppendOutcome, Expect};
pub use backup::{pg_schema_exists, state_table, StateCol, StateTable, STATE_TABLES};
pub use certificate::CertificateRow;
pub use claims::{ClaimBenefitRow, ClaimRows, InjuryClaimRow, MaternityClaimRow};
pub use crosscheck::{
    BenefitStatusRow, CrosscheckImportRow, DeclaredRow, DiscrepancyRow, EmployerStatusRow,
};
pub use disclosure::{DisclosureGrantRow, DisclosureLetterRow};
pub use engine::{Engine, Role, StoreConfig};
pub use error::StoreError;
pub use identity::AuditFilter;
pub use identity_rows::{
    AccountRow, CredentialRow, DelegationRow, RoleRequestRow, SessionAccount, SessionRow,
};
pub use ledger_rows::{hex_bytes, CheckpointRow, StoredRow};
pub use life::{
    AdjustmentBaseRow, DeathRow, PensionAdjustmentRow, UnemploymentClaimRow, UnemploymentPaymentRow,
};
#[doc(hidden)]
pub use mappings::{projection_tables, row_mappings, DeclaredColumn};
pub use medical::MedicalSettlementRow;
pub use objection::ObjectionRow;
pub use parts::{
    AccountYearRow, BenefitPaymentRow, BenefitRow, ContributionRow, EmploymentRow, PersonRow,
    SubsidyRow,
};
pub use person_key::PersonKeyRow;
pub use pg_identity::{PgInstallation, RUNTIME_ROLE_PREFIX, TEMPLATE_ROLE};
pub use projection::ProjectionDigest;
pub use projection_check::{
    checked_columns, DifferenceKind, KeyPart, ProjectionCheck, ProjectionDifference,
};
pub use query_log_seal::QueryLogDigest;
pub use query_pin::QueryPinRow;
pub use record::PersonRecordRows;
pub use relations::{DeregistrationRow, RelationRow};
pub use replica::ReplicaStatus;
pub use review::{ApplicationRow, ApplicationStepRow, MaintenanceFilter, MaintenanceRow};
pub use rights::{EmployeeRow, QueryLogRow, RecordPart, UnpaidRow};
pub use rule_sets::ComputedSince;
pub use sign_in::UsedReset;
pub use statistics::{
    BenefitGroup, ContributionGroup, ContributionPersonYearRow, ContributionSummaryRow,
    ExtractSource, InsuredGroup, InsuredSummaryRow,
};
pub use store::{Counts, GuardProblem, Installation, SchemaState, Store};
pub use tree::{ProofShape, ReadCost, StoredConsistency, StoredInclusion, NODE_MIN_LEVEL};
pub use tree_check::{NodeCheck, NodeCheckReport, NodeFinding, NodeProblem};
