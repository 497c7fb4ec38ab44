//! Read replicas (只读副本): PostgreSQL streaming standbys that serve
//! read-only work (record queries, statistics reports) so that reads scale
//! out while every write — the ledger, the query log — goes to the primary.
//!
//! A replica is used for a read when
//! - it answers and is a standby (`pg_is_in_recovery()`; a promoted one has
//!   left the primary's history and is never read),
//! - its replay lag is within the bound (`replica_max_lag_seconds`): zero
//!   when it has replayed up to the primary's WAL position seen at the same
//!   check, else the age of the last transaction it replayed
//!   (`pg_last_xact_replay_timestamp()`),
//! - and it has replayed the caller's own latest write (read-your-own-write:
//!   after an append the primary's WAL position is noted for each actor;
//!   until a replica's replay position passes it, that caller reads the
//!   primary).
//!
//! Otherwise the read goes to the primary. The state is checked at most once
//! a second, by the read that finds it stale (others meanwhile use the last
//! state); a replica that cannot be reached is retried at each check.
//! Replica connections act as the installation's runtime role with
//! `default_transaction_read_only` on.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::engine::{Engine, Role, StoreConfig};
use crate::{Store, StoreError};

/// How often the replicas' state is checked (at most).
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// A replica that takes longer than this to connect or answer the check is
/// not used until the next check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// What `/readyz` says of one replica: never its URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReplicaStatus {
    /// Position in `replica_urls`, from 1.
    pub replica: usize,
    /// It answered the last check.
    pub reachable: bool,
    /// It is a standby in recovery (streaming from the primary).
    pub standby: bool,
    /// Replay lag in seconds at the last check (`None`: unknown).
    pub lag_seconds: Option<f64>,
    /// WAL bytes the primary had written that it had not replayed.
    pub lag_bytes: Option<u64>,
    /// Reads are sent to it (reachable, a standby, lag within the bound).
    pub in_use: bool,
    /// Reads it served since this process started (for tests and
    /// benchmarks; `/readyz` does not show it).
    pub reads: u64,
}

struct Replica {
    cfg: StoreConfig,
    /// Connected lazily (at the first check) and again after a failure.
    store: Mutex<Option<Store>>,
    state: Mutex<State>,
    reads: AtomicU64,
}

#[derive(Clone, Default)]
struct State {
    reachable: bool,
    standby: bool,
    lag_ms: Option<u64>,
    lag_bytes: Option<u64>,
    replay_lsn: u64,
    in_use: bool,
}

/// The replicas of one primary.
pub(crate) struct ReplicaSet {
    replicas: Vec<Replica>,
    max_lag: Duration,
    next: AtomicUsize,
    /// The primary's WAL position after each caller's newest write.
    writes: Mutex<HashMap<String, u64>>,
    /// When the state was last checked; held while checking.
    checked: tokio::sync::Mutex<Option<Instant>>,
}

