//! The `Store`: one interface over both engines.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use sirm_ledger::{
    Checkpoint, CryptoProfile, Digest, Entry, EntryDraft, Frontier, SignedCheckpoint, SigningKey,
};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::bulk::SqliteBulk;
use crate::engine::{self, Engine, Role, StoreConfig};
use crate::pg_identity::{self, PgInstallation};
use crate::projection::{self, Col};
use crate::tree;
use crate::StoreError;

/// Rows per multi-row INSERT statement (10 binds each; well under both
/// engines' parameter limits).
const ROWS_PER_STATEMENT: usize = 1000;
/// Entries held in memory at once by [`Store::append_stream`].
const STREAM_CHUNK: usize = 10_000;
/// SQLite page cache for a bulk append (256 MiB; lazily allocated).
const BULK_CACHE_PRAGMA: &str = "PRAGMA cache_size = -262144";
/// SQLite's default page cache (2 MB), restored after a bulk append.
const DEFAULT_CACHE_PRAGMA: &str = "PRAGMA cache_size = -2000";

/// The installation record: written once by `sirm init`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Installation {
    pub origin: String,
    pub agency_code: String,
    pub agency_name: String,
    pub profile: String,
    pub public_key: String,
    pub created: DateTime<Utc>,
}

/// Where the database schema stands relative to this binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaState {
    /// No SIRM tables at all.
    Empty,
    /// Applied migrations are a prefix of the known ones.
    Behind {
        applied: i64,
        latest: i64,
    },
    Current(i64),
    /// A migration this binary does not know (a newer sirm wrote it).
    Unknown {
        version: i64,
        latest: i64,
    },
}

/// A precondition of [`Store::append_checked`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The application's projection row still has this `last_seq`.
    ApplicationAt { id: String, last_seq: i64 },
    /// Each of these roles is held by at least one active account other
    /// than `username` (rule `last-administrator`), checked inside the
    /// append's serialized transaction so two concurrent locks or
    /// revocations cannot both pass.
    OtherActiveHolders {
        username: String,
        roles: Vec<String>,
    },
}

/// Result of one batched append.
#[derive(Clone, Debug)]
pub struct AppendOutcome {
    pub first_seq: u64,
    pub last_seq: u64,
    pub checkpoint: SignedCheckpoint,
}

/// A ledger row as stored, before decoding. Verification decodes it itself so
/// that an unreadable row becomes a finding, not an abort.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StoredRow {
    pub seq: i64,
    pub time_us: i64,
    pub agency: String,
    pub stream: String,
    pub kind: String,
    pub subject: String,
    pub application: Option<String>,
    pub actors: String,
    pub payload: String,
    #[serde(with = "crate::backup::hex_bytes")]
    pub leaf_hash: Vec<u8>,
}

impl StoredRow {
    pub fn decode(self) -> Result<(Entry, Vec<u8>), String> {
        let seq = u64::try_from(self.seq)
            .map_err(|_| format!("negative sequence number {}", self.seq))?;
        let entry = Entry::from_stored(
            seq,
            self.time_us,
            self.agency,
            &self.stream,
            self.kind,
            self.subject,
            self.application,
            &self.actors,
            self.payload,
        )
        .map_err(|e| e.to_string())?;
        Ok((entry, self.leaf_hash))
    }
}

/// A missing or disabled append-only guard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GuardProblem {
    pub table: String,
    pub guard: String,
}

/// Digest of the whole projection state, with row counts per table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectionDigest {
    pub digest: String,
    pub rows: Vec<(String, u64)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub entries: u64,
    pub checkpoints: u64,
    pub agencies: u64,
    pub employers: u64,
    pub persons: u64,
    pub accounts: u64,
}

/// A column list qualified by a table alias: `a.x, a.y, …` from `x, y, …`.
pub(crate) fn prefixed(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A person's registration record (projection row).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PersonRow {
    pub person_id: String,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub address: String,
    pub phone: String,
    pub registered_on: String,
    pub agency: String,
    pub first_seq: i64,
    pub last_seq: i64,
    /// Sealed resident ID number (`person_id` is the blind index).
    pub id_number: String,
}

