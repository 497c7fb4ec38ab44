//! Checking the projections against the ledger (`sirm verify`).
//!
//! Projection tables are ordinary tables: on PostgreSQL the application role
//! may UPDATE and DELETE them, on SQLite anyone with the file may. Payment
//! runs, certificates and every query read them, so `sirm verify` checks
//! that each one is exactly what replaying the ledger gives.
//!
//! How, with bounded memory whatever the size of the installation:
//!
//! 1. One read snapshot of the live database (PostgreSQL `REPEATABLE READ,
//!    READ ONLY`; SQLite a deferred read transaction): the ledger and every
//!    projection are read as of one moment, so a server appending meanwhile
//!    causes no false difference.
//! 2. The ledger is streamed in `seq` order and replayed, a batch at a time,
//!    by the one applier ([`crate::projection::apply_all`]) into a scratch
//!    SQLite file (migrated like any SQLite installation). The scratch file
//!    holds the expected projections on disk; memory holds one batch.
//! 3. Each projection table is read from both sides ordered by its primary
//!    key (text in byte order on both engines: `COLLATE "C"` on PostgreSQL,
//!    SQLite's default BINARY) and the two sorted streams are merged: the
//!    first key present on one side only, or the first column whose value
//!    differs, is the answer. Values are compared as text (`CAST … AS TEXT`),
//!    so a value of the wrong type in a SQLite column is a difference too,
//!    not a read error.
//!
//! The scratch file is SQLite for both engines: one code path, no privilege
//! needed beyond reading (the application role can create no schema on
//! PostgreSQL, and an auditor may check a read-only copy), and the live
//! database is never written.

use std::cmp::Ordering;
use std::fmt;
use std::path::Path;

use futures::stream::BoxStream;
use futures::StreamExt;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Connection, Row};

use crate::engine::{Engine, Role, StoreConfig};
use crate::ledger_rows::ENTRY_COLUMNS;
use crate::projection::{self, Col, Table};
use crate::rows::TableRow as _;
use crate::{Store, StoreError};

/// Ledger entries replayed per scratch transaction.
const REPLAY_BATCH: usize = 5000;
/// Longest value quoted in a one-line description.
const QUOTE_CHARS: usize = 80;

/// The result of comparing every projection with a replay of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectionCheck {
    /// Ledger entries replayed.
    pub entries: u64,
    /// Projection tables compared completely.
    pub tables: usize,
    /// Rows compared.
    pub rows: u64,
    /// The first difference (tables in [`projection::TABLES`] order, rows in
    /// key order); `None`: every projection is exactly what the ledger says.
    pub difference: Option<ProjectionDifference>,
}

impl ProjectionCheck {
    pub fn matches(&self) -> bool {
        self.difference.is_none()
    }
}

/// One column of a row's primary key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyPart {
    pub column: String,
    pub value: Option<String>,
}

/// What is different.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// The ledger makes this row; the table does not have it.
    MissingRow,
    /// The table has this row; no ledger entry makes it.
    ExtraRow,
    /// The row is there on both sides; one column differs.
    ColumnValue,
    /// A row of the table could not be read.
    UnreadableRow,
    /// The ledger could not be replayed (an unreadable entry, or a payload
    /// the applier refuses): the ledger check says more.
    ReplayFailed,
}

/// The first place where a projection is not what the ledger says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectionDifference {
    pub kind: DifferenceKind,
    /// The projection table (empty for [`DifferenceKind::ReplayFailed`]).
    pub table: String,
    /// The row's primary key (for an unreadable row: the last key read
    /// before it).
    pub key: Vec<KeyPart>,
    /// The differing column ([`DifferenceKind::ColumnValue`]).
    pub column: Option<String>,
    /// The column's value as the ledger gives it.
    pub ledger_value: Option<String>,
    /// The column's value in the table.
    pub table_value: Option<String>,
    /// Detail for unreadable rows and replay failures.
    pub message: Option<String>,
}

fn quote(v: &Option<String>) -> String {
    match v {
        None => "NULL".into(),
        Some(s) if s.chars().count() > QUOTE_CHARS => {
            format!("{:?}…", s.chars().take(QUOTE_CHARS).collect::<String>())
        }
        Some(s) => format!("{s:?}"),
    }
}

