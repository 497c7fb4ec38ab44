//! Projections of cross-checking with other departments (Art 5): the
//! department files taken in, and the maintenance officer's queue of
//! discrepancies with how each was resolved.

use sirm_domain::records::{
    kind, CrosscheckAnswered, CrosscheckDiscrepancy, CrosscheckImported, CrosscheckResolved,
};
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
        kind::CROSSCHECK_RESOLVED => {
            let p: CrosscheckResolved = payload(entry)?;
            sqlx::query(
                "UPDATE crosscheck_discrepancy SET status = $1, reason = $2, application_id = $3, \
                 resolved_seq = $4, addressee = $5 WHERE discrepancy_id = $6",
            )
            .bind(p.resolution.as_str())
            .bind(&p.reason)
            .bind(p.application_id.clone())
            .bind(s)
            .bind(p.addressee.clone().unwrap_or_default())
            .bind(&p.discrepancy_id)
            .execute(&mut *conn)
            .await?;
        }
        kind::CROSSCHECK_ANSWERED => {
            let p: CrosscheckAnswered = payload(entry)?;
            sqlx::query(
                "UPDATE crosscheck_discrepancy SET status = 'answered', answer = $1, \
                 answered_by = $2 WHERE discrepancy_id = $3",
            )
            .bind(&p.answer)
            .bind(entry.actors.first().cloned().unwrap_or_default())
            .bind(&p.discrepancy_id)
            .execute(&mut *conn)
            .await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Insert the discrepancies of `entries` (all `crosscheck.discrepancy`, in
/// ledger order) as one multi-row INSERT. A discrepancy found again is
/// recorded once (its id is its identity); the first record stands, within
/// the statement as across statements.
pub(super) async fn insert_discrepancies(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    entries: &[Entry],
) -> Result<(), StoreError> {
    const COLS: usize = 8;
    if entries.is_empty() {
        return Ok(());
    }
    let mut sql = String::from(
        "INSERT INTO crosscheck_discrepancy (discrepancy_id, import_id, kind, subject, fact, \
         evidence, proposal, seq, status, reason, application_id, resolved_seq) VALUES ",
    );
    let mut n = 1;
    for i in 0..entries.len() {
        sql.push_str(if i == 0 { "(" } else { ",(" });
        for c in 0..COLS {
            if c > 0 {
                sql.push(',');
            }
            match engine {
                crate::Engine::Sqlite => sql.push('?'),
                crate::Engine::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
            n += 1;
        }
        sql.push_str(",'open','',NULL,0)");
    }
    sql.push_str(" ON CONFLICT (discrepancy_id) DO NOTHING");
    let mut q = sqlx::query(&sql);
    for entry in entries {
        let p: CrosscheckDiscrepancy = payload(entry)?;
        let proposal = p.proposal.as_ref().map(|v| json(entry, v)).transpose()?;
        q = q
            .bind(p.discrepancy_id)
            .bind(p.import_id)
            .bind(p.kind.as_str())
            .bind(p.subject)
            .bind(p.fact)
            .bind(json(entry, &p.evidence)?)
            .bind(proposal)
            .bind(seq(entry));
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Validate a payload of this file's kinds (see `check_payload`).
pub(super) fn check(entry: &Entry) -> Option<Result<(), StoreError>> {
    Some(match entry.kind.as_str() {
        kind::CROSSCHECK_IMPORTED => payload::<CrosscheckImported>(entry).map(drop),
        kind::CROSSCHECK_DISCREPANCY => payload::<CrosscheckDiscrepancy>(entry).map(drop),
        kind::CROSSCHECK_RESOLVED => payload::<CrosscheckResolved>(entry).map(drop),
        kind::CROSSCHECK_ANSWERED => payload::<CrosscheckAnswered>(entry).map(drop),
        _ => return None,
    })
}
