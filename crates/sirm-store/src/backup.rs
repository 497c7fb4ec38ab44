//! The ledger and the state beside it, read out of and written into a store
//! verbatim: what a backup copies and a restore replays
//! (`sirm-app/src/backup/`).
//!
//! Invariants:
//! - Rows leave and enter exactly as stored: sequence numbers, times, leaf
//!   hashes and checkpoint signatures are never recomputed or re-signed, so a
//!   restored ledger verifies against the agency's public key like the
//!   original, and any change in between is a verification finding.
//! - An import goes only into an empty store ([`Store::is_empty_target`]);
//!   the stored tree state and the projections are rebuilt from the imported
//!   rows afterwards ([`Store::finish_import`]), never copied.
//! - The *state* tables ([`STATE_TABLES`]) are the mutable tables a restored
//!   installation needs besides the ledger: credentials, PINs, the query
//!   log, the wrapped personal-data keys. Sessions are not among them (a
//!   restore signs everyone out); neither are projections or tree nodes.

use std::sync::LazyLock;

use futures::stream::BoxStream;
use futures::StreamExt as _;
use serde_json::Value;

use crate::ledger::stored_rows;
use crate::ledger_rows::{i64_of, insert_entries_sql, select_checkpoints, select_entries};
use crate::rows::{RawRow as _, TableRow as _};
use crate::{engine, CheckpointRow, Store, StoreError, StoredRow};

/// Column kind of a state table.
#[derive(Clone, Copy, Debug)]
pub enum StateCol {
    Text,
    Int,
}

/// A mutable table a restore must bring back.
#[derive(Debug)]
pub struct StateTable {
    pub name: &'static str,
    pub columns: &'static [(&'static str, StateCol)],
}

use StateCol::{Int, Text};

/// Every state table, in the order a restore loads them.
pub const STATE_TABLES: &[StateTable] = &[
    StateTable {
        name: "credential",
        columns: &[
            ("username", Text),
            ("password_hash", Text),
            ("updated_us", Int),
            ("must_change", Int),
            ("changed_us", Int),
            ("failed_count", Int),
            ("locked_until_us", Int),
            ("totp_secret", Text),
            ("totp_last_step", Int),
            ("recovery_codes", Text),
            ("reset_by", Text),
            ("reset_us", Int),
        ],
    },
    StateTable {
        name: "password_history",
        columns: &[
            ("username", Text),
            ("password_hash", Text),
            ("changed_us", Int),
        ],
    },
    StateTable {
        name: "activation_code",
        columns: &[
            ("code_hash", Text),
            ("person_id", Text),
            ("issued_by", Text),
            ("expires_us", Int),
            ("used_us", Int),
        ],
    },
    StateTable {
        name: "query_pin",
        columns: &[
            ("person_id", Text),
            ("pin_hash", Text),
            ("failures", Int),
            ("locked_until_us", Int),
            ("set_seq", Int),
        ],
    },
    StateTable {
        name: "query_log",
        columns: &[
            ("time_us", Int),
            ("channel", Text),
            ("requester_kind", Text),
            ("requester", Text),
            ("subject", Text),
            ("items", Text),
            ("basis", Text),
            ("source", Text),
        ],
    },
    StateTable {
        name: "sign_in_failure",
        columns: &[
            ("username", Text),
            ("source", Text),
            ("failures", Int),
            ("locked_until_us", Int),
            ("last_us", Int),
        ],
    },
    StateTable {
        name: "password_reset",
        columns: &[
            ("username", Text),
            ("code_hash", Text),
            ("issued_by", Text),
            ("issued_us", Int),
            ("expires_us", Int),
        ],
    },
    StateTable {
        name: "person_key",
        columns: &[
            ("person_id", Text),
            ("wrapped", Text),
            ("kek_id", Text),
            ("created_us", Int),
            ("erased_us", Int),
        ],
    },
    StateTable {
        name: "key_registry",
        columns: &[("name", Text), ("value", Text), ("changed_us", Int)],
    },
    StateTable {
        name: "checkpoint_cosignature",
        columns: &[
            ("tree_size", Int),
            ("witness", Text),
            ("line", Text),
            ("created_us", Int),
        ],
    },
];

