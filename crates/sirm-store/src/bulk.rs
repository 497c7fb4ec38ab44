//! Bulk reads of the whole ledger on SQLite, for full verification.
//!
//! sqlx's SQLite driver hands every row from its worker thread to the caller
//! through a channel, as `sqlite3_value_dup` copies of each column that the
//! caller later frees; with ten columns per row that is twenty trips through
//! SQLite's global allocator mutex, contended by two threads, and a cross-thread
//! wake-up every few rows. Full verification spent most of its time there.
//!
//! This path opens its own connection to the same database file (same flags
//! and pragmas as the pool's), steps one `SELECT … ORDER BY seq` on a blocking
//! thread — one statement, so one consistent snapshot, as before — copies the
//! columns straight into [`StoredRow`]s and sends them in batches through a
//! bounded channel. Reading and verifying thus overlap on two cores.
//!
//! Rows are decoded by the same mapping as through the pool (`rows.rs`):
//! column types are checked exactly as the `Any` driver checks them (an
//! integer where an integer is expected, text (valid UTF-8) for text, a blob
//! for the leaf hash, NULL only for `application`), and a mismatch is the
//! same `StoreError::CorruptColumn` the other path yields.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use futures::stream::{self, BoxStream};
use futures::StreamExt;
use rusqlite::{Connection, OpenFlags};
use sqlx::sqlite::SqliteConnectOptions;
use tokio::sync::mpsc;

use crate::engine::SQLITE_PRAGMAS;
use crate::ledger_rows::{select_entries, StoredRow};
use crate::rows::TableRow as _;
use crate::StoreError;

/// Rows per message on the channel.
const BATCH_ROWS: usize = 2048;
/// Batches in flight between the reading thread and the consumer.
const BATCHES_IN_FLIGHT: usize = 4;

/// Idle connections kept for [`SqliteBulk::read`].
const IDLE_READERS: usize = 16;