/// `16/B374D848` → a number that orders like the position.
pub(crate) fn parse_lsn(s: &str) -> Option<u64> {
    let (hi, lo) = s.trim().split_once('/')?;
    let hi = u64::from_str_radix(hi, 16).ok()?;
    let lo = u64::from_str_radix(lo, 16).ok()?;
    if hi > u64::from(u32::MAX) || lo > u64::from(u32::MAX) {
        return None;
    }
    Some((hi << 32) | lo)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    /// This store (the primary) with read replicas at `urls`, used while
    /// their replay lag is under `max_lag`. PostgreSQL only; nothing is
    /// connected here (see the module's documentation).
    pub fn with_replicas(
        mut self,
        urls: &[String],
        max_lag: Duration,
    ) -> Result<Store, StoreError> {
        if urls.is_empty() {
            self.replicas = None;
            return Ok(self);
        }
        let Some(pg) = self.pg_installation() else {
            return Err(StoreError::Replica(
                "replica_urls: read replicas are PostgreSQL streaming standbys; a SQLite \
                 installation has none (remove replica_urls, or move to PostgreSQL)"
                    .into(),
            ));
        };
        let mut replicas = Vec::new();
        for (i, url) in urls.iter().enumerate() {
            if Engine::of_url(url) != Some(Engine::Postgres) {
                return Err(StoreError::Replica(format!(
                    "replica_urls[{}] must be a postgres:// URL",
                    i + 1
                )));
            }
            let mut cfg = StoreConfig::new(url.clone());
            cfg.pg_schema = Some(pg.schema.clone());
            cfg.read_only = true;
            replicas.push(Replica {
                cfg,
                store: Mutex::new(None),
                state: Mutex::new(State::default()),
                reads: AtomicU64::new(0),
            });
        }
        self.replicas = Some(Arc::new(ReplicaSet {
            replicas,
            max_lag,
            next: AtomicUsize::new(0),
            writes: Mutex::new(HashMap::new()),
            checked: tokio::sync::Mutex::new(None),
        }));
        Ok(self)
    }

    /// Whether read replicas are configured.
    pub fn has_replicas(&self) -> bool {
        self.replicas.is_some()
    }

    /// The store to serve a read-only request of `caller` from: a replica
    /// in use that has replayed the caller's own writes (round robin among
    /// them), else this store (the primary). Never write through it.
    pub async fn reader(&self, caller: &str) -> Store {
        let Some(set) = &self.replicas else {
            return self.clone();
        };
        set.check_if_stale(self).await;
        let needed = lock(&set.writes).get(caller).copied().unwrap_or(0);
        let usable: Vec<&Replica> = set
            .replicas
            .iter()
            .filter(|r| {
                let s = lock(&r.state);
                s.in_use && s.replay_lsn >= needed
            })
            .collect();
        if usable.is_empty() {
            return self.clone();
        }
        let r = usable[set.next.fetch_add(1, Ordering::Relaxed) % usable.len()];
        match lock(&r.store).clone() {
            Some(store) => {
                r.reads.fetch_add(1, Ordering::Relaxed);
                store
            }
            None => self.clone(),
        }
    }

    /// Note that `callers` just wrote (after the commit): their next reads
    /// go to the primary until a replica has replayed this write. Nothing
    /// to do without replicas.
    pub async fn wrote(&self, callers: &[&str]) -> Result<(), StoreError> {
        let Some(set) = &self.replicas else {
            return Ok(());
        };
        let lsn = self.wal_position().await?;
        let mut w = lock(&set.writes);
        for c in callers {
            let e = w.entry((*c).to_string()).or_insert(0);
            *e = (*e).max(lsn);
        }
        Ok(())
    }

    /// The replicas' state, checked now if the last check is stale; empty
    /// without replicas.
    pub async fn replica_status(&self) -> Vec<ReplicaStatus> {
        let Some(set) = &self.replicas else {
            return Vec::new();
        };
        set.check_if_stale(self).await;
        set.replicas
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let s = lock(&r.state).clone();
                ReplicaStatus {
                    replica: i + 1,
                    reachable: s.reachable,
                    standby: s.standby,
                    // Milliseconds to seconds, for display only.
                    lag_seconds: s.lag_ms.map(|ms| ms as f64 / 1000.0),
                    lag_bytes: s.lag_bytes,
                    in_use: s.in_use,
                    reads: r.reads.load(Ordering::Relaxed),
                }
            })
            .collect()
    }

    /// The primary's current WAL write position.
    async fn wal_position(&self) -> Result<u64, StoreError> {
        let text: String = sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
            .fetch_one(&self.pool)
            .await?;
        parse_lsn(&text).ok_or_else(|| StoreError::Corrupt(format!("WAL position {text:?}")))
    }
}

