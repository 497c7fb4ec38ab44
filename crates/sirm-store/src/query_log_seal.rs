//! The query log made verifiable in batches: the digest of every row in a
//! time range, in one total order, so a `querylog.sealed` ledger event can
//! fix a range and `sirm verify` can recompute it (a row changed, deleted
//! or slipped in behind SIRM's back changes the digest).

use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Store, StoreError};

/// Rows and SHA-256 (hex) of the query log in `[from_us, to_us)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryLogDigest {
    pub rows: u64,
    pub sha256: String,
}

impl Store {
    /// The digest of the query log rows with `from_us <= time_us < to_us`:
    /// SHA-256 over one line per row (its eight columns, each
    /// length-prefixed), the rows ordered by every column. Streams.
    pub async fn query_log_digest(
        &self,
        from_us: i64,
        to_us: i64,
    ) -> Result<QueryLogDigest, StoreError> {
        let mut rows = sqlx::query(
            "SELECT time_us, channel, requester_kind, requester, subject, items, basis, source \
             FROM query_log WHERE time_us >= $1 AND time_us < $2 \
             ORDER BY time_us, channel, requester_kind, requester, subject, items, basis, source",
        )
        .bind(from_us)
        .bind(to_us)
        .fetch(&self.pool);
        let mut h = Sha256::new();
        let mut n = 0u64;
        while let Some(r) = rows.try_next().await? {
            let t: i64 = r.try_get(0)?;
            h.update(t.to_be_bytes());
            for i in 1..8 {
                let s: String = r.try_get(i)?;
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
            n += 1;
        }
        Ok(QueryLogDigest {
            rows: n,
            sha256: hex::encode(h.finalize()),
        })
    }
}
