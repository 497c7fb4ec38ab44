//! Projection of insurance relationships (参保关系) per person and
//! insurance type, and of person de-registrations (人员注销).
//!
//! A person with no row for a type is enrolled in it through employment
//! (the default: an employment enrols in all four types), so the common
//! case writes nothing here. Rows are written by an explicit enrolment,
//! suspension or termination, a flexible employment registration (pension
//! and medical, payer `flexible`), a de-registration (every type
//! terminated), and an employment start (types suspended or terminated
//! before are enrolled again, payer `employee`).

use sirm_domain::records::{
    insurance_str, kind, DeregistrationReason, FlexibleAssessed, FlexibleRegistration,
    PersonDeregistration, RelationChange, TransferReceived,
};
use sirm_domain::rules::Insurance;
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use super::write::{history, payload, seq};
use crate::StoreError;

/// Validate the payload of one of this file's kinds (`None`: not one).
pub(super) fn check(entry: &Entry) -> Option<Result<(), StoreError>> {
    Some(match entry.kind.as_str() {
        kind::INSURANCE_ENROLLED | kind::INSURANCE_SUSPENDED | kind::INSURANCE_TERMINATED => {
            payload::<RelationChange>(entry).map(drop)
        }
        kind::PERSON_DEREGISTERED => payload::<PersonDeregistration>(entry).map(drop),
        kind::TRANSFER_RECEIVED => payload::<TransferReceived>(entry).map(drop),
        kind::FLEXIBLE_REGISTERED => payload::<FlexibleRegistration>(entry).map(drop),
        kind::FLEXIBLE_ASSESSED => payload::<FlexibleAssessed>(entry).map(drop),
        _ => return None,
    })
}

/// One relationship row set to `status` from `on`.
struct Set<'a> {
    person: &'a str,
    insurance: Insurance,
    status: &'a str,
    payer: &'a str,
    on: &'a str,
    reason: &'a str,
    base: &'a str,
}