impl ReplicaSet {
    /// Check the replicas unless checked within [`CHECK_EVERY`] or being
    /// checked by another read right now.
    async fn check_if_stale(&self, primary: &Store) {
        let Ok(mut checked) = self.checked.try_lock() else {
            return;
        };
        if checked.is_some_and(|t| t.elapsed() < CHECK_EVERY) {
            return;
        }
        let primary_lsn = primary.wal_position().await.ok();
        for r in &self.replicas {
            let s = r.check(primary_lsn, self.max_lag).await;
            *lock(&r.state) = s;
        }
        // Forget the writes every replica in use has replayed.
        let replayed = self
            .replicas
            .iter()
            .map(|r| lock(&r.state).clone())
            .filter(|s| s.in_use)
            .map(|s| s.replay_lsn)
            .min();
        if let Some(min) = replayed {
            lock(&self.writes).retain(|_, lsn| *lsn > min);
        }
        *checked = Some(Instant::now());
    }
}

impl Replica {
    async fn check(&self, primary_lsn: Option<u64>, max_lag: Duration) -> State {
        let existing = lock(&self.store).clone();
        let store = match existing {
            Some(s) => s,
            None => match tokio::time::timeout(CHECK_TIMEOUT, Store::connect(&self.cfg, Role::App))
                .await
            {
                Ok(Ok(s)) => {
                    *lock(&self.store) = Some(s.clone());
                    s
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "read replica: cannot connect");
                    return State::default();
                }
                Err(_) => return State::default(),
            },
        };
        let q = sqlx::query_as::<_, (bool, String, i64)>(
            "SELECT pg_is_in_recovery(), COALESCE(pg_last_wal_replay_lsn()::text, ''), \
             COALESCE((EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp())) \
             * 1000)::bigint, -1)",
        )
        .fetch_one(&store.pool);
        let (standby, replay, age_ms) = match tokio::time::timeout(CHECK_TIMEOUT, q).await {
            Ok(Ok(row)) => row,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "read replica: check failed");
                return State::default();
            }
            Err(_) => return State::default(),
        };
        let replay_lsn = parse_lsn(&replay).unwrap_or(0);
        let lag_bytes = primary_lsn.map(|p| p.saturating_sub(replay_lsn));
        let lag_ms = match lag_bytes {
            Some(0) => Some(0),
            _ => u64::try_from(age_ms).ok(),
        };
        let within = lag_ms.is_some_and(|ms| u128::from(ms) <= max_lag.as_millis());
        State {
            reachable: true,
            standby,
            lag_ms: if standby { lag_ms } else { None },
            lag_bytes: if standby { lag_bytes } else { None },
            replay_lsn,
            in_use: standby && replay_lsn > 0 && within,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_positions_order_like_the_wal() {
        assert_eq!(parse_lsn("0/0"), Some(0));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert!(parse_lsn("1/FFFFFFFF") < parse_lsn("2/0"));
        assert_eq!(parse_lsn(""), None);
        assert_eq!(parse_lsn("x/1"), None);
    }

    /// SQLite has no streaming standbys: the setting is refused, naming it.
    #[tokio::test]
    async fn replicas_are_refused_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = StoreConfig::sqlite_file(&dir.path().join("r.db"));
        let store = Store::connect(&cfg, Role::Owner).await.unwrap();
        let urls = vec!["postgres://u@replica/db".to_string()];
        let Err(e) = store.clone().with_replicas(&urls, Duration::from_secs(5)) else {
            panic!("replicas accepted on SQLite");
        };
        let msg = e.to_string();
        assert!(
            msg.contains("replica_urls") && msg.contains("SQLite"),
            "{msg}"
        );
        // No replicas: nothing to refuse, and reads stay on this store.
        let same = store
            .clone()
            .with_replicas(&[], Duration::from_secs(5))
            .unwrap();
        assert!(!same.has_replicas());
        assert!(!same.reader("anyone").await.is_replica());
        assert!(same.replica_status().await.is_empty());
    }
}
