//! What the applier's files share: payload decoding and the small writes
//! several kinds make (registration history, application steps, role
//! grants).

use serde::de::DeserializeOwned;
use sirm_ledger::Entry;
use sqlx::AnyConnection;

use crate::StoreError;

pub(super) fn payload<T: DeserializeOwned>(entry: &Entry) -> Result<T, StoreError> {
    serde_json::from_str(&entry.payload).map_err(|e| StoreError::Payload {
        seq: entry.seq,
        kind: entry.kind.clone(),
        message: e.to_string(),
    })
}

/// The `contribution` columns of a person-month's computed figures, in the
/// order [`figures`] gives them: the row mapping's, from `declared_wage` to
/// `rule_set`.
pub(super) fn figure_columns() -> &'static [&'static str] {
    use crate::rows::TableRow as _;
    &crate::ContributionRow::COLUMNS[3..14]
}

/// A person-month's computed figures as stored (decimal text; the rule
/// set as `id vN`), in the order of [`figure_columns`]: one list for the
/// assessment's insert, the batch insert and the correction's update.
pub(super) fn figures(r: &sirm_domain::rules::engine::MonthResult) -> [String; 11] {
    let a = &r.amounts;
    [
        r.inputs.declared_wage.to_string(),
        r.base.to_string(),
        a.pension_employer.to_string(),
        a.pension_employee.to_string(),
        a.medical_employer.to_string(),
        a.medical_employee.to_string(),
        a.unemployment_employer.to_string(),
        a.unemployment_employee.to_string(),
        a.work_injury_employer.to_string(),
        r.account_credit.to_string(),
        r.rule_set.to_string(),
    ]
}

/// A person-month's seven assessed amounts, in the order of
/// `AMOUNT_COLUMNS` (what the statistics summaries add up).
pub(super) fn amounts(r: &sirm_domain::rules::engine::MonthResult) -> [rust_decimal::Decimal; 7] {
    let a = &r.amounts;
    [
        a.pension_employer,
        a.pension_employee,
        a.medical_employer,
        a.medical_employee,
        a.unemployment_employer,
        a.unemployment_employee,
        a.work_injury_employer,
    ]
}

pub(super) fn seq(entry: &Entry) -> i64 {
    i64::try_from(entry.seq).unwrap_or(i64::MAX)
}

pub(super) async fn history(
    conn: &mut AnyConnection,
    entry: &Entry,
    effective_on: &str,
    summary: String,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO registration_history (seq, subject, kind, effective_on, summary) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(seq(entry))
    .bind(&entry.subject)
    .bind(&entry.kind)
    .bind(effective_on)
    .bind(summary)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A field of a change of registration details: its column and the new
/// value, if the change gives one.
pub(super) enum Changed {
    Text(&'static str, Option<String>),
    Int(&'static str, Option<i64>),
}

impl Changed {
    fn column(&self) -> &'static str {
        match self {
            Changed::Text(c, _) | Changed::Int(c, _) => c,
        }
    }

    fn given(&self) -> bool {
        match self {
            Changed::Text(_, v) => v.is_some(),
            Changed::Int(_, v) => v.is_some(),
        }
    }
}

/// A change of registration details (`employer.changed`, `person.changed`)
/// of the row of `table` whose `key_column` is `key`: each field given
/// replaces the stored value, the others stay (`COALESCE`); `last_seq`
/// moves on; the registration history names the fields changed and why.
pub(super) async fn change_details(
    conn: &mut AnyConnection,
    entry: &Entry,
    (table, key_column, key): (&str, &str, &str),
    fields: &[Changed],
    effective_on: &str,
    reason: &str,
) -> Result<(), StoreError> {
    let sets: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{c} = COALESCE(${}, {c})", i + 1, c = f.column()))
        .collect();
    let n = fields.len();
    let sql = format!(
        "UPDATE {table} SET {}, last_seq = ${} WHERE {key_column} = ${}",
        sets.join(", "),
        n + 1,
        n + 2
    );
    let mut q = sqlx::query(&sql);
    for f in fields {
        q = match f {
            Changed::Text(_, v) => q.bind(v.clone()),
            Changed::Int(_, v) => q.bind(*v),
        };
    }
    q.bind(seq(entry)).bind(key).execute(&mut *conn).await?;
    let names: Vec<&str> = fields
        .iter()
        .filter(|f| f.given())
        .map(Changed::column)
        .collect();
    let summary = format!("changed: {} ({reason})", names.join(", "));
    history(conn, entry, effective_on, summary).await
}

pub(super) mod erased {
    /// Canonical JSON text of a serialisable value (for JSON columns).
    pub trait Ser {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn step(
    conn: &mut AnyConnection,
    seq: i64,
    application: &str,
    stage: &str,
    actor: &str,
    approve: bool,
    reason: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO application_step (seq, application_id, stage, actor, approve, reason) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(seq)
    .bind(application)
    .bind(stage)
    .bind(actor)
    .bind(i64::from(approve))
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn grant(
    conn: &mut AnyConnection,
    username: &str,
    role: &str,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO account_role (username, role, granted_seq) VALUES ($1, $2, $3) \
         ON CONFLICT (username, role) DO NOTHING",
    )
    .bind(username)
    .bind(role)
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The figures' columns are the row mapping's, declared wage to rule set.
    #[test]
    fn figure_columns_are_the_row_mappings() {
        let cols = super::figure_columns();
        assert_eq!(cols.len(), 11);
        assert_eq!(cols.first(), Some(&"declared_wage"));
        assert_eq!(cols.last(), Some(&"rule_set"));
    }
}
