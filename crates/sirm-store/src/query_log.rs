//! Group commit of the query log. Every query of a rights record writes one
//! `query_log` row before it is answered; written one transaction each, the
//! commits (an fsync each with SQLite's `synchronous=FULL`) serialise every
//! query behind the disk. Here concurrent callers hand their row to one
//! writer task, which inserts whatever is waiting in one transaction and
//! then tells each caller its row is committed. A caller still waits for
//! its own row's commit, so no query is ever answered unlogged, and a crash
//! loses nothing that was answered; only the number of commits shrinks.

use std::sync::{Arc, Mutex};

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use crate::{Engine, QueryLogRow, Store, StoreError};

/// Rows one transaction takes at most.
const MAX_BATCH: usize = 512;
/// Rows per INSERT statement (8 parameters each).
const ROWS_PER_INSERT: usize = 64;

type Reply = oneshot::Sender<Result<(), String>>;

/// The writer of a store (shared by its clones), started on first use.
#[derive(Default)]
pub(crate) struct QueryLogWriter {
    tx: Mutex<Option<mpsc::UnboundedSender<(QueryLogRow, Reply)>>>,
}

impl QueryLogWriter {
    /// The running writer's queue, starting a writer if none runs (the first
    /// query, or the runtime that ran the last one has ended).
    fn queue(&self, pool: &AnyPool, engine: Engine) -> mpsc::UnboundedSender<(QueryLogRow, Reply)> {
        let mut slot = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(tx) if !tx.is_closed() => tx.clone(),
            _ => {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(write_batches(pool.clone(), engine, rx));
                *slot = Some(tx.clone());
                tx
            }
        }
    }
}

async fn write_batches(
    pool: AnyPool,
    engine: Engine,
    mut rx: mpsc::UnboundedReceiver<(QueryLogRow, Reply)>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let rows: Vec<&QueryLogRow> = batch.iter().map(|(row, _)| row).collect();
        let result = insert(&pool, engine, &rows)
            .await
            .map_err(|e| e.to_string());
        for (_, reply) in batch.drain(..) {
            // A caller that went away (request cancelled) needs no answer;
            // its row is written all the same.
            let _ = reply.send(result.clone());
        }
    }
}

/// Insert rows in one transaction.
async fn insert(pool: &AnyPool, engine: Engine, rows: &[&QueryLogRow]) -> Result<(), sqlx::Error> {
    let mut tx = crate::engine::begin_write(pool, engine).await?;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO query_log (time_us, channel, requester_kind, requester, subject, items, basis, source) VALUES ",
        );
        for i in 0..chunk.len() {
            let p = i * 8;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7,
                p + 8
            ));
        }
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(r.time_us)
                .bind(r.channel.as_str())
                .bind(r.requester_kind.as_str())
                .bind(r.requester.as_str())
                .bind(r.subject.as_str())
                .bind(r.items.as_str())
                .bind(r.basis.as_str())
                .bind(r.source.as_str());
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await
}

impl Store {
    /// Record a query (append-only table). Returns once the row is
    /// committed, together with the rows of concurrent queries.
    pub async fn log_query(&self, q: &QueryLogRow) -> Result<(), StoreError> {
        let (reply, committed) = oneshot::channel();
        if self
            .query_log
            .queue(&self.pool, self.engine)
            .send((q.clone(), reply))
            .is_ok()
        {
            match committed.await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(message)) => return Err(StoreError::QueryLog(message)),
                // The writer ended before answering (its runtime shut down):
                // write the row here (should its transaction have committed
                // just before, the query is logged twice, never not at all).
                Err(_) => {}
            }
        }
        insert(&self.pool, self.engine, &[q]).await?;
        Ok(())
    }
}

/// Shared handle kept in [`Store`].
pub(crate) type SharedQueryLogWriter = Arc<QueryLogWriter>;