/// The storage interface. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) engine: Engine,
    url: String,
    pub(crate) append_lock: Arc<tokio::sync::Mutex<()>>,
    /// PostgreSQL: the installation's schema, runtime role and lock key.
    pg: Option<Arc<PgInstallation>>,
    /// SQLite file databases: a second, sqlx-free reader for full scans.
    pub(crate) bulk: Option<Arc<SqliteBulk>>,
    /// Group commit of the query log (`query_log.rs`).
    pub(crate) query_log: crate::query_log::SharedQueryLogWriter,
}

pub(crate) fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}
pub(crate) fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
pub(crate) fn digest_of(bytes: &[u8], what: &str) -> Result<Digest, StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what}: expected 32 bytes, got {}", bytes.len())))
}

fn time_of(us: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(us)
        .ok_or_else(|| StoreError::Corrupt(format!("time {us} out of range")))
}

pub(crate) const ENTRY_COLUMNS: &str =
    "seq, time_us, agency, stream, kind, subject, application, actors, payload, leaf_hash";

pub(crate) fn row_to_stored(r: &AnyRow) -> Result<StoredRow, sqlx::Error> {
    Ok(StoredRow {
        seq: r.try_get(0)?,
        time_us: r.try_get(1)?,
        agency: r.try_get(2)?,
        stream: r.try_get(3)?,
        kind: r.try_get(4)?,
        subject: r.try_get(5)?,
        application: r.try_get(6)?,
        actors: r.try_get(7)?,
        payload: r.try_get(8)?,
        leaf_hash: r.try_get(9)?,
    })
}

fn row_to_checkpoint(r: &AnyRow) -> Result<(SignedCheckpoint, Vec<u8>), StoreError> {
    let tree_size: i64 = r.try_get("tree_size")?;
    let time_us: i64 = r.try_get("time_us")?;
    let origin: String = r.try_get("origin")?;
    let root: Vec<u8> = r.try_get("root")?;
    let frontier: Vec<u8> = r.try_get("frontier")?;
    let profile: String = r.try_get("profile")?;
    let key_id: String = r.try_get("key_id")?;
    let signature: Vec<u8> = r.try_get("signature")?;
    let profile = CryptoProfile::from_name(&profile)
        .map_err(|e| StoreError::Corrupt(format!("checkpoint {tree_size}: {e}")))?;
    Ok((
        SignedCheckpoint {
            checkpoint: Checkpoint {
                origin,
                tree_size: u64_of(tree_size),
                root: digest_of(&root, &format!("checkpoint {tree_size} root"))?,
                time: time_of(time_us)?,
            },
            profile,
            key_id,
            signature,
        },
        frontier,
    ))
}

