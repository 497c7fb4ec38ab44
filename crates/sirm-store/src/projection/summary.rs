//! The statistics summaries of the contribution table (migration 22), kept
//! here in the same transaction as the contribution rows they sum, so that
//! a report reads thousands of rows instead of millions:
//!
//! - `contribution_summary`, per month and employer: person-months, their
//!   amount, and of those the unpaid ones (status `assessed`: not paid, not refunded);
//! - `contribution_person_year`, per person and calendar year: months,
//!   amount, unpaid months (a de-identified extract's measures);
//! - `insured_summary`, per month, agency, age on the month's last day and
//!   gender: person-months and those counted per insurance type (the
//!   insured-persons report).
//!
//! The first two are keyed by the employer's credit code and the person's
//! blind index, never by a registration detail that can change (an
//! employer's industry class is joined at read time), so a change of
//! registration moves nothing there. The third is keyed by the person's
//! agency as registered now: a registration written again under another
//! agency moves the person's months ([`reregistered`]). An amount is the
//! seven assessed amounts of a person-month together, in integer fen (分),
//! exact.
//!
//! Every write of `contribution` has its step here: an assessment adds a
//! row's figures, a correction adds the difference between the new and the
//! stored figures (and the insurance types it now counts for), a payment
//! moves the employer-month's unpaid figures to paid. [`fill_sql`] computes the same tables from the contribution rows
//! in SQL: `sirm migrate` fills them so for an installation that had
//! contributions before migration 22, and a test holds the two equal.

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive as _;
use rust_decimal::{Decimal, RoundingStrategy};
use sqlx::{AnyConnection, Row as _};

use crate::review::AMOUNT_COLUMNS;
use crate::{Engine, StoreError};

/// A person-month as the summaries count it.
pub(super) struct Counted {
    pub person_id: String,
    /// `YYYY-MM`.
    pub month: String,
    pub year: i64,
    pub credit_code: String,
    pub fen: i64,
}

