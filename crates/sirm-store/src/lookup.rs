//! Ledger look-ups for decisions that must not rest on a projection row: a
//! certificate's revocation, a payment run's amounts. Each reads
//! `ledger_entry` itself through one of its indexes — `(subject, seq)` or
//! `(stream, kind, seq)`, maintained by the database for every row — so an
//! edit of a projection table can neither hide an entry from them nor add
//! one. The rows come back undecoded with their stored leaf hash: the
//! caller decodes them and checks them against the signed tree.

use crate::ledger_rows::{i64_of, ENTRY_COLUMNS};
use crate::rows::TableRow as _;
use crate::{Store, StoreError, StoredRow};

/// Sequence numbers per `IN (…)` list.
const SEQS_PER_STATEMENT: usize = 500;

impl Store {
    /// Entries of `kind` about `subject` after `after_seq`, in ledger order
    /// (through the `(subject, seq)` index).
    pub async fn subject_entries_of_kind(
        &self,
        subject: &str,
        kind: &str,
        after_seq: u64,
    ) -> Result<Vec<StoredRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entry WHERE subject = $1 AND seq > $2 AND kind = $3 \
             ORDER BY seq"
        ))
        .bind(subject)
        .bind(i64_of(after_seq))
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        StoredRow::from_rows(&rows)
    }

    /// Entries of any of `kinds` about `subject`, in ledger order: one
    /// statement for a few rare kinds (a person's corrections).
    pub async fn subject_entries_of_kinds(
        &self,
        subject: &str,
        kinds: &[&str],
    ) -> Result<Vec<StoredRow>, StoreError> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (2..kinds.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entry WHERE subject = $1 AND kind IN ({}) ORDER BY seq",
            list.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(subject);
        for k in kinds {
            q = q.bind(*k);
        }
        let rows = q.fetch_all(&self.pool).await?;
        StoredRow::from_rows(&rows)
    }

    /// Every entry of `kind` in `stream`, in ledger order (through the
    /// `(stream, kind, seq)` index).
    pub async fn entries_of_kind(
        &self,
        stream: &str,
        kind: &str,
    ) -> Result<Vec<StoredRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entry WHERE stream = $1 AND kind = $2 ORDER BY seq"
        ))
        .bind(stream)
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        StoredRow::from_rows(&rows)
    }

    /// The entries with these sequence numbers (those that exist), in
    /// ledger order.
    pub async fn entries_by_seq(&self, seqs: &[u64]) -> Result<Vec<StoredRow>, StoreError> {
        let mut out = Vec::with_capacity(seqs.len());
        for chunk in seqs.chunks(SEQS_PER_STATEMENT) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {ENTRY_COLUMNS} FROM ledger_entry WHERE seq IN ({}) ORDER BY seq",
                list.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for s in chunk {
                q = q.bind(i64_of(*s));
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push(StoredRow::from_row(&r)?);
            }
        }
        out.sort_by_key(|r| r.seq);
        Ok(out)
    }
}
