//! Runs of entries of one kind written together: the kinds that bulk work
//! (registering a population, hiring, settling account years, granting and
//! paying benefits, granting unemployment claims) produces by the thousand.
//! [`super::apply_all`] hands this file consecutive entries of one kind, at
//! most [`super::RUN_ROWS`] at a time; a single entry comes the same way
//! ([`super::apply`]), so an append, a rebuild and a projection check take
//! one code path per kind.
//!
//! Each table of a run gets one multi-row statement, in the order the
//! single-entry code wrote them. Plain `INSERT`s are order-free within a
//! run (a key written twice fails either way). Where a row is updated —
//! a person registered again (upsert), an insurance relationship enrolled
//! by a hiring — the run is split before an entry whose person already
//! occurs in it ([`distinct_runs`]), so no statement meets a row twice and
//! every later entry sees what the earlier ones wrote, as in ledger order.

use std::collections::BTreeSet;

use sirm_domain::records::{
    self, kind, AccountSettled, BenefitGranted, EmploymentStart, PersonRegistration,
    UnemploymentGranted,
};
use sirm_ledger::Entry;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

use super::summary;
use super::write::{payload, seq};
use crate::{Engine, StoreError};

/// Whether this file writes entries of `kind`.
pub(super) fn handles(kind: &str) -> bool {
    matches!(
        kind,
        kind::PERSON_REGISTERED
            | kind::EMPLOYMENT_STARTED
            | kind::ACCOUNT_SETTLED
            | kind::BENEFIT_GRANTED
            | kind::BENEFIT_PAID
            | kind::UNEMPLOYMENT_GRANTED
    )
}

/// A value bound into a multi-row statement.
enum V {
    T(String),
    I(i64),
}

impl From<String> for V {
    fn from(s: String) -> Self {
        V::T(s)
    }
}
impl From<&str> for V {
    fn from(s: &str) -> Self {
        V::T(s.to_string())
    }
}
impl From<i64> for V {
    fn from(i: i64) -> Self {
        V::I(i)
    }
}

fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `rows` copies of the row template `tpl` (`?` for each bound value,
/// anything else literal SQL), comma-separated, numbered per engine.
fn values(engine: Engine, rows: usize, tpl: &str) -> String {
    let mut sql = String::with_capacity(rows * (tpl.len() + 16));
    let mut n = 1usize;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        for ch in tpl.chars() {
            if ch != '?' {
                sql.push(ch);
                continue;
            }
            match engine {
                Engine::Sqlite => sql.push('?'),
                Engine::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
            n += 1;
        }
    }
    sql
}

fn bind_all<'q>(
    mut q: Query<'q, Any, AnyArguments<'q>>,
    rows: Vec<Vec<V>>,
) -> Query<'q, Any, AnyArguments<'q>> {
    for row in rows {
        for v in row {
            q = match v {
                V::T(s) => q.bind(s),
                V::I(i) => q.bind(i),
            };
        }
    }
    q
}