/// Where and how to open the SQLite file for bulk reads.
#[derive(Clone, Debug)]
pub(crate) struct SqliteBulk {
    path: PathBuf,
    read_only: bool,
    /// Connections of [`SqliteBulk::read`], reused.
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl SqliteBulk {
    /// `None` when the database is not a plain file this path can open the
    /// same way sqlx does (in-memory, immutable, custom VFS): the caller then
    /// keeps using the pool.
    pub(crate) fn for_url(url: &str) -> Option<SqliteBulk> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let (database, params) = match rest.split_once('?') {
            Some((d, p)) => (d, p),
            None => (rest, ""),
        };
        if database == ":memory:" || database.is_empty() {
            return None;
        }
        let mut read_only = false;
        for pair in params.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match (key, value) {
                ("mode", "ro") => read_only = true,
                ("mode", "rw" | "rwc") | ("cache", _) => {}
                _ => return None,
            }
        }
        // sqlx's own parsing decides the file name (percent-decoding etc.).
        let opts = SqliteConnectOptions::from_str(url).ok()?;
        Some(SqliteBulk {
            path: opts.get_filename().to_path_buf(),
            read_only,
            idle: Arc::default(),
        })
    }

    /// Run a few reads of many rows (a person's contributions) on one of
    /// these connections on a blocking thread: one hand-off between threads
    /// for the whole answer instead of one per row through sqlx's worker
    /// (see the module documentation). Each statement is its own snapshot,
    /// as through the pool.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let source = self.clone();
        tokio::task::spawn_blocking(move || {
            let idle = source.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let conn = match idle {
                Some(c) => c,
                None => source.open()?,
            };
            let out = f(&conn);
            let mut idle = source.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < IDLE_READERS {
                idle.push(conn);
            }
            out
        })
        .await
        .map_err(|e| StoreError::Inconsistent(format!("a database reader thread failed: {e}")))?
    }

    /// Every ledger row in sequence order; see the module documentation.
    pub(crate) fn scan(&self) -> BoxStream<'static, Result<StoredRow, StoreError>> {
        let source = self.clone();
        // Start the reader on first poll (inside the caller's runtime).
        stream::once(async move { source.start() })
            .flat_map(|rx| {
                stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) })
            })
            .flat_map(stream::iter)
            .boxed()
    }

    fn start(self) -> mpsc::Receiver<Vec<Result<StoredRow, StoreError>>> {
        let (tx, rx) = mpsc::channel(BATCHES_IN_FLIGHT);
        tokio::task::spawn_blocking(move || {
            if let Err(e) = self.read_all(&tx) {
                // The receiver may be gone (scan dropped): nothing to tell.
                let _ = tx.blocking_send(vec![Err(e)]);
            }
        });
        rx
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let access = if self.read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            // Never create: the file exists once the pool has opened it.
            OpenFlags::SQLITE_OPEN_READ_WRITE
        };
        let conn =
            Connection::open_with_flags(&self.path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.execute_batch(SQLITE_PRAGMAS)?;
        Ok(conn)
    }

    /// Read every row, sending full batches as they fill. Stops quietly when
    /// the receiver has gone away.
    fn read_all(
        &self,
        tx: &mpsc::Sender<Vec<Result<StoredRow, StoreError>>>,
    ) -> Result<(), StoreError> {
        let conn = self.open()?;
        let mut stmt = conn.prepare(&select_entries("ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        while let Some(row) = rows.next()? {
            let stored = StoredRow::from_row(row);
            let failed = stored.is_err();
            batch.push(stored);
            if failed {
                // Like the sqlx stream: the error is the last item.
                break;
            }
            if batch.len() == BATCH_ROWS {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                if tx.blocking_send(full).is_err() {
                    return Ok(());
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{Role, Store, StoreConfig};
    use futures::TryStreamExt;
    use sirm_ledger::{CryptoProfile, EntryDraft, Stream};

    fn draft(i: usize) -> EntryDraft {
        EntryDraft {
            time: chrono::Utc::now(),
            agency: "110105".into(),
            stream: Stream::Business,
            kind: "test.note".into(),
            subject: format!("note:{i}"),
            application: (i % 3 == 1).then(|| format!("app-{i}")),
            actors: vec!["clerk".into(), "测试".into()],
            payload: serde_json::json!({ "n": i, "text": "北京市朝阳区" }),
        }
    }

    async fn store_with(entries: usize) -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let cfg = StoreConfig::sqlite_file(&dir.path().join("t.db"));
        let owner = Store::connect(&cfg, Role::Owner).await.unwrap();
        owner.migrate().await.unwrap();
        owner.close().await;
        let store = Store::connect(&cfg, Role::App).await.unwrap();
        assert!(store.bulk.is_some());
        let key = CryptoProfile::default().generate_signing_key();
        for start in (0..entries).step_by(2000) {
            let drafts = (start..(start + 2000).min(entries)).map(draft).collect();
            store.append(drafts, &key, "sirm:test").await.unwrap();
        }
        (store, dir)
    }

    /// Every SQLite connection zeroes what it frees: the pool's (several at
    /// once, so not just the first) and the bulk reader's.
    #[tokio::test]
    async fn every_connection_has_secure_delete_on() {
        let (store, _dir) = store_with(0).await;
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut conn = store.pool.acquire().await.unwrap();
            let on: i64 = sqlx::query_scalar("PRAGMA secure_delete")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            assert_eq!(on, 1);
            held.push(conn);
        }
        let bulk = store.bulk.as_ref().unwrap().open().unwrap();
        let on: i64 = bulk
            .query_row("PRAGMA secure_delete", [], |r| r.get(0))
            .unwrap();
        assert_eq!(on, 1);
        // A connection without the pragmas reads 0 (the default): the
        // check above is not vacuous.
        let raw = Connection::open(&store.bulk.as_ref().unwrap().path).unwrap();
        let off: i64 = raw
            .query_row("PRAGMA secure_delete", [], |r| r.get(0))
            .unwrap();
        assert_eq!(off, 0);
    }

    /// Rows as `Debug` text, or the position of the first error.
    async fn collect(store: &Store) -> (Vec<String>, Option<usize>) {
        let mut rows = store.scan();
        let mut out = Vec::new();
        while let Some(r) = rows.next().await {
            match r {
                Ok(row) => out.push(format!("{row:?}")),
                Err(_) => {
                    let at = out.len();
                    return (out, Some(at));
                }
            }
        }
        (out, None)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bulk_scan_reads_what_the_pool_reads() {
        // More than one batch, and a partial last one.
        let n = BATCH_ROWS * 2 + 17;
        let (store, _dir) = store_with(n).await;
        let (bulk, bulk_err) = collect(&store).await;
        let (pool, pool_err) = collect(&store.without_bulk()).await;
        assert_eq!(bulk.len(), n);
        assert_eq!((bulk_err, pool_err), (None, None));
        assert!(bulk == pool, "bulk and pool scans differ");
        // Dropping a scan half-way stops the reader; the store goes on.
        let first: Vec<_> = store.scan().take(3).try_collect().await.unwrap();
        assert_eq!(first.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(collect(&store).await.0.len(), n);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mistyped_columns_fail_like_the_pool() {
        let (store, _dir) = store_with(10).await;
        store
            .execute_raw("DROP TRIGGER ledger_entry_no_update")
            .await
            .unwrap();
        for (sql, seq) in [
            ("UPDATE ledger_entry SET payload = X'7B7D' WHERE seq = 9", 9),
            ("UPDATE ledger_entry SET leaf_hash = 'x' WHERE seq = 7", 7),
            ("UPDATE ledger_entry SET time_us = 'soon' WHERE seq = 5", 5),
            (
                "UPDATE ledger_entry SET agency = CAST(X'FF' AS TEXT) WHERE seq = 3",
                3,
            ),
        ] {
            store.execute_raw(sql).await.unwrap();
            let (bulk, bulk_err) = collect(&store).await;
            let (pool, pool_err) = collect(&store.without_bulk()).await;
            assert_eq!(bulk_err, Some(seq - 1), "{sql}");
            assert_eq!(pool_err, Some(seq - 1), "{sql}");
            assert!(bulk == pool, "{sql}");
        }
        // NULL is fine in `application` only.
        store
            .execute_raw("UPDATE ledger_entry SET application = NULL WHERE seq = 1")
            .await
            .unwrap();
        assert_eq!(collect(&store).await.1, Some(2));
    }

    #[test]
    fn which_urls_use_the_bulk_path() {
        let b = SqliteBulk::for_url("sqlite:///tmp/x.db?mode=rw");
        assert!(
            matches!(&b, Some(b) if !b.read_only && b.path == std::path::Path::new("/tmp/x.db"))
        );
        let b = SqliteBulk::for_url("sqlite://rel/y.db?mode=ro");
        assert!(matches!(&b, Some(b) if b.read_only && b.path == std::path::Path::new("rel/y.db")));
        assert!(SqliteBulk::for_url("sqlite::memory:").is_none());
        assert!(SqliteBulk::for_url("sqlite://x.db?mode=memory").is_none());
        assert!(SqliteBulk::for_url("sqlite://x.db?immutable=1").is_none());
        assert!(SqliteBulk::for_url("postgres://u@h/db").is_none());
    }
}