/// Ledger rows of a range of sequence numbers.
static SCAN_RANGE_SQL: LazyLock<String> =
    LazyLock::new(|| select_entries("WHERE seq > $1 AND seq <= $2 ORDER BY seq"));
/// Checkpoint rows of a range of tree sizes.
static CHECKPOINT_RANGE_SQL: LazyLock<String> = LazyLock::new(|| {
    select_checkpoints("WHERE tree_size > $1 AND tree_size <= $2 ORDER BY tree_size")
});

/// Rows per multi-row INSERT of a state table.
const STATE_ROWS_PER_STATEMENT: usize = 200;

/// `SELECT <columns> FROM <table>` of each state table, built once.
fn select_sql(table: &StateTable) -> &'static str {
    static SQL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let all = SQL.get_or_init(|| {
        STATE_TABLES
            .iter()
            .map(|t| {
                let cols: Vec<&str> = t.columns.iter().map(|(c, _)| *c).collect();
                format!("SELECT {} FROM {}", cols.join(", "), t.name)
            })
            .collect()
    });
    let i = STATE_TABLES
        .iter()
        .position(|t| t.name == table.name)
        .unwrap_or(0);
    all[i].as_str()
}

/// The state table called `name`.
pub fn state_table(name: &str) -> Option<&'static StateTable> {
    STATE_TABLES.iter().find(|t| t.name == name)
}

