//! Projection of medical insurance settlements (医疗费用结算记录): one row
//! per `medical.settled` entry.

use sirm_domain::records::{kind, MedicalSettled};
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use super::write::{payload, seq};
use crate::StoreError;

/// Check the payload of a kind of this file; `None` for other kinds.
pub(super) fn check(entry: &Entry) -> Option<Result<(), StoreError>> {
    Some(match entry.kind.as_str() {
        kind::MEDICAL_SETTLED => payload::<MedicalSettled>(entry).map(drop),
        _ => return None,
    })
}

/// Apply `entry` if its kind is one of this file's; `false` otherwise.
pub(super) async fn apply(conn: &mut AnyConnection, entry: &Entry) -> Result<bool, StoreError> {
    if entry.kind != kind::MEDICAL_SETTLED {
        return Ok(false);
    }
    let p: MedicalSettled = payload(entry)?;
    sqlx::query(
        "INSERT INTO medical_settlement (seq, person_id, settled_on, institution, total, fund_paid, \
         account_paid, self_paid, file_sha256, line) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq(entry))
    .bind(p.id.as_str())
    .bind(p.settled_on.to_string())
    .bind(&p.institution)
    .bind(p.total.to_string())
    .bind(p.fund_paid.to_string())
    .bind(p.account_paid.to_string())
    .bind(p.self_paid.to_string())
    .bind(&p.file_sha256)
    .bind(i64::try_from(p.line).unwrap_or(i64::MAX))
    .execute(&mut *conn)
    .await?;
    Ok(true)
}
