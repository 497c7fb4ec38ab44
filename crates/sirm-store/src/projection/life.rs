//! Projection of unemployment insurance (claims, payments, their end) and
//! of the pension's whole life (resumption, yearly adjustment, death).
//! Payments and adjustments come in runs of up to a million entries: the
//! consecutive entries of one kind go in as multi-row INSERTs
//! ([`insert_many`]).

use sirm_domain::records::{
    kind, BenefitResumption, DeathRecorded, PensionAdjusted, UnemploymentEnded,
    UnemploymentGranted, UnemploymentPaid,
};
use sirm_domain::status::BenefitStatus;
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use super::write::{payload, seq};
use crate::StoreError;

/// Check that a payload of one of this file's kinds parses; `None` for
/// other kinds.
pub(super) fn check(entry: &Entry) -> Option<Result<(), StoreError>> {
    Some(match entry.kind.as_str() {
        kind::UNEMPLOYMENT_GRANTED => payload::<UnemploymentGranted>(entry).map(drop),
        kind::UNEMPLOYMENT_PAID => payload::<UnemploymentPaid>(entry).map(drop),
        kind::UNEMPLOYMENT_ENDED => payload::<UnemploymentEnded>(entry).map(drop),
        kind::BENEFIT_RESUMED => payload::<BenefitResumption>(entry).map(drop),
        kind::BENEFIT_ADJUSTED => payload::<PensionAdjusted>(entry).map(drop),
        kind::BENEFIT_DEATH => payload::<DeathRecorded>(entry).map(drop),
        _ => return None,
    })
}

/// Whether a run of consecutive entries of this kind goes in by
/// [`insert_many`].
pub(super) fn is_bulk(kind: &str) -> bool {
    kind == kind::UNEMPLOYMENT_PAID || kind == kind::BENEFIT_ADJUSTED
}

/// Insert consecutive entries of one bulk kind as one multi-row INSERT.
pub(super) async fn insert_many(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    entries: &[Entry],
) -> Result<(), StoreError> {
    let Some(first) = entries.first() else {
        return Ok(());
    };
    let (head, cols) = match first.kind.as_str() {
        kind::UNEMPLOYMENT_PAID => (
            "INSERT INTO unemployment_payment (person_id, month, amount, claim_seq, rule_set, seq) VALUES ",
            6,
        ),
        _ => (
            "INSERT INTO pension_adjustment (person_id, year, granted_seq, pension_before, increase, new_pension, rule_set, seq) VALUES ",
            8,
        ),
    };
    let mut sql = String::with_capacity(head.len() + entries.len() * cols * 6);
    sql.push_str(head);
    let mut n = 1;
    for i in 0..entries.len() {
        sql.push_str(if i == 0 { "(" } else { ",(" });
        for c in 0..cols {
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
        sql.push(')');
    }
    let mut q = sqlx::query(&sql);
    for e in entries {
        if e.kind != first.kind {
            return Err(StoreError::Inconsistent(format!(
                "entry {} ({}) in a run of {}",
                e.seq, e.kind, first.kind
            )));
        }
        if e.kind == kind::UNEMPLOYMENT_PAID {
            let p: UnemploymentPaid = payload(e)?;
            q = q
                .bind(p.id.as_str().to_string())
                .bind(p.month.to_string())
                .bind(p.amount.to_string())
                .bind(i64::try_from(p.claim_seq).unwrap_or(i64::MAX))
                .bind(p.rule_set)
                .bind(seq(e));
        } else {
            let p: PensionAdjusted = payload(e)?;
            q = q
                .bind(p.id.as_str().to_string())
                .bind(i64::from(p.year))
                .bind(i64::try_from(p.granted_seq).unwrap_or(i64::MAX))
                .bind(p.pension_before.to_string())
                .bind(p.result.increase.to_string())
                .bind(p.result.new_pension.to_string())
                .bind(p.rule_set)
                .bind(seq(e));
        }
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Apply `entry` if its kind is one of this file's; `false` otherwise.
pub(super) async fn apply(conn: &mut AnyConnection, entry: &Entry) -> Result<bool, StoreError> {
    let s = seq(entry);
    match entry.kind.as_str() {
        kind::UNEMPLOYMENT_ENDED => {
            let e: UnemploymentEnded = payload(entry)?;
            end_claim(conn, &e, s).await?;
        }
        kind::BENEFIT_RESUMED => {
            let r: BenefitResumption = payload(entry)?;
            let granted = r.granted_seq.ok_or_else(|| StoreError::Payload {
                seq: entry.seq,
                kind: entry.kind.clone(),
                message: "granted_seq missing".into(),
            })?;
            sqlx::query("UPDATE benefit SET status = $1, seq = $2 WHERE person_id = $3")
                .bind(BenefitStatus::Granted.as_str())
                .bind(i64::try_from(granted).unwrap_or(i64::MAX))
                .bind(r.id.as_str())
                .execute(&mut *conn)
                .await?;
        }
        kind::BENEFIT_DEATH => {
            let d: DeathRecorded = payload(entry)?;
            let st = &d.settlement;
            let id = d.report.id.as_str();
            sqlx::query(
                "INSERT INTO death (person_id, died_on, pensioner, recovered, funeral_grant, \
                 survivor_compensation, account_to_heirs, rule_set, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(d.report.died_on.to_string())
            .bind(i64::from(d.pensioner))
            .bind(st.recovered.to_string())
            .bind(st.funeral_grant.to_string())
            .bind(st.survivor_compensation.to_string())
            .bind(st.account_to_heirs.to_string())
            .bind(&d.rule_set)
            .bind(s)
            .execute(&mut *conn)
            .await?;
            if d.pensioner {
                sqlx::query("UPDATE benefit SET status = $1, seq = $2 WHERE person_id = $3")
                    .bind(BenefitStatus::Terminated.as_str())
                    .bind(s)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
            if let Some(claim) = d.claim_seq {
                sqlx::query(
                    "UPDATE unemployment_claim SET status = 'ended', ended_on = $1, end_reason = 'death', \
                     last_seq = $2 WHERE seq = $3",
                )
                .bind(d.report.died_on.to_string())
                .bind(s)
                .bind(i64::try_from(claim).unwrap_or(i64::MAX))
                .execute(&mut *conn)
                .await?;
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

async fn end_claim(
    conn: &mut AnyConnection,
    e: &UnemploymentEnded,
    s: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE unemployment_claim SET status = 'ended', ended_on = $1, end_reason = $2, \
         paid_months = $3, unused_months = $4, last_seq = $5 WHERE seq = $6",
    )
    .bind(e.ended_on.to_string())
    .bind(&e.reason)
    .bind(i64::from(e.paid_months))
    .bind(i64::from(e.unused_months))
    .bind(s)
    .bind(i64::try_from(e.claim_seq).unwrap_or(i64::MAX))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
