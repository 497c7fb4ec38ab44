//! The projection state as a whole: rebuilt from the ledger, and digested.

use futures::TryStreamExt as _;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::tables::{Col, Table, TABLES};
use crate::engine;
use crate::ledger_rows::select_entries;
use crate::rows::{RawRow as _, TableRow as _};
use crate::{Store, StoreError, StoredRow};

/// Digest of the whole projection state, with row counts per table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectionDigest {
    pub digest: String,
    pub rows: Vec<(String, u64)>,
}

impl Store {
    /// Empty every projection and refill it from the ledger, in one
    /// transaction (all or nothing), reading `batch` entries at a time.
    /// Returns the number of entries replayed.
    pub async fn rebuild_projections(&self, batch: usize) -> Result<u64, StoreError> {
        let _serial = self.append_lock.lock().await;
        let mut tx = engine::begin_write(&self.pool, self.engine).await?;
        for table in TABLES {
            sqlx::query(&format!("DELETE FROM {}", table.name))
                .execute(&mut *tx)
                .await?;
        }
        let mut after: i64 = 0;
        let mut replayed = 0u64;
        loop {
            let rows = sqlx::query(&select_entries("WHERE seq > $1 ORDER BY seq LIMIT $2"))
                .bind(after)
                .bind(i64::try_from(batch.max(1)).unwrap_or(1000))
                .fetch_all(&mut *tx)
                .await?;
            if rows.is_empty() {
                break;
            }
            let mut entries = Vec::with_capacity(rows.len());
            for r in &rows {
                let stored = StoredRow::from_row(r)?;
                after = stored.seq;
                let (entry, _) = stored.decode().map_err(StoreError::Corrupt)?;
                entries.push(entry);
            }
            super::apply_all(&mut tx, self.engine, &entries).await?;
            replayed += entries.len() as u64;
        }
        tx.commit().await?;
        Ok(replayed)
    }

    /// SHA-256 over every projection row in key order: equal digests mean
    /// equal projection states.
    pub async fn projection_digest(&self) -> Result<ProjectionDigest, StoreError> {
        let mut hasher = Sha256::new();
        let mut rows_per_table = Vec::new();
        for Table {
            name: table,
            columns: cols,
            key,
        } in TABLES
        {
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            let sql = format!("SELECT {} FROM {table} ORDER BY {key}", names.join(", "));
            let mut rows = sqlx::query(&sql).fetch(&self.pool);
            let mut n = 0u64;
            hasher.update(table.as_bytes());
            hasher.update([0u8]);
            while let Some(r) = rows.try_next().await? {
                let mut values = Vec::with_capacity(cols.len());
                for (i, (column, col)) in cols.iter().enumerate() {
                    let corrupt = |problem| StoreError::CorruptColumn {
                        table,
                        column: column.to_string(),
                        problem,
                    };
                    let v = match col {
                        Col::Text => serde_json::to_value(r.text_at(i).map_err(corrupt)?),
                        Col::Int => serde_json::to_value(r.int_at(i).map_err(corrupt)?),
                    }
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    values.push(v);
                }
                let line = serde_json::to_string(&values)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                hasher.update(line.as_bytes());
                hasher.update(b"\n");
                n += 1;
            }
            rows_per_table.push((table.to_string(), n));
        }
        Ok(ProjectionDigest {
            digest: hex::encode(hasher.finalize()),
            rows: rows_per_table,
        })
    }
}