impl ProjectionDifference {
    /// `person_id=…, month=…`
    pub fn key_text(&self) -> String {
        self.key
            .iter()
            .map(|k| format!("{}={}", k.column, k.value.as_deref().unwrap_or("NULL")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ProjectionDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = format!("projection {}, row {}", self.table, self.key_text());
        match self.kind {
            DifferenceKind::MissingRow => write!(
                f,
                "{at}: missing (the ledger makes this row; the table does not have it)"
            ),
            DifferenceKind::ExtraRow => write!(
                f,
                "{at}: extra row (in the table; no ledger entry makes it)"
            ),
            DifferenceKind::ColumnValue => write!(
                f,
                "{at}: column {} is {} in the table, {} from the ledger",
                self.column.as_deref().unwrap_or("?"),
                quote(&self.table_value),
                quote(&self.ledger_value)
            ),
            DifferenceKind::UnreadableRow => write!(
                f,
                "projection {}: a row after {} cannot be read: {}",
                self.table,
                if self.key.is_empty() {
                    "the start of the table".to_string()
                } else {
                    self.key_text()
                },
                self.message.as_deref().unwrap_or("")
            ),
            DifferenceKind::ReplayFailed => write!(
                f,
                "projections not checked: the ledger cannot be replayed: {}",
                self.message.as_deref().unwrap_or("")
            ),
        }
    }
}

/// One primary-key value, ordered as both engines order the column: NULL
/// first, integers by value, text by bytes (SQLite orders a value of the
/// wrong type the same way: NULL < INTEGER < TEXT).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum KeyVal {
    Null,
    Int(i64),
    Text(String),
}

/// A projection row read for comparison: every column as text, and the key.
struct CmpRow {
    key: Vec<KeyVal>,
    values: Vec<Option<String>>,
}

/// Column positions of the table's primary key, in key order.
fn key_positions(table: &Table) -> Vec<usize> {
    table
        .key
        .split(',')
        .map(str::trim)
        .filter_map(|k| table.columns.iter().position(|(c, _)| *c == k))
        .collect()
}

fn compare_sql(table: &Table, engine: Engine) -> String {
    // Output columns get names of their own, and the order is by the
    // table's columns (`t.…`): PostgreSQL would otherwise sort by the text
    // of `CAST(seq AS TEXT)`, which it names `seq` too ("10" < "9").
    let select: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("CAST(t.{c} AS TEXT) AS v{i}"))
        .collect();
    let order: Vec<String> = key_positions(table)
        .into_iter()
        .filter_map(|i| table.columns.get(i))
        .map(|(c, col)| match (engine, col) {
            // Byte order, whatever the database's default collation.
            (Engine::Postgres, Col::Text) => format!("t.{c} COLLATE \"C\""),
            _ => format!("t.{c}"),
        })
        .collect();
    format!(
        "SELECT {} FROM {} t ORDER BY {}",
        select.join(", "),
        table.name,
        order.join(", ")
    )
}

fn cmp_row(table: &Table, keys: &[usize], r: &AnyRow) -> Result<CmpRow, sqlx::Error> {
    let mut values = Vec::with_capacity(table.columns.len());
    for i in 0..table.columns.len() {
        values.push(r.try_get::<Option<String>, _>(i)?);
    }
    let key = keys
        .iter()
        .map(|&i| {
            let v = values.get(i).cloned().flatten();
            match (v, table.columns.get(i).map(|c| c.1)) {
                (None, _) => KeyVal::Null,
                (Some(s), Some(Col::Int)) => match s.parse::<i64>() {
                    Ok(n) => KeyVal::Int(n),
                    Err(_) => KeyVal::Text(s),
                },
                (Some(s), _) => KeyVal::Text(s),
            }
        })
        .collect();
    Ok(CmpRow { key, values })
}

fn key_parts(table: &Table, keys: &[usize], row: &CmpRow) -> Vec<KeyPart> {
    keys.iter()
        .map(|&i| KeyPart {
            column: table
                .columns
                .get(i)
                .map(|c| c.0.to_string())
                .unwrap_or_default(),
            value: row.values.get(i).cloned().flatten(),
        })
        .collect()
}

fn difference(kind: DifferenceKind, table: &Table, key: Vec<KeyPart>) -> ProjectionDifference {
    ProjectionDifference {
        kind,
        table: table.name.to_string(),
        key,
        column: None,
        ledger_value: None,
        table_value: None,
        message: None,
    }
}

fn replay_failed(message: String) -> ProjectionDifference {
    ProjectionDifference {
        kind: DifferenceKind::ReplayFailed,
        table: String::new(),
        key: vec![],
        column: None,
        ledger_value: None,
        table_value: None,
        message: Some(message),
    }
}

