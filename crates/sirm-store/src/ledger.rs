//! Reads of the ledger: checkpoints, leaf hashes, entries, the full scan.

use std::sync::LazyLock;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use sirm_ledger::{Digest, Entry, SignedCheckpoint};

use crate::ledger_rows::{digest_of, entry_of, i64_of, select_checkpoints, select_entries};
use crate::rows::TableRow as _;
use crate::{CheckpointRow, Store, StoreError, StoredRow};

/// Every ledger row, in order.
static SCAN_SQL: LazyLock<String> = LazyLock::new(|| select_entries("ORDER BY seq"));

impl Store {
    /// The latest signed checkpoint, if anything was ever appended.
    pub async fn head(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        let row = sqlx::query(&select_checkpoints("ORDER BY tree_size DESC LIMIT 1"))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| CheckpointRow::from_row(&r)?.signed().map(|(cp, _)| cp))
            .transpose()
    }

    /// The signed checkpoint of exactly `tree_size` entries with its
    /// frontier, if an append ended there (every append ends with one).
    pub async fn checkpoint_at(
        &self,
        tree_size: u64,
    ) -> Result<Option<(SignedCheckpoint, sirm_ledger::merkle::Frontier)>, StoreError> {
        let row = sqlx::query(&select_checkpoints("WHERE tree_size = $1"))
            .bind(i64_of(tree_size))
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let (cp, bytes) = CheckpointRow::from_row(&row)?.signed()?;
        let frontier = sirm_ledger::merkle::Frontier::from_bytes(tree_size, &bytes)
            .map_err(|e| StoreError::Corrupt(format!("checkpoint {tree_size} frontier: {e}")))?;
        Ok(Some((cp, frontier)))
    }

    /// Every stored checkpoint, smallest tree first.
    pub async fn checkpoints(&self) -> Result<Vec<SignedCheckpoint>, StoreError> {
        let rows = sqlx::query(&select_checkpoints("ORDER BY tree_size"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| CheckpointRow::from_row(r)?.signed().map(|(cp, _)| cp))
            .collect()
    }

    /// Leaf hashes of entries 1..=upto, in order: a scan of the ledger.
    /// Proofs read stored tree state instead ([`Store::inclusion_proof`],
    /// [`Store::consistency_proof`]); this is the reference they are tested
    /// and benchmarked against.
    pub async fn leaf_hashes(&self, upto: u64) -> Result<Vec<Digest>, StoreError> {
        let mut out = Vec::with_capacity(usize::try_from(upto).unwrap_or(0));
        let mut rows = sqlx::query_scalar::<_, Vec<u8>>(
            "SELECT leaf_hash FROM ledger_entry WHERE seq <= $1 ORDER BY seq",
        )
        .bind(i64_of(upto))
        .fetch(&self.pool);
        while let Some(bytes) = rows.try_next().await? {
            let n = out.len() + 1;
            out.push(digest_of(&bytes, &format!("entry {n} leaf hash"))?);
        }
        if out.len() as u64 != upto {
            return Err(StoreError::Inconsistent(format!(
                "expected {upto} entries, found {}",
                out.len()
            )));
        }
        Ok(out)
    }

    /// One entry by sequence number.
    pub async fn entry(&self, seq: u64) -> Result<Option<Entry>, StoreError> {
        let row = sqlx::query(&select_entries("WHERE seq = $1"))
            .bind(i64_of(seq))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(entry_of).transpose()
    }

    /// Entries about one subject, in ledger order.
    pub async fn entries_for_subject(&self, subject: &str) -> Result<Vec<Entry>, StoreError> {
        let rows = sqlx::query(&select_entries("WHERE subject = $1 ORDER BY seq"))
            .bind(subject)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_of).collect()
    }

    /// Every ledger row in sequence order, undecoded (for verification).
    /// One statement, so one consistent snapshot. On a SQLite file the rows
    /// are read on a blocking thread by a dedicated connection (see
    /// `bulk.rs`), overlapping with whatever the caller does with them.
    pub fn scan(&self) -> BoxStream<'_, Result<StoredRow, StoreError>> {
        if let Some(bulk) = &self.bulk {
            return bulk.scan();
        }
        stored_rows(sqlx::query(&SCAN_SQL).fetch(&self.pool))
    }
}

/// A stream of ledger rows from the pool, each decoded by its mapping.
pub(crate) fn stored_rows<'a>(
    rows: BoxStream<'a, Result<sqlx::any::AnyRow, sqlx::Error>>,
) -> BoxStream<'a, Result<StoredRow, StoreError>> {
    rows.map(|r| StoredRow::from_row(&r?)).boxed()
}
