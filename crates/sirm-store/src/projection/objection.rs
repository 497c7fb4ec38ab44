//! Projection of objections (异议核查, Art 16): the objection as filed, its
//! link to a correction application, its written answer; and what the
//! linked application's own entries mean for it — approved: corrected;
//! withdrawn: open again. Those two are read here in the same transaction
//! as the decision, so an objection can never miss its application's end.

use sirm_domain::records::{
    kind, ApplicationDecided, ApplicationWithdrawn, ObjectionAnswered, ObjectionFiled,
    ObjectionLinked,
};
use sirm_domain::status::{ApplicationStatus, ObjectionStatus};
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use super::write::{payload, seq};
use crate::StoreError;

fn json<T: serde::Serialize>(entry: &Entry, v: &T) -> Result<String, StoreError> {
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
        kind::OBJECTION_FILED => {
            let f: ObjectionFiled = payload(entry)?;
            sqlx::query(
                "INSERT INTO objection (number, person_id, objector, filed_by, employer, items, evidence, \
                 filed_on, deadline, status, application_id, letter_code, resolved_at, filed_seq, last_seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', '', '', $11, $11)",
            )
            .bind(&f.number)
            .bind(f.person.as_str())
            .bind(f.objector.as_str())
            .bind(&f.filed_by)
            .bind(f.employer.as_ref().map(|c| c.as_str()).unwrap_or(""))
            .bind(json(entry, &f.items)?)
            .bind(json(entry, &f.evidence)?)
            .bind(f.filed_on.to_string())
            .bind(f.deadline.to_string())
            .bind(ObjectionStatus::Open.as_str())
            .bind(s)
            .execute(&mut *conn)
            .await?;
        }
        kind::OBJECTION_LINKED => {
            let l: ObjectionLinked = payload(entry)?;
            sqlx::query(
                "UPDATE objection SET status = $1, application_id = $2, last_seq = $3 WHERE number = $4",
            )
            .bind(ObjectionStatus::InCorrection.as_str())
            .bind(&l.application_id)
            .bind(s)
            .bind(&l.number)
            .execute(&mut *conn)
            .await?;
        }
        kind::OBJECTION_ANSWERED => {
            let a: ObjectionAnswered = payload(entry)?;
            sqlx::query(
                "UPDATE objection SET status = $1, letter_code = $2, resolved_at = $3, last_seq = $4 \
                 WHERE number = $5",
            )
            .bind(ObjectionStatus::Answered.as_str())
            .bind(&a.code)
            .bind(entry.time.to_rfc3339())
            .bind(s)
            .bind(&a.number)
            .execute(&mut *conn)
            .await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// What an application's decision or withdrawal does to the objections
/// linked to it (the application's own projection is written elsewhere).
pub(super) async fn follow_application(
    conn: &mut AnyConnection,
    entry: &Entry,
) -> Result<(), StoreError> {
    let s = seq(entry);
    let in_correction = ObjectionStatus::InCorrection.as_str();
    match entry.kind.as_str() {
        kind::APPLICATION_DECIDED => {
            let d: ApplicationDecided = payload(entry)?;
            if d.status != ApplicationStatus::Approved {
                return Ok(());
            }
            sqlx::query(
                "UPDATE objection SET status = $1, resolved_at = $2, last_seq = $3 \
                 WHERE application_id = $4 AND status = $5",
            )
            .bind(ObjectionStatus::Corrected.as_str())
            .bind(entry.time.to_rfc3339())
            .bind(s)
            .bind(&d.application_id)
            .bind(in_correction)
            .execute(&mut *conn)
            .await?;
        }
        kind::APPLICATION_WITHDRAWN => {
            let w: ApplicationWithdrawn = payload(entry)?;
            sqlx::query(
                "UPDATE objection SET status = $1, application_id = '', last_seq = $2 \
                 WHERE application_id = $3 AND status = $4",
            )
            .bind(ObjectionStatus::Open.as_str())
            .bind(s)
            .bind(&w.application_id)
            .bind(in_correction)
            .execute(&mut *conn)
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Validate a payload of this file's kinds (see `check_payload`).
pub(super) fn check(entry: &Entry) -> Option<Result<(), StoreError>> {
    Some(match entry.kind.as_str() {
        kind::OBJECTION_FILED => payload::<ObjectionFiled>(entry).map(drop),
        kind::OBJECTION_LINKED => payload::<ObjectionLinked>(entry).map(drop),
        kind::OBJECTION_ANSWERED => payload::<ObjectionAnswered>(entry).map(drop),
        _ => return None,
    })
}
