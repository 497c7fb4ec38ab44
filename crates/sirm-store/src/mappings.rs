//! What the store declares about its tables, for the column test
//! (`tests/columns.rs`), which ties it to both engines' migrations: every
//! projection table the applier writes with its columns, and every row
//! mapping ([`TableRow`]) with the table and columns it reads.

use crate::identity_rows::{AccountRow, CredentialRow, DelegationRow, RoleRequestRow, SessionRow};
use crate::ledger_rows::{CheckpointRow, StoredRow};
use crate::parts::{
    AccountYearRow, BenefitPaymentRow, BenefitRow, ContributionRow, EmploymentRow, PersonRow,
    SubsidyRow,
};
use crate::projection::{Col, TABLES};
use crate::review::{ApplicationRow, ApplicationStepRow, MaintenanceRow};
use crate::rights::QueryLogRow;
use crate::rows::TableRow;
use crate::{
    BenefitStatusRow, CertificateRow, ClaimBenefitRow, ContributionPersonYearRow,
    ContributionSummaryRow, CrosscheckImportRow, DeclaredRow, DeregistrationRow,
    DisclosureGrantRow, DisclosureLetterRow, DiscrepancyRow, EmployerStatusRow, InjuryClaimRow,
    InsuredSummaryRow, MaternityClaimRow, ObjectionRow, PersonKeyRow, RelationRow,
};

/// A declared column: its name and whether it holds an integer (else text).
pub type DeclaredColumn = (&'static str, bool);

/// Every projection table the applier writes, with its columns in order.
#[doc(hidden)]
pub fn projection_tables() -> Vec<(&'static str, Vec<DeclaredColumn>)> {
    TABLES
        .iter()
        .map(|t| {
            let columns = t
                .columns
                .iter()
                .map(|(name, col)| (*name, matches!(col, Col::Int)))
                .collect();
            (t.name, columns)
        })
        .collect()
}

fn mapping<T: TableRow>() -> (&'static str, &'static str, &'static [&'static str]) {
    (std::any::type_name::<T>(), T::TABLE, T::COLUMNS)
}

/// Every row mapping: (row type, table, the columns it reads).
#[doc(hidden)]
pub fn row_mappings() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    vec![
        mapping::<StoredRow>(),
        mapping::<CheckpointRow>(),
        mapping::<PersonRow>(),
        mapping::<crate::PersonAliasRow>(),
        mapping::<EmploymentRow>(),
        mapping::<ContributionRow>(),
        mapping::<AccountYearRow>(),
        mapping::<BenefitRow>(),
        mapping::<BenefitPaymentRow>(),
        mapping::<SubsidyRow>(),
        mapping::<ApplicationRow>(),
        mapping::<ApplicationStepRow>(),
        mapping::<MaintenanceRow>(),
        mapping::<QueryLogRow>(),
        mapping::<CertificateRow>(),
        mapping::<PersonKeyRow>(),
        mapping::<AccountRow>(),
        mapping::<SessionRow>(),
        mapping::<CredentialRow>(),
        mapping::<RoleRequestRow>(),
        mapping::<DelegationRow>(),
        mapping::<DisclosureGrantRow>(),
        mapping::<DisclosureLetterRow>(),
        mapping::<ObjectionRow>(),
        mapping::<CrosscheckImportRow>(),
        mapping::<DiscrepancyRow>(),
        mapping::<DeclaredRow>(),
        mapping::<BenefitStatusRow>(),
        mapping::<EmployerStatusRow>(),
        mapping::<ContributionSummaryRow>(),
        mapping::<ContributionPersonYearRow>(),
        mapping::<InsuredSummaryRow>(),
        mapping::<InjuryClaimRow>(),
        mapping::<MaternityClaimRow>(),
        mapping::<ClaimBenefitRow>(),
        mapping::<RelationRow>(),
        mapping::<DeregistrationRow>(),
        mapping::<crate::UnemploymentClaimRow>(),
        mapping::<crate::UnemploymentPaymentRow>(),
        mapping::<crate::PensionAdjustmentRow>(),
        mapping::<crate::DeathRow>(),
    ]
}