/// Merge one table's two key-ordered streams; the first difference, or the
/// number of rows when there is none.
async fn compare_table(
    table: &Table,
    mut live: BoxStream<'_, Result<AnyRow, sqlx::Error>>,
    mut ledger: BoxStream<'_, Result<AnyRow, sqlx::Error>>,
) -> Result<Result<u64, ProjectionDifference>, StoreError> {
    let keys = key_positions(table);
    let mut rows = 0u64;
    let mut last_key: Vec<KeyPart> = vec![];
    let mut next_live = live.next().await;
    let mut next_ledger = ledger.next().await;
    loop {
        let l = match next_live.take() {
            None => None,
            Some(Ok(r)) => match cmp_row(table, &keys, &r) {
                Ok(row) => Some(row),
                Err(e) => {
                    return Ok(Err(ProjectionDifference {
                        message: Some(e.to_string()),
                        ..difference(DifferenceKind::UnreadableRow, table, last_key)
                    }))
                }
            },
            Some(Err(e)) => {
                return Ok(Err(ProjectionDifference {
                    message: Some(e.to_string()),
                    ..difference(DifferenceKind::UnreadableRow, table, last_key)
                }))
            }
        };
        // The scratch side was written by the applier a moment ago: a read
        // error there is an error of this check, not a finding.
        let e = match next_ledger.take() {
            None => None,
            Some(r) => Some(cmp_row(table, &keys, &r?)?),
        };
        match (l, e) {
            (None, None) => return Ok(Ok(rows)),
            (Some(l), None) => {
                return Ok(Err(difference(
                    DifferenceKind::ExtraRow,
                    table,
                    key_parts(table, &keys, &l),
                )))
            }
            (None, Some(e)) => {
                return Ok(Err(difference(
                    DifferenceKind::MissingRow,
                    table,
                    key_parts(table, &keys, &e),
                )))
            }
            (Some(l), Some(e)) => match l.key.cmp(&e.key) {
                Ordering::Less => {
                    return Ok(Err(difference(
                        DifferenceKind::ExtraRow,
                        table,
                        key_parts(table, &keys, &l),
                    )))
                }
                Ordering::Greater => {
                    return Ok(Err(difference(
                        DifferenceKind::MissingRow,
                        table,
                        key_parts(table, &keys, &e),
                    )))
                }
                Ordering::Equal => {
                    if let Some(i) =
                        (0..table.columns.len()).find(|&i| l.values.get(i) != e.values.get(i))
                    {
                        return Ok(Err(ProjectionDifference {
                            column: table.columns.get(i).map(|c| c.0.to_string()),
                            ledger_value: e.values.get(i).cloned().flatten(),
                            table_value: l.values.get(i).cloned().flatten(),
                            ..difference(
                                DifferenceKind::ColumnValue,
                                table,
                                key_parts(table, &keys, &l),
                            )
                        }));
                    }
                    rows += 1;
                    last_key = key_parts(table, &keys, &l);
                    next_live = live.next().await;
                    next_ledger = ledger.next().await;
                }
            },
        }
    }
}

impl Store {
    /// Compare every projection table with a replay of the ledger into a
    /// scratch SQLite database at `scratch` (a file that must not exist yet;
    /// the caller removes it afterwards). See the module documentation.
    pub async fn check_projections(&self, scratch: &Path) -> Result<ProjectionCheck, StoreError> {
        if scratch.exists() {
            return Err(StoreError::Inconsistent(format!(
                "scratch database {} already exists",
                scratch.display()
            )));
        }
        let mut cfg = StoreConfig::sqlite_file(scratch);
        cfg.max_connections = 2;
        let expected = Store::connect(&cfg, Role::Owner).await?;
        expected.migrate().await?;
        let result = self.check_into(&expected).await;
        expected.close().await;
        result
    }

