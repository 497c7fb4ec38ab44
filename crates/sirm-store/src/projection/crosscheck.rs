//! Projections of cross-checking with other departments (Art 5): the
//! department files taken in, and the maintenance officer's queue of
//! discrepancies with how each was resolved.

use sirm_domain::records::{kind, CrosscheckDiscrepancy, CrosscheckImported, CrosscheckResolved};
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use super::write::{payload, seq};
use crate::StoreError;

fn json(entry: &Entry, v: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Payload {
        seq: entry.seq,
        kind: entry.kind.clone(),
        message: e.to_string(),
    })
}

/// Apply `entry` if its kind is one of this file's; `false` otherwise.
pub(super) async fn apply(conn: &mut AnyConnection, entry: &Entry) -> Result<bool, StoreError> {
    let s = seq(entry);
    match entry.kind.as_str() {
        kind::CROSSCHECK_IMPORTED => {
            let p: CrosscheckImported = payload(entry)?;
            sqlx::query(
                "INSERT INTO crosscheck_import (import_id, kind, department, file_sha256, rows_read, \
                 accepted, rejected, discrepancies, known, actor, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&p.import_id)
            .bind(p.kind.as_str())
            .bind(&p.department)
            .bind(&p.file_sha256)
            .bind(p.rows as i64)
            .bind(p.accepted as i64)
            .bind(p.rejected_count as i64)
            .bind(p.discrepancies as i64)
            .bind(p.known as i64)
            .bind(entry.actors.first().cloned().unwrap_or_default())
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::CROSSCHECK_DISCREPANCY => {
            let p: CrosscheckDiscrepancy = payload(entry)?;
            let proposal = p.proposal.as_ref().map(|v| json(entry, v)).transpose()?;
            // A discrepancy found again is recorded once (its id is its
            // identity); the first record stands.
            sqlx::query(
                "INSERT INTO crosscheck_discrepancy (discrepancy_id, import_id, kind, subject, fact, \
                 evidence, proposal, status, reason, application_id, seq, resolved_seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', '', NULL, $8, 0) \
                 ON CONFLICT (discrepancy_id) DO NOTHING",
            )
            .bind(&p.discrepancy_id)
            .bind(&p.import_id)
            .bind(p.kind.as_str())
            .bind(&p.subject)
            .bind(&p.fact)
            .bind(json(entry, &p.evidence)?)
            .bind(proposal)
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::CROSSCHECK_RESOLVED => {
            let p: CrosscheckResolved = payload(entry)?;
            sqlx::query(
                "UPDATE crosscheck_discrepancy SET status = $1, reason = $2, application_id = $3, \
                 resolved_seq = $4 WHERE discrepancy_id = $5",
            )
            .bind(p.resolution.as_str())
            .bind(&p.reason)
            .bind(p.application_id.clone())
            .bind(s)
            .bind(&p.discrepancy_id)
            .execute(&mut *conn)
            .await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Validate a payload of this file's kinds (see `check_payload`).
pub(super) fn check(entry: &Entry) -> Option<Result<(), StoreError>> {
    Some(match entry.kind.as_str() {
        kind::CROSSCHECK_IMPORTED => payload::<CrosscheckImported>(entry).map(drop),
        kind::CROSSCHECK_DISCREPANCY => payload::<CrosscheckDiscrepancy>(entry).map(drop),
        kind::CROSSCHECK_RESOLVED => payload::<CrosscheckResolved>(entry).map(drop),
        _ => return None,
    })
}
