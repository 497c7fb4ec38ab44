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
    /// each row hashed (its eight columns, each length-prefixed), the row
    /// hashes taken in `time_us` order and, within one `time_us`, in byte
    /// order of the hashes — so the digest does not depend on an engine's
    /// text collation (a copy in the other engine gives the same digest).
    /// Streams; only the rows of one microsecond are held at a time.
    pub async fn query_log_digest(
        &self,
        from_us: i64,
        to_us: i64,
    ) -> Result<QueryLogDigest, StoreError> {
        let mut rows = sqlx::query(
            "SELECT time_us, channel, requester_kind, requester, subject, items, basis, source \
             FROM query_log WHERE time_us >= $1 AND time_us < $2 ORDER BY time_us",
        )
        .bind(from_us)
        .bind(to_us)
        .fetch(&self.pool);
        let mut h = Sha256::new();
        let mut n = 0u64;
        let mut group: Vec<[u8; 32]> = Vec::new();
        let mut group_time = None;
        let flush = |h: &mut Sha256, group: &mut Vec<[u8; 32]>| {
            group.sort_unstable();
            for g in group.drain(..) {
                h.update(g);
            }
        };
        while let Some(r) = rows.try_next().await? {
            let t: i64 = r.try_get(0)?;
            if group_time != Some(t) {
                flush(&mut h, &mut group);
                group_time = Some(t);
            }
            let mut row = Sha256::new();
            row.update(t.to_be_bytes());
            for i in 1..8 {
                let s: String = r.try_get(i)?;
                row.update((s.len() as u64).to_be_bytes());
                row.update(s.as_bytes());
            }
            group.push(row.finalize().into());
            n += 1;
        }
        flush(&mut h, &mut group);
        Ok(QueryLogDigest {
            rows: n,
            sha256: hex::encode(h.finalize()),
        })
    }
}