/// The seven assessed amounts of a person-month together, in fen.
pub(super) fn fen_of(amounts: &[Decimal]) -> Result<i64, StoreError> {
    let total: Decimal = amounts.iter().copied().sum();
    let fen = (total * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    fen.to_i64().ok_or_else(|| {
        StoreError::Corrupt(format!(
            "contribution amount {total} is out of range in fen"
        ))
    })
}

/// `(…), (…)`: `rows` groups of `cols` placeholders, numbered per engine.
fn values(engine: Engine, rows: usize, cols: usize) -> String {
    let mut sql = String::with_capacity(rows * cols * 4);
    let mut n = 1;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..cols {
            if c > 0 {
                sql.push(',');
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
        sql.push(')');
    }
    sql
}

/// Newly assessed person-months (status `assessed`, so unpaid): added to
/// both summaries, one multi-row upsert each (keys made unique first: an
/// upsert may not meet the same row twice).
pub(super) async fn add_assessed(
    conn: &mut AnyConnection,
    engine: Engine,
    rows: &[Counted],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut per_employer: BTreeMap<(&str, &str), (i64, i64)> = BTreeMap::new();
    let mut per_year: BTreeMap<(&str, i64), (i64, i64)> = BTreeMap::new();
    for r in rows {
        let e = per_employer
            .entry((r.month.as_str(), r.credit_code.as_str()))
            .or_default();
        e.0 += 1;
        e.1 += r.fen;
        let y = per_year.entry((r.person_id.as_str(), r.year)).or_default();
        y.0 += 1;
        y.1 += r.fen;
    }
    let sql = format!(
        "INSERT INTO contribution_summary (month, credit_code, persons, amount_fen, unpaid_persons, unpaid_fen) \
         VALUES {} ON CONFLICT (month, credit_code) DO UPDATE SET \
         persons = contribution_summary.persons + excluded.persons, \
         amount_fen = contribution_summary.amount_fen + excluded.amount_fen, \
         unpaid_persons = contribution_summary.unpaid_persons + excluded.unpaid_persons, \
         unpaid_fen = contribution_summary.unpaid_fen + excluded.unpaid_fen",
        values(engine, per_employer.len(), 6)
    );
    let mut q = sqlx::query(&sql);
    for ((month, credit_code), (n, fen)) in &per_employer {
        q = q
            .bind(month.to_string())
            .bind(credit_code.to_string())
            .bind(*n)
            .bind(*fen)
            .bind(*n)
            .bind(*fen);
    }
    q.execute(&mut *conn).await?;
    let sql = format!(
        "INSERT INTO contribution_person_year (person_id, year, months, amount_fen, unpaid_months) \
         VALUES {} ON CONFLICT (person_id, year) DO UPDATE SET \
         months = contribution_person_year.months + excluded.months, \
         amount_fen = contribution_person_year.amount_fen + excluded.amount_fen, \
         unpaid_months = contribution_person_year.unpaid_months + excluded.unpaid_months",
        values(engine, per_year.len(), 5)
    );
    let mut q = sqlx::query(&sql);
    for ((person_id, year), (n, fen)) in &per_year {
        q = q
            .bind(person_id.to_string())
            .bind(*year)
            .bind(*n)
            .bind(*fen)
            .bind(*n);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// A correction of `person_id`'s `month` to the amounts `new`: the
/// difference from the stored row is added to its employer-month and its
/// person-year (and to the unpaid figures if the row is unpaid), and the
/// insurance types it counts for in the insured-persons summary follow. Called
/// before the row is updated; no stored row, nothing to move (the update
/// changes nothing either).
pub(super) async fn correct(
    conn: &mut AnyConnection,
    person_id: &str,
    month: &str,
    year: i64,
    new: &[Decimal; 7],
) -> Result<(), StoreError> {
    let sql = format!(
        "SELECT credit_code, status, {} FROM contribution WHERE person_id = $1 AND month = $2",
        AMOUNT_COLUMNS.join(", ")
    );
    let Some(row) = sqlx::query(&sql)
        .bind(person_id)
        .bind(month)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(());
    };
    let corrupt = |column: &str, problem: String| StoreError::CorruptColumn {
        table: "contribution",
        column: column.to_string(),
        problem,
    };
    let credit_code: String = row
        .try_get(0)
        .map_err(|e| corrupt("credit_code", e.to_string()))?;
    let status: String = row
        .try_get(1)
        .map_err(|e| corrupt("status", e.to_string()))?;
    let old = stored_amounts(&row, 2)?;
    correct_insured(
        conn,
        person_id,
        month,
        insured_flags(&old),
        insured_flags(new),
    )
    .await?;
    let delta = fen_of(new)? - fen_of(&old)?;
    if delta == 0 {
        return Ok(());
    }
    let unpaid_delta = if status == "assessed" { delta } else { 0 };
    sqlx::query(
        "UPDATE contribution_summary SET amount_fen = amount_fen + $1, unpaid_fen = unpaid_fen + $2 \
         WHERE month = $3 AND credit_code = $4",
    )
    .bind(delta)
    .bind(unpaid_delta)
    .bind(month)
    .bind(&credit_code)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE contribution_person_year SET amount_fen = amount_fen + $1 \
         WHERE person_id = $2 AND year = $3",
    )
    .bind(delta)
    .bind(person_id)
    .bind(year)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A payment of an employer-month: every unpaid row of it becomes paid.
/// Called before the rows are updated.
pub(super) async fn pay(
    conn: &mut AnyConnection,
    credit_code: &str,
    month: &str,
    year: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE contribution_person_year SET unpaid_months = unpaid_months - 1 \
         WHERE year = $1 AND person_id IN \
           (SELECT person_id FROM contribution WHERE credit_code = $2 AND month = $3 AND status = 'assessed')",
    )
    .bind(year)
    .bind(credit_code)
    .bind(month)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE contribution_summary SET unpaid_persons = 0, unpaid_fen = 0 \
         WHERE month = $1 AND credit_code = $2",
    )
    .bind(month)
    .bind(credit_code)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One row's seven amounts in fen, as SQL over `contribution` (alias `c`):
/// PostgreSQL `NUMERIC`; SQLite, which has no decimal type, `REAL` rounded
/// to fen (amounts are stored with at most two decimals, far below 2^53
/// fen, so the rounding gives the exact figure).
pub(crate) fn row_fen_sql(engine: Engine) -> String {
    match engine {
        Engine::Postgres => {
            let terms: Vec<String> = AMOUNT_COLUMNS
                .iter()
                .map(|c| format!("CAST(c.{c} AS NUMERIC)"))
                .collect();
            format!("CAST(ROUND(({}) * 100) AS BIGINT)", terms.join(" + "))
        }
        Engine::Sqlite => {
            let terms: Vec<String> = AMOUNT_COLUMNS
                .iter()
                .map(|c| format!("CAST(c.{c} AS REAL)"))
                .collect();
            format!("CAST(ROUND(({}) * 100) AS INTEGER)", terms.join(" + "))
        }
    }
}

/// Both summaries computed afresh from the contribution rows: the
/// statements that empty and fill them, in order.
pub(crate) fn fill_sql(engine: Engine) -> Vec<String> {
    let fen = row_fen_sql(engine);
    // `MM-DD` of the last day of the row's month.
    let last_day = match engine {
        Engine::Postgres => "to_char(to_date(c.month || '-01', 'YYYY-MM-DD') \
                             + interval '1 month' - interval '1 day', 'MM-DD')"
            .to_string(),
        Engine::Sqlite => "strftime('%m-%d', c.month || '-01', '+1 month', '-1 day')".to_string(),
    };
    // 1 where a type's amounts together are above zero.
    let positive = |cols: &[&str]| {
        let terms: Vec<String> = cols
            .iter()
            .map(|c| format!("CAST(c.{c} AS NUMERIC)"))
            .collect();
        format!("CASE WHEN {} > 0 THEN 1 ELSE 0 END", terms.join(" + "))
    };
    vec![
        "DELETE FROM contribution_summary".to_string(),
        "DELETE FROM contribution_person_year".to_string(),
        format!(
            "INSERT INTO contribution_summary (month, credit_code, persons, amount_fen, unpaid_persons, unpaid_fen) \
             SELECT month, credit_code, COUNT(*), SUM(fen), \
               SUM(CASE WHEN status = 'assessed' THEN 1 ELSE 0 END), \
               SUM(CASE WHEN status = 'assessed' THEN fen ELSE 0 END) \
             FROM (SELECT c.month AS month, c.credit_code AS credit_code, c.status AS status, {fen} AS fen \
                   FROM contribution c) r \
             GROUP BY month, credit_code"
        ),
        format!(
            "INSERT INTO contribution_person_year (person_id, year, months, amount_fen, unpaid_months) \
             SELECT person_id, year, COUNT(*), SUM(fen), SUM(CASE WHEN status = 'assessed' THEN 1 ELSE 0 END) \
             FROM (SELECT c.person_id AS person_id, CAST(substr(c.month, 1, 4) AS BIGINT) AS year, \
                     c.status AS status, {fen} AS fen FROM contribution c) r \
             GROUP BY person_id, year"
        ),
        "DELETE FROM insured_summary".to_string(),
        format!(
            "INSERT INTO insured_summary (month, agency, age, gender, persons, pension, medical, unemployment, work_injury) \
             SELECT month, agency, age, gender, COUNT(*), SUM(pension), SUM(medical), SUM(unemployment), SUM(work_injury) \
             FROM (SELECT c.month AS month, p.agency AS agency, \
                     CAST(substr(c.month, 1, 4) AS BIGINT) - CAST(substr(p.birth_date, 1, 4) AS BIGINT) \
                       - CASE WHEN substr(p.birth_date, 6, 5) > {last_day} THEN 1 ELSE 0 END AS age, \
                     p.gender AS gender, {} AS pension, {} AS medical, {} AS unemployment, {} AS work_injury \
                   FROM contribution c JOIN person p ON p.person_id = c.person_id) r \
             GROUP BY month, agency, age, gender",
            positive(&AMOUNT_COLUMNS[0..2]),
            positive(&AMOUNT_COLUMNS[2..4]),
            positive(&AMOUNT_COLUMNS[4..6]),
            positive(&AMOUNT_COLUMNS[6..7]),
        ),
    ]
}

/// `$n` placeholders, which both engines take (the single-entry writes;
/// the batch insert numbers per engine).
pub(super) const NUMBERED: Engine = Engine::Postgres;

/// Who a person is in the insured-persons report: agency, birth date,
/// gender (as registered now).
pub(super) struct Person {
    pub agency: String,
    pub birth_date: String,
    pub gender: String,
}

/// Which insurance types a person-month counts for: the type's assessed
/// amounts together above zero (pension, medical, unemployment, work
/// injury), from the seven amounts in `AMOUNT_COLUMNS` order.
pub(super) fn insured_flags(a: &[Decimal; 7]) -> [i64; 4] {
    let on = |d: Decimal| i64::from(d > Decimal::ZERO);
    [on(a[0] + a[1]), on(a[2] + a[3]), on(a[4] + a[5]), on(a[6])]
}

/// Age in full years on the last day of `month` (`YYYY-MM`), from a birth
/// date `YYYY-MM-DD`: as the report has always computed it, by the text of
/// month and day.
fn age_at(birth_date: &str, month: &str) -> Result<i64, StoreError> {
    let corrupt = |problem: String| StoreError::CorruptColumn {
        table: "person",
        column: "birth_date".to_string(),
        problem,
    };
    let year: i64 = birth_date
        .get(..4)
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| corrupt(format!("{birth_date:?}")))?;
    let m = sirm_domain::rules::Month::parse(month)
        .map_err(|e| StoreError::Corrupt(format!("contribution month {month:?}: {e}")))?;
    let on = m.last_day().format("%m-%d").to_string();
    let later = birth_date.get(5..10).unwrap_or("") > on.as_str();
    Ok(i64::from(m.year()) - year - i64::from(later))
}

/// A key of the insured-persons summary: month, agency, age, gender.
type InsuredKey = (String, String, i64, String);

/// A change of the insured-persons summary: person-months (`persons`) and
/// counts per insurance type added at one key.
struct InsuredDelta {
    month: String,
    agency: String,
    age: i64,
    gender: String,
    persons: i64,
    flags: [i64; 4],
}

/// Add `deltas` (keys made unique first); rows left with no person-month
/// are removed, so the table holds what its fill computes.
async fn add_insured(
    conn: &mut AnyConnection,
    engine: Engine,
    deltas: Vec<InsuredDelta>,
) -> Result<(), StoreError> {
    let mut merged: BTreeMap<InsuredKey, (i64, [i64; 4])> = BTreeMap::new();
    let mut shrunk = false;
    for d in deltas {
        shrunk |= d.persons < 0;
        let e = merged
            .entry((d.month, d.agency, d.age, d.gender))
            .or_insert((0, [0; 4]));
        e.0 += d.persons;
        for (t, f) in e.1.iter_mut().zip(d.flags) {
            *t += f;
        }
    }
    merged.retain(|_, (n, f)| *n != 0 || f.iter().any(|x| *x != 0));
    if merged.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO insured_summary (month, agency, age, gender, persons, pension, medical, unemployment, work_injury) \
         VALUES {} ON CONFLICT (month, agency, age, gender) DO UPDATE SET \
         persons = insured_summary.persons + excluded.persons, \
         pension = insured_summary.pension + excluded.pension, \
         medical = insured_summary.medical + excluded.medical, \
         unemployment = insured_summary.unemployment + excluded.unemployment, \
         work_injury = insured_summary.work_injury + excluded.work_injury",
        values(engine, merged.len(), 9)
    );
    let mut q = sqlx::query(&sql);
    for ((month, agency, age, gender), (n, f)) in &merged {
        q = q
            .bind(month.clone())
            .bind(agency.clone())
            .bind(*age)
            .bind(gender.clone())
            .bind(*n);
        for x in f {
            q = q.bind(*x);
        }
    }
    q.execute(&mut *conn).await?;
    if shrunk {
        for ((month, agency, age, gender), (n, _)) in &merged {
            if *n < 0 {
                sqlx::query(
                    "DELETE FROM insured_summary WHERE month = $1 AND agency = $2 AND age = $3 \
                     AND gender = $4 AND persons = 0",
                )
                .bind(month)
                .bind(agency)
                .bind(*age)
                .bind(gender)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

/// The registered persons among `ids`, by blind index.
pub(super) async fn persons_of(
    conn: &mut AnyConnection,
    engine: Engine,
    ids: &[&str],
) -> Result<BTreeMap<String, Person>, StoreError> {
    let mut out = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list: Vec<String> = (1..=ids.len())
        .map(|i| match engine {
            Engine::Sqlite => "?".to_string(),
            Engine::Postgres => format!("${i}"),
        })
        .collect();
    let sql = format!(
        "SELECT person_id, agency, birth_date, gender FROM person WHERE person_id IN ({})",
        list.join(",")
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(id.to_string());
    }
    for row in q.fetch_all(&mut *conn).await? {
        let text = |i: usize, column: &str| -> Result<String, StoreError> {
            row.try_get::<String, _>(i)
                .map_err(|e| StoreError::CorruptColumn {
                    table: "person",
                    column: column.to_string(),
                    problem: e.to_string(),
                })
        };
        out.insert(
            text(0, "person_id")?,
            Person {
                agency: text(1, "agency")?,
                birth_date: text(2, "birth_date")?,
                gender: text(3, "gender")?,
            },
        );
    }
    Ok(out)
}

/// Newly assessed person-months of registered persons, counted in the
/// insured-persons summary.
pub(super) async fn add_insured_assessed(
    conn: &mut AnyConnection,
    engine: Engine,
    rows: &[(Counted, [i64; 4])],
) -> Result<(), StoreError> {
    let mut ids: Vec<&str> = rows.iter().map(|(r, _)| r.person_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let persons = persons_of(conn, engine, &ids).await?;
    let mut deltas = Vec::with_capacity(rows.len());
    for (r, flags) in rows {
        let Some(p) = persons.get(&r.person_id) else {
            continue;
        };
        deltas.push(InsuredDelta {
            month: r.month.clone(),
            agency: p.agency.clone(),
            age: age_at(&p.birth_date, &r.month)?,
            gender: p.gender.clone(),
            persons: 1,
            flags: *flags,
        });
    }
    add_insured(conn, engine, deltas).await
}

/// A correction changed which insurance types a person-month counts for.
async fn correct_insured(
    conn: &mut AnyConnection,
    person_id: &str,
    month: &str,
    old: [i64; 4],
    new: [i64; 4],
) -> Result<(), StoreError> {
    if old == new {
        return Ok(());
    }
    let persons = persons_of(conn, NUMBERED, &[person_id]).await?;
    let Some(p) = persons.get(person_id) else {
        return Ok(());
    };
    let mut flags = [0; 4];
    for i in 0..4 {
        flags[i] = new[i] - old[i];
    }
    let delta = InsuredDelta {
        month: month.to_string(),
        agency: p.agency.clone(),
        age: age_at(&p.birth_date, month)?,
        gender: p.gender.clone(),
        persons: 0,
        flags,
    };
    add_insured(conn, NUMBERED, vec![delta]).await
}

/// Persons' registrations (re)written (distinct `ids`): for each whose
/// agency, birth date or gender the report groups them by changed (or who
/// was not registered before), their person-months move from the old
/// group's rows to the new one's. `before` is the persons as registered
/// before the write; one read of the persons and one of their
/// contributions for all of them, one upsert of the summary.
pub(super) async fn reregistered(
    conn: &mut AnyConnection,
    engine: Engine,
    ids: &[&str],
    before: BTreeMap<String, Person>,
) -> Result<(), StoreError> {
    let mut now = persons_of(conn, engine, ids).await?;
    now.retain(|id, n| {
        !before.get(id).is_some_and(|b| {
            b.agency == n.agency && b.birth_date == n.birth_date && b.gender == n.gender
        })
    });
    if now.is_empty() {
        return Ok(());
    }
    let moved: Vec<&str> = now.keys().map(String::as_str).collect();
    let list = values(engine, 1, moved.len());
    let sql = format!(
        "SELECT person_id, month, {} FROM contribution WHERE person_id IN {}",
        AMOUNT_COLUMNS.join(", "),
        list
    );
    let mut q = sqlx::query(&sql);
    for id in &moved {
        q = q.bind(id.to_string());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let mut deltas = Vec::with_capacity(rows.len() * 2);
    for row in &rows {
        let text = |i: usize, column: &str| -> Result<String, StoreError> {
            row.try_get::<String, _>(i)
                .map_err(|e| StoreError::CorruptColumn {
                    table: "contribution",
                    column: column.to_string(),
                    problem: e.to_string(),
                })
        };
        let person_id = text(0, "person_id")?;
        let month = text(1, "month")?;
        let Some(n) = now.get(&person_id) else {
            continue;
        };
        let flags = insured_flags(&stored_amounts(row, 2)?);
        let b = before.get(&person_id);
        for (p, sign) in b.into_iter().map(|b| (b, -1)).chain([(n, 1)]) {
            deltas.push(InsuredDelta {
                month: month.clone(),
                agency: p.agency.clone(),
                age: age_at(&p.birth_date, &month)?,
                gender: p.gender.clone(),
                persons: sign,
                flags: flags.map(|f| f * sign),
            });
        }
    }
    add_insured(conn, engine, deltas).await
}

/// The seven stored amounts of a contribution row, from column `offset`.
fn stored_amounts(row: &sqlx::any::AnyRow, offset: usize) -> Result<[Decimal; 7], StoreError> {
    let mut out = [Decimal::ZERO; 7];
    for (i, column) in AMOUNT_COLUMNS.iter().enumerate() {
        let corrupt = |problem: String| StoreError::CorruptColumn {
            table: "contribution",
            column: column.to_string(),
            problem,
        };
        let text: String = row
            .try_get(offset + i)
            .map_err(|e| corrupt(e.to_string()))?;
        out[i] = text
            .parse()
            .map_err(|e| corrupt(format!("{text:?}: {e}")))?;
    }
    Ok(out)
}