impl Store {
    /// Ledger rows with `after < seq <= upto`, in sequence order, one
    /// statement (one consistent snapshot).
    pub fn scan_range(
        &self,
        after: u64,
        upto: u64,
    ) -> BoxStream<'_, Result<StoredRow, StoreError>> {
        stored_rows(
            sqlx::query(&SCAN_RANGE_SQL)
                .bind(i64_of(after))
                .bind(i64_of(upto))
                .fetch(&self.pool),
        )
    }

    /// Checkpoint rows with `after < tree_size <= upto`, in order.
    pub fn scan_checkpoint_rows(
        &self,
        after: u64,
        upto: u64,
    ) -> BoxStream<'_, Result<CheckpointRow, StoreError>> {
        sqlx::query(&CHECKPOINT_RANGE_SQL)
            .bind(i64_of(after))
            .bind(i64_of(upto))
            .fetch(&self.pool)
            .map(|r| CheckpointRow::from_row(&r?))
            .boxed()
    }

    /// True when nothing is installed here: no installation row, no entry,
    /// no checkpoint (the only target a restore writes into).
    pub async fn is_empty_target(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM installation) + (SELECT COUNT(*) FROM ledger_entry) \
             + (SELECT COUNT(*) FROM ledger_checkpoint)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n == 0)
    }

    /// Writes ledger rows and checkpoint rows exactly as given, in one
    /// transaction. Rows must continue the stored ledger without a gap.
    pub async fn import_ledger(
        &self,
        rows: &[StoredRow],
        checkpoints: &[CheckpointRow],
    ) -> Result<(), StoreError> {
        let _serial = self.append_lock.lock().await;
        let mut tx = engine::begin_write(&self.pool, self.engine).await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM ledger_entry")
            .fetch_one(&mut *tx)
            .await?;
        for (expected, r) in (last.unwrap_or(0) + 1..).zip(rows) {
            if r.seq != expected {
                return Err(StoreError::Inconsistent(format!(
                    "imported entry {} where entry {expected} was expected",
                    r.seq
                )));
            }
        }
        for chunk in rows.chunks(500) {
            let sql = insert_entries_sql(self.engine, chunk.len());
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = q
                    .bind(r.seq)
                    .bind(r.time_us)
                    .bind(r.agency.as_str())
                    .bind(r.stream.as_str())
                    .bind(r.kind.as_str())
                    .bind(r.subject.as_str())
                    .bind(r.application.as_deref())
                    .bind(r.actors.as_str())
                    .bind(r.payload.as_str())
                    .bind(r.leaf_hash.clone());
            }
            q.execute(&mut *tx).await?;
        }
        for c in checkpoints {
            sqlx::query(
                "INSERT INTO ledger_checkpoint (tree_size, time_us, origin, root, frontier, profile, key_id, signature) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(c.tree_size)
            .bind(c.time_us)
            .bind(c.origin.as_str())
            .bind(c.root.clone())
            .bind(c.frontier.clone())
            .bind(c.profile.as_str())
            .bind(c.key_id.as_str())
            .bind(c.signature.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// After the last [`Store::import_ledger`]: the stored tree state and
    /// every projection rebuilt from the imported rows. Returns the number
    /// of entries replayed.
    pub async fn finish_import(&self) -> Result<u64, StoreError> {
        self.catch_up_tree().await?;
        self.rebuild_projections(5000).await
    }

    /// Every row of a state table, columns in [`StateTable::columns`] order
    /// (`null`, a string or an integer each), one statement.
    pub fn scan_state(
        &self,
        table: &'static StateTable,
    ) -> BoxStream<'_, Result<Vec<Value>, StoreError>> {
        sqlx::query(select_sql(table))
            .fetch(&self.pool)
            .map(move |r| {
                let r = r?;
                let mut out = Vec::with_capacity(table.columns.len());
                for (i, (column, kind)) in table.columns.iter().enumerate() {
                    let corrupt = |problem| StoreError::CorruptColumn {
                        table: table.name,
                        column: column.to_string(),
                        problem,
                    };
                    out.push(match kind {
                        Text => r
                            .text_at(i)
                            .map_err(corrupt)?
                            .map_or(Value::Null, Value::String),
                        Int => r
                            .int_at(i)
                            .map_err(corrupt)?
                            .map_or(Value::Null, Value::from),
                    });
                }
                Ok(out)
            })
            .boxed()
    }

    /// Inserts rows of a state table (as [`Store::scan_state`] gives them) in
    /// one transaction. A row of the wrong shape is refused, naming the
    /// table and the column.
    pub async fn load_state(
        &self,
        table: &StateTable,
        rows: &[Vec<Value>],
    ) -> Result<(), StoreError> {
        for (n, row) in rows.iter().enumerate() {
            if row.len() != table.columns.len() {
                return Err(StoreError::Inconsistent(format!(
                    "{} row {n}: {} values for {} columns",
                    table.name,
                    row.len(),
                    table.columns.len()
                )));
            }
            for ((col, kind), v) in table.columns.iter().zip(row) {
                let fits = match (kind, v) {
                    (_, Value::Null) => true,
                    (Text, Value::String(_)) => true,
                    (Int, Value::Number(n)) => n.is_i64(),
                    _ => false,
                };
                if !fits {
                    return Err(StoreError::Inconsistent(format!(
                        "{} row {n}: column {col} has a value of the wrong type",
                        table.name
                    )));
                }
            }
        }
        let cols: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let mut tx = engine::begin_write(&self.pool, self.engine).await?;
        for chunk in rows.chunks(STATE_ROWS_PER_STATEMENT) {
            let mut sql = format!("INSERT INTO {} ({}) VALUES ", table.name, cols.join(", "));
            let mut p = 1;
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for j in 0..cols.len() {
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${p}"));
                    p += 1;
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for row in chunk {
                for ((_, kind), v) in table.columns.iter().zip(row) {
                    q = match kind {
                        Text => q.bind(v.as_str().map(str::to_owned)),
                        Int => q.bind(v.as_i64()),
                    };
                }
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Whether PostgreSQL schema `schema` exists at `url` (a restore removes a
/// schema after a failure only if it created it).
pub async fn pg_schema_exists(url: &str, schema: &str) -> Result<bool, StoreError> {
    use sqlx::Connection as _;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = $1",
    )
    .bind(schema)
    .fetch_one(&mut conn)
    .await?;
    let _ = conn.close().await;
    Ok(n > 0)
}