async fn set(conn: &mut AnyConnection, s: i64, r: Set<'_>) -> Result<(), StoreError> {
    // An enrolment starts a period (`enrolled_on`, payer, base); a
    // suspension or termination keeps them and dates the change.
    let on_conflict = if r.status == "active" {
        "status = excluded.status, payer = excluded.payer, enrolled_on = excluded.enrolled_on, \
         changed_on = excluded.changed_on, reason = excluded.reason, base = excluded.base, \
         last_seq = excluded.last_seq"
    } else {
        "status = excluded.status, changed_on = excluded.changed_on, reason = excluded.reason, \
         last_seq = excluded.last_seq"
    };
    sqlx::query(&format!(
        "INSERT INTO insurance_relation (person_id, insurance, status, payer, enrolled_on, changed_on, \
         reason, base, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (person_id, insurance) DO UPDATE SET {on_conflict}"
    ))
    .bind(r.person)
    .bind(insurance_str(r.insurance))
    .bind(r.status)
    .bind(r.payer)
    // A type held through employment (no row yet) suspended or ended:
    // its start is the employment's, not known here.
    .bind(if r.status == "active" { r.on } else { "" })
    .bind(r.on)
    .bind(r.reason)
    .bind(r.base)
    .bind(s)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Apply `entry` if its kind is one of this file's; `false` otherwise.
pub(super) async fn apply(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    entry: &Entry,
) -> Result<bool, StoreError> {
    let s = seq(entry);
    let status = match entry.kind.as_str() {
        kind::FLEXIBLE_ASSESSED => {
            flexible_month(conn, engine, entry).await?;
            return Ok(true);
        }
        kind::INSURANCE_ENROLLED => "active",
        kind::INSURANCE_SUSPENDED => "suspended",
        kind::INSURANCE_TERMINATED => "terminated",
        kind::PERSON_DEREGISTERED => {
            let p: PersonDeregistration = payload(entry)?;
            let on = p.effective_on.to_string();
            history(
                conn,
                entry,
                &on,
                format!("deregistered ({})", p.reason.as_str()),
            )
            .await?;
            sqlx::query(
                "INSERT INTO person_deregistration (person_id, reason, effective_on, death_date, note, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (person_id) DO UPDATE SET \
                 reason = excluded.reason, effective_on = excluded.effective_on, \
                 death_date = excluded.death_date, note = excluded.note, seq = excluded.seq",
            )
            .bind(p.id.as_str())
            .bind(p.reason.as_str())
            .bind(&on)
            .bind(p.death_date.map(|d| d.to_string()).unwrap_or_default())
            .bind(&p.note)
            .bind(s)
            .execute(&mut *conn)
            .await?;
            // Every type ends: the ones with a row (still open) and the
            // ones held through employment (no row yet).
            for insurance in Insurance::ALL {
                sqlx::query(
                    "INSERT INTO insurance_relation (person_id, insurance, status, payer, enrolled_on, \
                     changed_on, reason, base, last_seq) VALUES ($1, $2, 'terminated', 'employee', '', $3, $4, '', $5) \
                     ON CONFLICT (person_id, insurance) DO UPDATE SET status = 'terminated', \
                     changed_on = CASE WHEN insurance_relation.status = 'active' THEN excluded.changed_on \
                     ELSE insurance_relation.changed_on END, reason = excluded.reason, last_seq = excluded.last_seq",
                )
                .bind(p.id.as_str())
                .bind(insurance_str(insurance))
                .bind(&on)
                .bind(format!("person deregistered: {}", p.reason.as_str()))
                .bind(s)
                .execute(&mut *conn)
                .await?;
            }
            return Ok(true);
        }
        kind::TRANSFER_RECEIVED => {
            come_back(conn, entry).await?;
            return Ok(true);
        }
        kind::FLEXIBLE_REGISTERED => {
            let p: FlexibleRegistration = payload(entry)?;
            let on = p.start_on.to_string();
            let base = p.base.to_string();
            for insurance in [Insurance::Pension, Insurance::Medical] {
                let r = Set {
                    person: p.id.as_str(),
                    insurance,
                    status: "active",
                    payer: "flexible",
                    on: &on,
                    reason: "flexible employment",
                    base: &base,
                };
                set(conn, s, r).await?;
            }
            history(
                conn,
                entry,
                &on,
                format!("flexible employment, base {base}"),
            )
            .await?;
            return Ok(true);
        }
        _ => return Ok(false),
    };
    let p: RelationChange = payload(entry)?;
    let on = p.effective_on.to_string();
    for insurance in &p.insurances {
        let r = Set {
            person: p.id.as_str(),
            insurance: *insurance,
            status,
            payer: "employee",
            on: &on,
            reason: &p.reason,
            base: "",
        };
        set(conn, s, r).await?;
    }
    let names: Vec<&str> = p.insurances.iter().map(|i| insurance_str(*i)).collect();
    history(conn, entry, &on, format!("{status}: {}", names.join(", "))).await?;
    Ok(true)
}

/// A transfer received ends a de-registration for a transfer out: the
/// person came back (A → B → A) and is insured here again. The
/// relationships that de-registration terminated go back to the default
/// (held through employment: the next employment start enrols them). A
/// de-registration for another reason (death, emigration) stays.
async fn come_back(conn: &mut AnyConnection, entry: &Entry) -> Result<(), StoreError> {
    let p: TransferReceived = payload(entry)?;
    let reason = DeregistrationReason::TransferOut.as_str();
    let ended =
        sqlx::query("DELETE FROM person_deregistration WHERE person_id = $1 AND reason = $2")
            .bind(p.person.as_str())
            .bind(reason)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if ended == 0 {
        return Ok(());
    }
    sqlx::query("DELETE FROM insurance_relation WHERE person_id = $1 AND reason = $2")
        .bind(p.person.as_str())
        .bind(format!("person deregistered: {reason}"))
        .execute(&mut *conn)
        .await?;
    history(
        conn,
        entry,
        &p.received_on.to_string(),
        format!("transferred back in ({}): de-registration ended", p.number),
    )
    .await
}

/// A flexibly employed person's month: a contribution row without
/// employer (credit code empty), assessed and at once paid (the person
/// pays alone, at declaration), with the statistics summaries.
async fn flexible_month(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    entry: &Entry,
) -> Result<(), StoreError> {
    let p: FlexibleAssessed = payload(entry)?;
    let result = p.result.as_month();
    let row = super::Assessed {
        person_id: p.id.as_str(),
        month: p.month,
        credit_code: "",
        result: &result,
        seq: seq(entry),
    };
    super::insert_assessed(conn, engine, std::slice::from_ref(&row)).await?;
    // Every other flexible row of the month is paid already: paying the
    // "employer" '' of the month pays this one row.
    let month = p.month.to_string();
    super::summary::pay(conn, "", &month, i64::from(p.month.year())).await?;
    sqlx::query("UPDATE contribution SET status = 'paid' WHERE person_id = $1 AND month = $2")
        .bind(p.id.as_str())
        .bind(&month)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