/// `head VALUES <rows> tail` as one statement.
async fn insert_rows(
    conn: &mut AnyConnection,
    engine: Engine,
    head: &str,
    tpl: &str,
    tail: &str,
    rows: Vec<Vec<V>>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!("{head} VALUES {} {tail}", values(engine, rows.len(), tpl));
    bind_all(sqlx::query(&sql), rows)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Registration history rows `(seq, subject, kind, effective_on, summary)`.
async fn history_rows(
    conn: &mut AnyConnection,
    engine: Engine,
    rows: Vec<Vec<V>>,
) -> Result<(), StoreError> {
    insert_rows(
        conn,
        engine,
        "INSERT INTO registration_history (seq, subject, kind, effective_on, summary)",
        "(?,?,?,?,?)",
        "",
        rows,
    )
    .await
}

fn history_row(entry: &Entry, effective_on: String, summary: String) -> Vec<V> {
    vec![
        seq(entry).into(),
        entry.subject.as_str().into(),
        entry.kind.as_str().into(),
        effective_on.into(),
        summary.into(),
    ]
}

/// Split `items` before each item whose key already occurs since the last
/// split: every part has distinct keys, parts in order.
fn distinct_runs<T>(items: &[T], key: impl Fn(&T) -> &str) -> Vec<&[T]> {
    let mut parts = Vec::new();
    let mut seen = BTreeSet::new();
    let mut start = 0;
    for (i, item) in items.iter().enumerate() {
        if !seen.insert(key(item)) {
            parts.push(&items[start..i]);
            seen.clear();
            seen.insert(key(item));
            start = i;
        }
    }
    if start < items.len() {
        parts.push(&items[start..]);
    }
    parts
}

/// Apply consecutive entries of one kind this file [`handles`].
pub(super) async fn apply_many(
    conn: &mut AnyConnection,
    engine: Engine,
    entries: &[Entry],
) -> Result<(), StoreError> {
    let Some(first) = entries.first() else {
        return Ok(());
    };
    if let Some(e) = entries.iter().find(|e| e.kind != first.kind) {
        return Err(StoreError::Inconsistent(format!(
            "entry {} ({}) in a run of {}",
            e.seq, e.kind, first.kind
        )));
    }
    match first.kind.as_str() {
        kind::PERSON_REGISTERED => {
            let mut parsed = Vec::with_capacity(entries.len());
            for e in entries {
                parsed.push((e, payload::<PersonRegistration>(e)?));
            }
            for part in distinct_runs(&parsed, |(_, p)| p.id.as_str()) {
                persons(conn, engine, part).await?;
            }
        }
        kind::EMPLOYMENT_STARTED => employments(conn, engine, entries).await?,
        kind::ACCOUNT_SETTLED => {
            let mut rows: Vec<Vec<V>> = Vec::with_capacity(entries.len());
            for e in entries {
                let p: AccountSettled = payload(e)?;
                let r = &p.result;
                rows.push(vec![
                    p.id.as_str().into(),
                    i64::from(p.year).into(),
                    r.inputs.opening_balance.to_string().into(),
                    r.credits_total.to_string().into(),
                    r.inputs.rate.to_string().into(),
                    r.interest.to_string().into(),
                    r.closing_balance.to_string().into(),
                    r.rule_set.to_string().into(),
                    seq(e).into(),
                ]);
            }
            insert_rows(
                conn,
                engine,
                "INSERT INTO account_year (person_id, year, opening_balance, credits, rate, interest, \
                 closing_balance, rule_set, seq)",
                "(?,?,?,?,?,?,?,?,?)",
                "",
                rows,
            )
            .await?;
        }
        kind::BENEFIT_GRANTED => {
            let mut rows: Vec<Vec<V>> = Vec::with_capacity(entries.len());
            for e in entries {
                let p: BenefitGranted = payload(e)?;
                let pen = &p.pension;
                rows.push(vec![
                    p.id.as_str().into(),
                    p.retirement.retirement_month.to_string().into(),
                    i64::from(pen.inputs.contribution_months).into(),
                    pen.basic.to_string().into(),
                    pen.account.to_string().into(),
                    pen.transitional.to_string().into(),
                    pen.total.to_string().into(),
                    pen.rule_set.to_string().into(),
                    seq(e).into(),
                ]);
            }
            insert_rows(
                conn,
                engine,
                "INSERT INTO benefit (person_id, status, start_month, contribution_months, basic, account, \
                 transitional, total, rule_set, seq)",
                "(?,'granted',?,?,?,?,?,?,?,?)",
                "",
                rows,
            )
            .await?;
        }
        kind::BENEFIT_PAID => {
            let mut rows: Vec<Vec<V>> = Vec::with_capacity(entries.len());
            for e in entries {
                let p: records::BenefitPaid = payload(e)?;
                rows.push(vec![
                    p.id.as_str().into(),
                    p.month.to_string().into(),
                    p.amount.to_string().into(),
                    i64_of(p.granted_seq).into(),
                    p.rule_set.into(),
                    seq(e).into(),
                ]);
            }
            insert_rows(
                conn,
                engine,
                "INSERT INTO benefit_payment (person_id, month, amount, granted_seq, rule_set, seq)",
                "(?,?,?,?,?,?)",
                "",
                rows,
            )
            .await?;
        }
        kind::UNEMPLOYMENT_GRANTED => {
            let mut rows: Vec<Vec<V>> = Vec::with_capacity(entries.len());
            for e in entries {
                let g: UnemploymentGranted = payload(e)?;
                let b = &g.benefit;
                rows.push(vec![
                    seq(e).into(),
                    g.claim.id.as_str().into(),
                    g.claim.registered_on.to_string().into(),
                    g.start_month.to_string().into(),
                    g.end_month.to_string().into(),
                    i64::from(g.contribution_months).into(),
                    i64::from(b.carried_months).into(),
                    i64::from(b.duration_months).into(),
                    b.monthly_amount.to_string().into(),
                    b.total_amount.to_string().into(),
                    g.rule_set.into(),
                    seq(e).into(),
                ]);
            }
            insert_rows(
                conn,
                engine,
                "INSERT INTO unemployment_claim (seq, person_id, status, registered_on, start_month, end_month, \
                 contribution_months, carried_months, duration_months, monthly_amount, total_amount, rule_set, \
                 ended_on, end_reason, paid_months, unused_months, last_seq)",
                "(?,?,'open',?,?,?,?,?,?,?,?,?,'','',0,0,?)",
                "",
                rows,
            )
            .await?;
        }
        other => {
            return Err(StoreError::Inconsistent(format!(
                "{other} is not written in runs"
            )))
        }
    }
    Ok(())
}

/// Person registrations with distinct persons: the history first (a write
/// first, so that a deferred transaction — the projection check's scratch
/// replay — holds the write lock before it reads), the persons as they were,
/// the upsert, then the insured-persons summary moved for every person whose
/// agency, birth date or gender is new.
async fn persons(
    conn: &mut AnyConnection,
    engine: Engine,
    part: &[(&Entry, PersonRegistration)],
) -> Result<(), StoreError> {
    let history = part
        .iter()
        .map(|(e, p)| history_row(e, p.registered_on.to_string(), "registered".to_string()))
        .collect();
    history_rows(conn, engine, history).await?;
    let ids: Vec<&str> = part.iter().map(|(_, p)| p.id.as_str()).collect();
    let before = summary::persons_of(conn, engine, &ids).await?;
    let rows = part
        .iter()
        .map(|(e, p)| {
            vec![
                p.id.as_str().into(),
                p.name.as_str().into(),
                records::gender_word(p.gender).into(),
                p.birth_date.to_string().into(),
                p.address.as_str().into(),
                p.phone.as_str().into(),
                p.registered_on.to_string().into(),
                e.agency.as_str().into(),
                seq(e).into(),
                seq(e).into(),
                p.id_number.as_str().into(),
            ]
        })
        .collect();
    insert_rows(
        conn,
        engine,
        "INSERT INTO person (person_id, name, gender, birth_date, address, phone, registered_on, agency, \
         first_seq, last_seq, id_number)",
        "(?,?,?,?,?,?,?,?,?,?,?)",
        "ON CONFLICT (person_id) DO UPDATE SET name = excluded.name, address = excluded.address, \
         phone = excluded.phone, registered_on = excluded.registered_on, agency = excluded.agency, \
         last_seq = excluded.last_seq, id_number = excluded.id_number",
        rows,
    )
    .await?;
    summary::reregistered(conn, engine, &ids, before).await
}

/// Hirings: the employment rows, their history, and each person's
/// insurance relationships not active made active by employment. Only a
/// person's first hiring in the run can enrol anything (after it, every
/// relationship of theirs is active), so the update takes the first.
async fn employments(
    conn: &mut AnyConnection,
    engine: Engine,
    entries: &[Entry],
) -> Result<(), StoreError> {
    let mut jobs = Vec::with_capacity(entries.len());
    let mut history = Vec::with_capacity(entries.len());
    let mut enrol = Vec::new();
    let mut seen = BTreeSet::new();
    for e in entries {
        let p: EmploymentStart = payload(e)?;
        jobs.push(vec![
            p.id.as_str().into(),
            p.credit_code.as_str().into(),
            p.start_on.to_string().into(),
            e.agency.as_str().into(),
            seq(e).into(),
        ]);
        history.push(history_row(
            e,
            p.start_on.to_string(),
            format!("employed by {}", p.credit_code),
        ));
        if seen.insert(p.id.as_str().to_string()) {
            enrol.push(vec![
                p.id.as_str().into(),
                p.start_on.to_string().into(),
                seq(e).into(),
            ]);
        }
    }
    insert_rows(
        conn,
        engine,
        "INSERT INTO employment (person_id, credit_code, start_on, end_on, end_reason, agency, start_seq, end_seq)",
        "(?,?,?,NULL,NULL,?,?,NULL)",
        "",
        jobs,
    )
    .await?;
    history_rows(conn, engine, history).await?;
    // `VALUES` columns are `column1`, `column2`, … in both engines.
    let sql = format!(
        "UPDATE insurance_relation SET status = 'active', payer = 'employee', enrolled_on = v.column2, \
         changed_on = v.column2, reason = 'employment', base = '', last_seq = v.column3 \
         FROM (VALUES {}) AS v WHERE insurance_relation.person_id = v.column1 \
         AND insurance_relation.status <> 'active'",
        values(engine, enrol.len(), "(?,?,?)")
    );
    if !enrol.is_empty() {
        bind_all(sqlx::query(&sql), enrol)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_runs_split_before_a_repeated_key() {
        let items = ["a", "b", "a", "c", "c", "d"];
        let parts = distinct_runs(&items, |s| s);
        assert_eq!(
            parts,
            vec![&["a", "b"][..], &["a", "c"][..], &["c", "d"][..]]
        );
        assert!(distinct_runs(&[] as &[&str], |s| s).is_empty());
    }

    #[test]
    fn values_number_per_engine() {
        assert_eq!(
            values(Engine::Sqlite, 2, "(?,'x',?)"),
            "(?,'x',?),(?,'x',?)"
        );
        assert_eq!(
            values(Engine::Postgres, 2, "(?,'x',?)"),
            "($1,'x',$2),($3,'x',$4)"
        );
    }
}