impl Store {
    /// Open the database. `Role::Owner` may create it (SQLite file, PostgreSQL
    /// schema) and migrate; `Role::App` is what every other command uses.
    pub async fn connect(cfg: &StoreConfig, role: Role) -> Result<Store, StoreError> {
        let engine::Connected { pool, engine, pg } = engine::connect(cfg, role).await?;
        let bulk = match engine {
            Engine::Sqlite => SqliteBulk::for_url(&cfg.url).map(Arc::new),
            Engine::Postgres => None,
        };
        Ok(Store {
            pool,
            engine,
            url: cfg.redacted_url(),
            append_lock: Arc::new(tokio::sync::Mutex::new(())),
            pg: pg.map(Arc::new),
            bulk,
            query_log: Default::default(),
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// PostgreSQL: the installation's database identity (schema, runtime
    /// role, append lock key). `None` on SQLite.
    pub fn pg_installation(&self) -> Option<&PgInstallation> {
        self.pg.as_deref()
    }

    /// Serialise this transaction with every other append to the same
    /// installation, in any process (PostgreSQL: the installation's
    /// transaction-level advisory lock; SQLite's `BEGIN IMMEDIATE` already
    /// did it). Appends of other installations in the cluster do not wait.
    pub(crate) async fn lock_appends(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<(), StoreError> {
        if let Some(pg) = &self.pg {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(pg.append_lock_key)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The same store reading everything through the pool (tests compare
    /// the bulk reader against it).
    #[cfg(test)]
    pub(crate) fn without_bulk(&self) -> Store {
        Store {
            bulk: None,
            ..self.clone()
        }
    }

    /// The database URL without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Vacuum every table and refresh the planner's statistics after a bulk
    /// load (PostgreSQL; run as the schema owner). Without statistics, and
    /// with autovacuum off or not yet run, PostgreSQL plans a person's
    /// contribution months as a parallel bitmap scan estimated at tens of
    /// thousands of rows (8 ms) instead of a primary-key range (0.2 ms);
    /// without the vacuum, every contribution row marked paid leaves a dead
    /// version that each read of the month still visits.
    /// SQLite plans these reads by their indexes without statistics and
    /// updates rows in place.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        if self.engine != Engine::Postgres {
            return Ok(());
        }
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await?;
        for t in tables {
            // VACUUM cannot run in a transaction block: the simple protocol.
            sqlx::raw_sql(&format!("VACUUM (ANALYZE) \"{}\"", t.replace('"', "\"\"")))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Cheap liveness check for `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn schema_state(&self) -> Result<SchemaState, StoreError> {
        let migrator = self.engine.migrator();
        let known: BTreeSet<i64> = migrator.iter().map(|m| m.version).collect();
        let latest = known.iter().next_back().copied().unwrap_or(0);
        let exists: i64 = match self.engine {
            Engine::Sqlite => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(&self.pool)
                .await?
            }
            Engine::Postgres => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'",
                )
                .fetch_one(&self.pool)
                .await?
            }
        };
        if exists == 0 {
            return Ok(SchemaState::Empty);
        }
        let applied: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        if let Some(v) = applied.iter().find(|v| !known.contains(v)) {
            return Ok(SchemaState::Unknown {
                version: *v,
                latest,
            });
        }
        if applied.is_empty() {
            return Ok(SchemaState::Empty);
        }
        // Versions need not be consecutive, and sqlx applies a known version
        // that is missing even below the highest applied one (a version
        // shipped later but numbered lower, e.g. from a parallel branch): the
        // schema is current only when every known version is applied.
        // `applied` is then the end of the run of known versions applied.
        let applied: BTreeSet<i64> = applied.into_iter().collect();
        match known.iter().find(|v| !applied.contains(v)) {
            None => Ok(SchemaState::Current(latest)),
            Some(first_missing) => Ok(SchemaState::Behind {
                applied: known
                    .range(..first_missing)
                    .next_back()
                    .copied()
                    .unwrap_or(0),
                latest,
            }),
        }
    }

    /// Fail unless the schema is exactly the one this binary knows.
    pub async fn require_current_schema(&self) -> Result<(), StoreError> {
        match self.schema_state().await? {
            SchemaState::Current(_) => Ok(()),
            SchemaState::Empty => Err(StoreError::NotInitialized(self.url.clone())),
            SchemaState::Behind { applied, latest } => {
                Err(StoreError::SchemaBehind { applied, latest })
            }
            SchemaState::Unknown { version, latest } => {
                Err(StoreError::SchemaUnknown { version, latest })
            }
        }
    }

    /// Apply pending migrations (schema owner only); on PostgreSQL give the
    /// installation its own runtime role ([`PgInstallation`]: the privileges
    /// the migrations granted to the template role `sirm_app` move to it);
    /// then catch up the
    /// stored tree state ([`Store::catch_up_tree`]): a ledger written before
    /// migration 14 gets its nodes here (SQLite has no SHA-256 in SQL).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        if let SchemaState::Unknown { version, latest } = self.schema_state().await? {
            return Err(StoreError::SchemaUnknown { version, latest });
        }
        self.engine.migrator().run(&self.pool).await?;
        if let Some(pg) = &self.pg {
            pg_identity::provision(&self.pool, pg).await?;
        }
        self.catch_up_tree().await?;
        Ok(())
    }

    /// Apply the known migrations up to `version` only, as an older sirm
    /// did: no runtime role of the installation (tests of upgrades from an
    /// older schema).
    #[doc(hidden)]
    pub async fn migrate_to(&self, version: i64) -> Result<(), StoreError> {
        let all = self.engine.migrator();
        let partial = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(
                all.iter()
                    .filter(|m| m.version <= version)
                    .cloned()
                    .collect(),
            ),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        partial.run(&self.pool).await?;
        Ok(())
    }

    pub async fn installation(&self) -> Result<Option<Installation>, StoreError> {
        let row = sqlx::query(
            "SELECT origin, agency_code, agency_name, profile, public_key, created_us FROM installation WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Installation {
                origin: r.try_get(0)?,
                agency_code: r.try_get(1)?,
                agency_name: r.try_get(2)?,
                profile: r.try_get(3)?,
                public_key: r.try_get(4)?,
                created: time_of(r.try_get(5)?)?,
            })
        })
        .transpose()
    }

    pub async fn create_installation(&self, inst: &Installation) -> Result<(), StoreError> {
        if let Some(existing) = self.installation().await? {
            return Err(StoreError::AlreadyInitialized(existing.origin));
        }
        sqlx::query(
            "INSERT INTO installation (id, origin, agency_code, agency_name, profile, public_key, created_us) \
             VALUES (1, $1, $2, $3, $4, $5, $6)",
        )
        .bind(&inst.origin)
        .bind(&inst.agency_code)
        .bind(&inst.agency_name)
        .bind(&inst.profile)
        .bind(&inst.public_key)
        .bind(inst.created.timestamp_micros())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// THE append path. Assigns sequence numbers, writes the entries, one new
    /// signed checkpoint and the projection updates in one transaction.
    /// Either all of `drafts` is in the ledger afterwards, or none of it.
    pub async fn append(
        &self,
        drafts: Vec<EntryDraft>,
        key: &SigningKey,
        origin: &str,
    ) -> Result<AppendOutcome, StoreError> {
        self.append_checked(drafts, key, origin, None).await
    }

    /// [`Store::append`] with a precondition checked inside the same
    /// transaction (optimistic concurrency: two reviewers deciding the same
    /// stage at once — the second finds the application moved on).
    pub async fn append_checked(
        &self,
        drafts: Vec<EntryDraft>,
        key: &SigningKey,
        origin: &str,
        expect: Option<Expect>,
    ) -> Result<AppendOutcome, StoreError> {
        self.append_stream(drafts.into_iter().map(Ok), key, origin, expect)
            .await
    }

    /// The append path for any number of entries: drafts are pulled from
    /// `drafts` a chunk at a time (memory stays bounded by the chunk), all in
    /// ONE transaction with one signed checkpoint at the end — a million
    /// contributions of one approved declaration are in the ledger together,
    /// or not at all. An `Err` from the iterator aborts everything.
    pub async fn append_stream<I>(
        &self,
        drafts: I,
        key: &SigningKey,
        origin: &str,
        expect: Option<Expect>,
    ) -> Result<AppendOutcome, StoreError>
    where
        I: IntoIterator<Item = Result<EntryDraft, StoreError>>,
        I::IntoIter: Send,
    {
        let mut drafts = drafts.into_iter();
        let profile = key.profile();
        let _serial = self.append_lock.lock().await;
        let mut tx = engine::begin_write(&self.pool, self.engine).await?;
        self.lock_appends(&mut tx).await?;
        if let Some(Expect::OtherActiveHolders { username, roles }) = &expect {
            for role in roles {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM account_role r JOIN account a ON a.username = r.username \
                     WHERE r.role = $1 AND r.username <> $2 AND a.status = 'active'",
                )
                .bind(role)
                .bind(username)
                .fetch_one(&mut *tx)
                .await?;
                if n == 0 {
                    return Err(StoreError::LastHolder(format!(
                        "{username} is the last active {role}; grant the role to another person first"
                    )));
                }
            }
        }
        if let Some(Expect::ApplicationAt { id, last_seq }) = &expect {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT last_seq FROM application WHERE application_id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found != Some(*last_seq) {
                return Err(StoreError::Stale(format!(
                    "application {id} changed while you were looking at it; reload it"
                )));
            }
        }
        let head = sqlx::query(
            "SELECT tree_size, time_us, origin, root, frontier, profile, key_id, signature \
             FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let (mut frontier, mut min_time) = match &head {
            None => (Frontier::new(), i64::MIN),
            Some(r) => {
                let (cp, fbytes) = row_to_checkpoint(r)?;
                let f = Frontier::from_bytes(cp.checkpoint.tree_size, &fbytes).map_err(|e| {
                    StoreError::Inconsistent(format!("head checkpoint frontier: {e}"))
                })?;
                (f, cp.checkpoint.time.timestamp_micros())
            }
        };
        let max_seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM ledger_entry")
            .fetch_one(&mut *tx)
            .await?;
        if u64_of(max_seq.unwrap_or(0)) != frontier.size() {
            return Err(StoreError::Inconsistent(format!(
                "last entry is {} but the last signed checkpoint covers {}",
                max_seq.unwrap_or(0),
                frontier.size()
            )));
        }
        // The stored tree state covers the ledger so far (it lags only after
        // an upgrade whose catch-up was interrupted).
        tree::catch_up(
            &mut tx,
            self.engine,
            profile,
            frontier.size(),
            tree::CATCH_UP_CHUNK,
        )
        .await?;
        let first_seq = frontier.size() + 1;
        let mut index = 0usize;
        let mut nodes = Vec::new();
        let mut big_cache = false;
        loop {
            if index >= STREAM_CHUNK && !big_cache && self.engine == Engine::Sqlite {
                // A bulk append (an approved declaration): persons are keyed
                // by blind index, so their rows land on pages all over the
                // indexes; with SQLite's default 2 MB page cache nearly every
                // row would touch a page not in memory. Reset before commit.
                sqlx::query(BULK_CACHE_PRAGMA).execute(&mut *tx).await?;
                big_cache = true;
            }
            let mut entries = Vec::with_capacity(STREAM_CHUNK);
            let mut leaves = Vec::with_capacity(STREAM_CHUNK);
            nodes.clear();
            for next in drafts.by_ref().take(STREAM_CHUNK) {
                let mut draft = next?;
                // Ledger time never goes backwards, whatever the wall clock does.
                if draft.time.timestamp_micros() < min_time {
                    draft.time = time_of(min_time)?;
                }
                let entry = Entry::from_draft(first_seq + index as u64, draft)
                    .map_err(|source| StoreError::InvalidEntry { index, source })?;
                projection::check_payload(&entry)?;
                min_time = entry.time_micros();
                let leaf = entry.leaf_hash(profile);
                frontier.push_with(profile, leaf, tree::keep_stored(&mut nodes));
                leaves.push(leaf);
                entries.push(entry);
                index += 1;
            }
            if entries.is_empty() {
                break;
            }
            for (chunk, leaf_chunk) in entries
                .chunks(ROWS_PER_STATEMENT)
                .zip(leaves.chunks(ROWS_PER_STATEMENT))
            {
                let sql = insert_entries_sql(self.engine, chunk.len());
                let mut q = sqlx::query(&sql);
                for (e, leaf) in chunk.iter().zip(leaf_chunk) {
                    q = q
                        .bind(i64_of(e.seq))
                        .bind(e.time_micros())
                        .bind(e.agency.as_str())
                        .bind(e.stream.as_str())
                        .bind(e.kind.as_str())
                        .bind(e.subject.as_str())
                        .bind(e.application.as_deref())
                        .bind(e.actors_json())
                        .bind(e.payload.as_str())
                        .bind(leaf.to_vec());
                }
                q.execute(&mut *tx).await?;
            }
            tree::insert_nodes(&mut tx, self.engine, &nodes).await?;
            projection::apply_all(&mut tx, self.engine, &entries).await?;
        }
        if index == 0 {
            return Err(StoreError::Inconsistent("empty batch".into()));
        }
        if big_cache {
            sqlx::query(DEFAULT_CACHE_PRAGMA).execute(&mut *tx).await?;
        }
        let now = Utc::now().timestamp_micros().max(min_time);
        let checkpoint = SignedCheckpoint::sign(
            Checkpoint {
                origin: origin.to_string(),
                tree_size: frontier.size(),
                root: frontier.root(profile),
                time: time_of(now)?,
            },
            key,
        );
        sqlx::query(
            "INSERT INTO ledger_checkpoint (tree_size, time_us, origin, root, frontier, profile, key_id, signature) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(i64_of(checkpoint.checkpoint.tree_size))
        .bind(now)
        .bind(origin)
        .bind(checkpoint.checkpoint.root.to_vec())
        .bind(frontier.to_bytes())
        .bind(profile.name())
        .bind(checkpoint.key_id.as_str())
        .bind(checkpoint.signature.clone())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AppendOutcome {
            first_seq,
            last_seq: frontier.size(),
            checkpoint,
        })
    }

    /// The latest signed checkpoint, if anything was ever appended.
    pub async fn head(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        let row = sqlx::query(
            "SELECT tree_size, time_us, origin, root, frontier, profile, key_id, signature \
             FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| row_to_checkpoint(&r).map(|(cp, _)| cp))
            .transpose()
    }

    /// The signed checkpoint of exactly `tree_size` entries with its
    /// frontier, if an append ended there (every append ends with one).
    pub async fn checkpoint_at(
        &self,
        tree_size: u64,
    ) -> Result<Option<(SignedCheckpoint, sirm_ledger::merkle::Frontier)>, StoreError> {
        let row = sqlx::query(
            "SELECT tree_size, time_us, origin, root, frontier, profile, key_id, signature \
             FROM ledger_checkpoint WHERE tree_size = $1",
        )
        .bind(i64_of(tree_size))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (cp, bytes) = row_to_checkpoint(&row)?;
        let frontier = sirm_ledger::merkle::Frontier::from_bytes(tree_size, &bytes)
            .map_err(|e| StoreError::Corrupt(format!("checkpoint {tree_size} frontier: {e}")))?;
        Ok(Some((cp, frontier)))
    }

    /// Every stored checkpoint, smallest tree first.
    pub async fn checkpoints(&self) -> Result<Vec<SignedCheckpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT tree_size, time_us, origin, root, frontier, profile, key_id, signature \
             FROM ledger_checkpoint ORDER BY tree_size",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| row_to_checkpoint(r).map(|(cp, _)| cp))
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
        let row = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entry WHERE seq = $1"
        ))
        .bind(i64_of(seq))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let stored = row_to_stored(&r)?;
                stored
                    .decode()
                    .map(|(e, _)| Some(e))
                    .map_err(StoreError::Corrupt)
            }
        }
    }

    /// Entries about one subject, in ledger order.
    pub async fn entries_for_subject(&self, subject: &str) -> Result<Vec<Entry>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entry WHERE subject = $1 ORDER BY seq"
        ))
        .bind(subject)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let stored = row_to_stored(r)?;
                stored.decode().map(|(e, _)| e).map_err(StoreError::Corrupt)
            })
            .collect()
    }

    /// Every ledger row in sequence order, undecoded (for verification).
    /// One statement, so one consistent snapshot. On a SQLite file the rows
    /// are read on a blocking thread by a dedicated connection (see
    /// `bulk.rs`), overlapping with whatever the caller does with them.
    pub fn scan(&self) -> BoxStream<'_, Result<StoredRow, StoreError>> {
        if let Some(bulk) = &self.bulk {
            return bulk.scan();
        }
        sqlx::query(
            "SELECT seq, time_us, agency, stream, kind, subject, application, actors, payload, leaf_hash \
             FROM ledger_entry ORDER BY seq",
        )
        .fetch(&self.pool)
        .map(|r| r.and_then(|r| row_to_stored(&r)).map_err(StoreError::from))
        .boxed()
    }

    /// Append-only guards that should exist but do not (or are disabled).
    pub async fn missing_guards(&self) -> Result<Vec<GuardProblem>, StoreError> {
        let rows = sqlx::query(engine::guard_query(self.engine))
            .fetch_all(&self.pool)
            .await?;
        let mut present = BTreeSet::new();
        for r in rows {
            let table: String = r.try_get(0)?;
            let name: String = r.try_get(1)?;
            present.insert((table, name));
        }
        Ok(engine::expected_guards(self.engine)
            .iter()
            .filter(|(t, g)| !present.contains(&(t.to_string(), g.to_string())))
            .map(|(t, g)| GuardProblem {
                table: t.to_string(),
                guard: g.to_string(),
            })
            .collect())
    }

    /// Empty every projection and refill it from the ledger, in one
    /// transaction (all or nothing), reading `batch` entries at a time.
    /// Returns the number of entries replayed.
    pub async fn rebuild_projections(&self, batch: usize) -> Result<u64, StoreError> {
        let _serial = self.append_lock.lock().await;
        let mut tx = engine::begin_write(&self.pool, self.engine).await?;
        for table in projection::TABLES {
            sqlx::query(&format!("DELETE FROM {}", table.name))
                .execute(&mut *tx)
                .await?;
        }
        let mut after: i64 = 0;
        let mut replayed = 0u64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {ENTRY_COLUMNS} FROM ledger_entry WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))
            .bind(after)
            .bind(i64::try_from(batch.max(1)).unwrap_or(1000))
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            let mut entries = Vec::with_capacity(rows.len());
            for r in &rows {
                let stored = row_to_stored(r)?;
                after = stored.seq;
                let (entry, _) = stored.decode().map_err(StoreError::Corrupt)?;
                entries.push(entry);
            }
            projection::apply_all(&mut tx, self.engine, &entries).await?;
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
        for projection::Table {
            name: table,
            columns: cols,
            key,
        } in projection::TABLES
        {
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            let sql = format!("SELECT {} FROM {table} ORDER BY {key}", names.join(", "));
            let mut rows = sqlx::query(&sql).fetch(&self.pool);
            let mut n = 0u64;
            hasher.update(table.as_bytes());
            hasher.update([0u8]);
            while let Some(r) = rows.try_next().await? {
                let mut values = Vec::with_capacity(cols.len());
                for (i, (_, col)) in cols.iter().enumerate() {
                    let v = match col {
                        Col::Text => serde_json::to_value(r.try_get::<Option<String>, _>(i)?),
                        Col::Int => serde_json::to_value(r.try_get::<Option<i64>, _>(i)?),
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

    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let one = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&self.pool)
                .await
                .map(u64_of)
        };
        Ok(Counts {
            entries: one("SELECT COUNT(*) FROM ledger_entry").await?,
            checkpoints: one("SELECT COUNT(*) FROM ledger_checkpoint").await?,
            agencies: one("SELECT COUNT(*) FROM agency").await?,
            employers: one("SELECT COUNT(*) FROM employer").await?,
            persons: one("SELECT COUNT(*) FROM person").await?,
            accounts: one("SELECT COUNT(*) FROM account").await?,
        })
    }

    pub async fn person(&self, person_id: &str) -> Result<Option<PersonRow>, StoreError> {
        let row = sqlx::query(&crate::record::PERSON_SQL)
            .bind(person_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(PersonRow {
                person_id: r.try_get(0)?,
                name: r.try_get(1)?,
                gender: r.try_get(2)?,
                birth_date: r.try_get(3)?,
                address: r.try_get(4)?,
                phone: r.try_get(5)?,
                registered_on: r.try_get(6)?,
                agency: r.try_get(7)?,
                first_seq: r.try_get(8)?,
                last_seq: r.try_get(9)?,
                id_number: r.try_get(10)?,
            })
        })
        .transpose()
    }

    /// Set (or replace) an account's password hash. Credentials are mutable
    /// secrets, deliberately kept out of the ledger.
    pub async fn set_credential(
        &self,
        username: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO credential (username, password_hash, updated_us) VALUES ($1, $2, $3) \
             ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, updated_us = excluded.updated_us",
        )
        .bind(username)
        .bind(password_hash)
        .bind(Utc::now().timestamp_micros())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn credential(&self, username: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM credential WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Run raw SQL on the store's pool. For tests and tools that must show
    /// what the database itself refuses; never used by the application.
    #[doc(hidden)]
    /// Whether this store's database connection is encrypted: PostgreSQL
    /// reports TLS on the backend serving it (`pg_stat_ssl`); a SQLite file
    /// has no connection to encrypt.
    pub async fn tls_in_use(&self) -> Result<bool, StoreError> {
        match self.engine {
            Engine::Sqlite => Ok(false),
            Engine::Postgres => Ok(sqlx::query_scalar(
                "SELECT COALESCE(bool_or(ssl), FALSE) FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            )
            .fetch_one(&self.pool)
            .await?),
        }
    }

    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(sql).execute(&self.pool).await?.rows_affected())
    }
}

/// A multi-row INSERT. SQLite gets anonymous `?` parameters (cheap to prepare
/// by the thousand), PostgreSQL numbered `$n`.
pub(crate) fn insert_entries_sql(engine: Engine, rows: usize) -> String {
    let mut sql = format!("INSERT INTO ledger_entry ({ENTRY_COLUMNS}) VALUES ");
    let mut n = 1;
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..10 {
            if c > 0 {
                sql.push(',');
            }
            match engine {
                Engine::Sqlite => sql.push('?'),
                Engine::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
            n += 1;
        }
        sql.push(')');
    }
    sql
}
