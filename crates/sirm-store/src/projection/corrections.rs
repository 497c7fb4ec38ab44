//! Projections of the corrections of paid months, employment periods,
//! account years and benefits (Art 11): each rewrites the row it corrects
//! in place and moves its `seq` to the correcting entry; the history of
//! corrections is read from the ledger entries themselves.

use sirm_domain::records::{
    kind, AccountRecomputed, BenefitRecomputed, ContributionAdjusted, EmploymentCorrected,
};
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use super::write::{figure_columns, figures, history, payload, seq};
use crate::StoreError;

/// Validate the payload of one of this file's kinds (`None`: not one).
pub(super) fn check(entry: &Entry) -> Option<Result<(), StoreError>> {
    Some(match entry.kind.as_str() {
        kind::CONTRIBUTION_SUPPLEMENTED | kind::CONTRIBUTION_REFUNDED => {
            payload::<ContributionAdjusted>(entry).map(drop)
        }
        kind::EMPLOYMENT_CORRECTED => payload::<EmploymentCorrected>(entry).map(drop),
        kind::ACCOUNT_RECOMPUTED => payload::<AccountRecomputed>(entry).map(drop),
        kind::BENEFIT_RECOMPUTED => payload::<BenefitRecomputed>(entry).map(drop),
        _ => return None,
    })
}

/// Apply `entry` if its kind is one of this file's; `false` otherwise.
pub(super) async fn apply(conn: &mut AnyConnection, entry: &Entry) -> Result<bool, StoreError> {
    let s = seq(entry);
    match entry.kind.as_str() {
        kind::CONTRIBUTION_SUPPLEMENTED | kind::CONTRIBUTION_REFUNDED => {
            let c: ContributionAdjusted = payload(entry)?;
            match &c.result {
                Some(result) => {
                    // The statistics summaries follow the month's new amounts.
                    super::summary::correct(
                        conn,
                        c.id.as_str(),
                        &c.month.to_string(),
                        i64::from(c.month.year()),
                        &super::write::amounts(result),
                    )
                    .await?;
                    let set: Vec<String> = figure_columns()
                        .iter()
                        .enumerate()
                        .map(|(i, col)| format!("{col} = ${}", i + 1))
                        .collect();
                    let sql = format!(
                        "UPDATE contribution SET {}, seq = $12 WHERE person_id = $13 AND month = $14",
                        set.join(", ")
                    );
                    let mut q = sqlx::query(&sql);
                    for f in figures(result) {
                        q = q.bind(f);
                    }
                    q.bind(s)
                        .bind(c.id.as_str())
                        .bind(c.month.to_string())
                        .execute(&mut *conn)
                        .await?;
                }
                None => {
                    sqlx::query(
                        "UPDATE contribution SET status = 'refunded', seq = $1 WHERE person_id = $2 AND month = $3",
                    )
                    .bind(s)
                    .bind(c.id.as_str())
                    .bind(c.month.to_string())
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
        kind::EMPLOYMENT_CORRECTED => {
            let e: EmploymentCorrected = payload(entry)?;
            // An end given keeps a recorded end's reason and entry (or
            // records this correction as the end); no end reopens it.
            match e.end_on {
                Some(end_on) => {
                    sqlx::query(
                        "UPDATE employment SET start_on = $1, end_on = $2, \
                         end_reason = COALESCE(end_reason, $3), end_seq = COALESCE(end_seq, $4) \
                         WHERE person_id = $5 AND start_on = $6",
                    )
                    .bind(e.start_on.to_string())
                    .bind(end_on.to_string())
                    .bind(&e.reason)
                    .bind(s)
                    .bind(e.id.as_str())
                    .bind(e.before.start_on.to_string())
                    .execute(&mut *conn)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "UPDATE employment SET start_on = $1, end_on = NULL, end_reason = NULL, end_seq = NULL \
                         WHERE person_id = $2 AND start_on = $3",
                    )
                    .bind(e.start_on.to_string())
                    .bind(e.id.as_str())
                    .bind(e.before.start_on.to_string())
                    .execute(&mut *conn)
                    .await?;
                }
            }
            let end =
                |d: Option<chrono::NaiveDate>| d.map_or_else(|| "—".into(), |d| d.to_string());
            history(
                conn,
                entry,
                &e.start_on.to_string(),
                format!(
                    "employment with {} corrected: {}–{} → {}–{} ({})",
                    e.credit_code,
                    e.before.start_on,
                    end(e.before.end_on),
                    e.start_on,
                    end(e.end_on),
                    e.reason
                ),
            )
            .await?;
        }
        kind::ACCOUNT_RECOMPUTED => {
            let a: AccountRecomputed = payload(entry)?;
            let r = &a.result;
            sqlx::query(
                "UPDATE account_year SET opening_balance = $1, credits = $2, rate = $3, interest = $4, \
                 closing_balance = $5, rule_set = $6, seq = $7 WHERE person_id = $8 AND year = $9",
            )
            .bind(r.inputs.opening_balance.to_string())
            .bind(r.credits_total.to_string())
            .bind(r.inputs.rate.to_string())
            .bind(r.interest.to_string())
            .bind(r.closing_balance.to_string())
            .bind(r.rule_set.to_string())
            .bind(s)
            .bind(a.id.as_str())
            .bind(i64::from(a.year))
            .execute(&mut *conn)
            .await?;
        }
        kind::BENEFIT_RECOMPUTED => {
            let b: BenefitRecomputed = payload(entry)?;
            let pen = &b.granted.pension;
            sqlx::query(
                "UPDATE benefit SET contribution_months = $1, basic = $2, account = $3, transitional = $4, \
                 total = $5, rule_set = $6, seq = $7 WHERE person_id = $8",
            )
            .bind(i64::from(pen.inputs.contribution_months))
            .bind(pen.basic.to_string())
            .bind(pen.account.to_string())
            .bind(pen.transitional.to_string())
            .bind(pen.total.to_string())
            .bind(pen.rule_set.to_string())
            .bind(s)
            .bind(b.id.as_str())
            .execute(&mut *conn)
            .await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}