    async fn check_into(&self, expected: &Store) -> Result<ProjectionCheck, StoreError> {
        let mut live = match self.engine {
            Engine::Sqlite => self.pool.begin().await?,
            Engine::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?
            }
        };
        let result = self.replay_and_compare(&mut live, expected).await;
        // End the snapshot now, whatever happened: a transaction merely
        // dropped (say, in the middle of a table, at its first difference)
        // would keep its locks until its connection is next used, and
        // PostgreSQL's `ALTER TABLE` or `VACUUM FULL` would wait for it.
        let ended = live.rollback().await;
        let check = result?;
        ended?;
        Ok(check)
    }

    async fn replay_and_compare(
        &self,
        live: &mut sqlx::Transaction<'static, sqlx::Any>,
        expected: &Store,
    ) -> Result<ProjectionCheck, StoreError> {
        let live: &mut sqlx::AnyConnection = live;
        let mut scratch = expected.pool.acquire().await?;
        // A scratch file: durability is of no use, speed is.
        sqlx::query("PRAGMA synchronous=OFF")
            .execute(&mut *scratch)
            .await?;

        // 1. Replay the ledger of this snapshot into the scratch database.
        let started = std::time::Instant::now();
        let mut entries = 0u64;
        {
            let sql = format!("SELECT {ENTRY_COLUMNS} FROM ledger_entry ORDER BY seq");
            let mut rows = sqlx::query(&sql).fetch(&mut *live);
            let mut batch = Vec::with_capacity(REPLAY_BATCH);
            let mut done = false;
            while !done {
                match rows.next().await {
                    Some(r) => {
                        let stored = crate::StoredRow::from_row(&r?)?;
                        let seq = stored.seq;
                        match stored.decode() {
                            Ok((entry, _)) => batch.push(entry),
                            Err(e) => {
                                return Ok(ProjectionCheck {
                                    entries,
                                    tables: 0,
                                    rows: 0,
                                    difference: Some(replay_failed(format!(
                                        "entry {seq} is unreadable: {e}"
                                    ))),
                                })
                            }
                        }
                    }
                    None => done = true,
                }
                if batch.len() == REPLAY_BATCH || (done && !batch.is_empty()) {
                    let first = batch.first().map(|e| e.seq).unwrap_or(0);
                    let last = batch.last().map(|e| e.seq).unwrap_or(0);
                    let mut tx = Connection::begin(&mut *scratch).await?;
                    if let Err(e) = projection::apply_all(&mut tx, Engine::Sqlite, &batch).await {
                        return Ok(ProjectionCheck {
                            entries,
                            tables: 0,
                            rows: 0,
                            difference: Some(replay_failed(format!("entries {first}–{last}: {e}"))),
                        });
                    }
                    tx.commit().await?;
                    entries += batch.len() as u64;
                    batch.clear();
                }
            }
        }

        tracing::debug!(entries, elapsed = ?started.elapsed(), "projection check: ledger replayed");
        // 2. Compare table by table, in key order.
        let mut rows = 0u64;
        for (i, table) in projection::TABLES.iter().enumerate() {
            let live_sql = compare_sql(table, self.engine);
            let ledger_sql = compare_sql(table, Engine::Sqlite);
            let live_rows = sqlx::query(&live_sql).fetch(&mut *live);
            let ledger_rows = sqlx::query(&ledger_sql).fetch(&mut *scratch);
            match compare_table(table, live_rows, ledger_rows).await? {
                Ok(n) => rows += n,
                Err(d) => {
                    return Ok(ProjectionCheck {
                        entries,
                        tables: i,
                        rows,
                        difference: Some(d),
                    })
                }
            }
        }
        tracing::debug!(rows, elapsed = ?started.elapsed(), "projection check: tables compared");
        Ok(ProjectionCheck {
            entries,
            tables: projection::TABLES.len(),
            rows,
            difference: None,
        })
    }
}

/// Every projection table with the columns the check compares (for tests
/// that hold this list equal to the tables' real columns).
pub fn checked_columns() -> Vec<(&'static str, Vec<&'static str>)> {
    projection::TABLES
        .iter()
        .map(|t| (t.name, t.columns.iter().map(|c| c.0).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_like_the_engines() {
        assert!(KeyVal::Null < KeyVal::Int(-5));
        assert!(KeyVal::Int(2) < KeyVal::Int(10));
        assert!(KeyVal::Int(i64::MAX) < KeyVal::Text(String::new()));
        assert!(KeyVal::Text("B".into()) < KeyVal::Text("a".into()));
        assert!(KeyVal::Text("张".into()) > KeyVal::Text("z".into()));
        assert!(
            vec![KeyVal::Text("a".into()), KeyVal::Int(9)]
                < vec![KeyVal::Text("a".into()), KeyVal::Int(10)]
        );
    }

    #[test]
    fn every_key_column_is_compared() {
        for t in projection::TABLES {
            assert_eq!(
                key_positions(t).len(),
                t.key.split(',').count(),
                "table {}",
                t.name
            );
        }
    }

    #[test]
    fn order_is_bytewise_on_postgres() {
        let sql = projection::TABLES
            .iter()
            .find(|t| t.name == "contribution")
            .map(|t| compare_sql(t, Engine::Postgres))
            .unwrap_or_default();
        assert!(
            sql.ends_with("ORDER BY t.person_id COLLATE \"C\", t.month COLLATE \"C\""),
            "{sql}"
        );
        let sql = projection::TABLES
            .iter()
            .find(|t| t.name == "application_step")
            .map(|t| compare_sql(t, Engine::Postgres))
            .unwrap_or_default();
        assert!(sql.ends_with("ORDER BY t.seq"), "{sql}");
    }
}
