//! Projections of disclosure to other units (Art 19–21): grants and their
//! uses, and the written refusals by verification code.

use sirm_domain::records::{kind, DisclosureGranted, DisclosureRefused, DisclosureUsed};
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use super::write::{payload, seq};
use crate::StoreError;

/// Apply `entry` if its kind is one of this file's; `false` otherwise.
pub(super) async fn apply(conn: &mut AnyConnection, entry: &Entry) -> Result<bool, StoreError> {
    let s = seq(entry);
    match entry.kind.as_str() {
        kind::DISCLOSURE_GRANTED => {
            let g: DisclosureGranted = payload(entry)?;
            let persons: Vec<&str> = g.persons.iter().map(|p| p.as_str()).collect();
            sqlx::query(
                "INSERT INTO disclosure_grant (grant_id, application_id, unit_name, credit_code, officer, \
                 persons, items, valid_from, valid_until, uses_allowed, uses_made, granted_seq, last_used_seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, 0)",
            )
            .bind(&g.grant_id)
            .bind(&g.application_id)
            .bind(&g.unit_name)
            .bind(g.credit_code.as_str())
            .bind(&g.officer)
            .bind(persons.join(","))
            .bind(g.items.join(","))
            .bind(g.valid_from.to_string())
            .bind(g.valid_until.to_string())
            .bind(i64::from(g.uses_allowed))
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::DISCLOSURE_USED => {
            let u: DisclosureUsed = payload(entry)?;
            sqlx::query(
                "UPDATE disclosure_grant SET uses_made = uses_made + 1, last_used_seq = $1 WHERE grant_id = $2",
            )
            .bind(s)
            .bind(&u.grant_id)
            .execute(&mut *conn)
            .await?;
        }
        kind::DISCLOSURE_REFUSED => {
            let r: DisclosureRefused = payload(entry)?;
            sqlx::query(
                "INSERT INTO disclosure_letter (code, application_id, credit_code, issued_at, pdf_sha256, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&r.code)
            .bind(&r.application_id)
            .bind(r.credit_code.as_str())
            .bind(&r.issued_at)
            .bind(&r.pdf_sha256)
            .bind(s)
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
        kind::DISCLOSURE_GRANTED => payload::<DisclosureGranted>(entry).map(drop),
        kind::DISCLOSURE_USED => payload::<DisclosureUsed>(entry).map(drop),
        kind::DISCLOSURE_REFUSED => payload::<DisclosureRefused>(entry).map(drop),
        _ => return None,
    })
}
